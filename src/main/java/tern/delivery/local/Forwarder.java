package tern.delivery.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;

import tern.cleanup.CleanupService;
import tern.cleanup.CleanupStream;
import tern.cleanup.MailParams;
import tern.cleanup.Origin;
import tern.delivery.mailbox.MessageText;
import tern.queue.Envelope;
import tern.queue.Recipient;

/**
 * Forwarder - forwarding as local(8) does it "for the sake of reliability": the addresses that
 * an alias with an owner, a .forward file or an :include: file sends a recipient's mail to become
 * the recipients of a NEW message, made through cleanup (so it is rewritten, virtual-aliased and
 * queued like any other), with its own queue file and per-recipient status. The new message has
 * the same sender (or owner-alias), the same DSN envelope attributes, the original recipient kept,
 * and a Delivered-To: header on top of the unchanged content (prepend_delivered_header "forward").
 *
 * Failure: an IOException from cleanup (queue full, file system error); the caller defers the
 * recipient, and nothing is queued (the unfinished new message is removed by cleanup).
 */
final class Forwarder {
    /** Target - one forwarding address and the original recipient to keep (null: none). */
    record Target(String address, String original, Recipient from) {
    }

    private Forwarder() {
    }

    /** forward - queue one new message for targets; returns its queue id. */
    static String forward(CleanupService cleanup, FileChannel queue, Envelope env, String sender, List<Target> targets,
                          String deliveredTo, byte[] buf) throws IOException {
        try (CleanupStream s = cleanup.begin(Origin.internal("local"))) {
            s.sender(sender, params(env));
            for (Target t : targets) {
                s.recipient(t.address(), t.original(), t.from().orcpt().isEmpty() ? null : t.from().orcpt(),
                        t.from().notifyBits());
            }
            LineSink lines = new LineSink(s);
            if (deliveredTo != null) {
                byte[] h = ("Delivered-To: " + deliveredTo).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                s.contentLine(h, 0, h.length);
            }
            boolean ended = MessageText.copy(queue, env.contentOffset(), env.contentLength(), false, buf, lines);
            if (!ended) {
                lines.lineEnd();
            }
            return s.commit();
        }
    }

    private static MailParams params(Envelope e) {
        String envid = e.attribute("envid");
        String ret = e.attribute("ret");
        String body = e.attribute("body");
        return new MailParams(-1, body.isEmpty() ? null : body, ret.isEmpty() ? null : ret,
                envid.isEmpty() ? null : envid, e.attribute("smtputf8").equals("yes"));
    }

    /** LineSink - gathers the pieces of each line and hands whole lines to cleanup. */
    private static final class LineSink implements MessageText.Sink {
        private final CleanupStream s;
        private byte[] line = new byte[1024];
        private int used;

        LineSink(CleanupStream s) {
            this.s = s;
        }

        @Override
        public void bytes(byte[] b, int off, int len) {
            if (used + len > line.length) {
                line = java.util.Arrays.copyOf(line, Math.max(used + len, line.length * 2));
            }
            System.arraycopy(b, off, line, used, len);
            used += len;
        }

        @Override
        public void lineEnd() throws IOException {
            s.contentLine(line, 0, used);
            used = 0;
        }
    }
}
