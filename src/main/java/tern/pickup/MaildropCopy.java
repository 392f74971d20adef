package tern.pickup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

import tern.cleanup.CleanupRejectedException;
import tern.cleanup.CleanupService;
import tern.cleanup.CleanupStream;
import tern.cleanup.MailParams;
import tern.cleanup.Origin;
import tern.log.Logger;
import tern.queue.Envelope;
import tern.queue.QueueFile;
import tern.queue.Recipient;

/**
 * MaildropCopy - one maildrop file through cleanup: the envelope as the user gave it (sender,
 * the recipients not yet delivered, DSN settings, full name), then the content line by line. The
 * origin is Origin.local("pickup", uid) with uid the file's owner, so cleanup adds Postfix's
 * "Received: by HOST (Postfix, from userid UID)" header and the missing headers of local mail.
 *
 * Only what a user may decide is taken from the file: attributes that describe a network client,
 * a SASL login or a queue service are ignored (the origin says where the mail came from). For a
 * message requeued by postsuper the original arrival time is kept.
 *
 * The content is read in 64 KiB pieces from its stored form (CRLF line ends, leading dots
 * doubled) and handed over as plain lines. A line is held whole in memory, bounded by
 * message_size_limit: a longer one is refused as too big (CleanupRejectedException). Any LF
 * ends a line, so nothing a user writes can put a line break inside a line cleanup sees.
 */
final class MaildropCopy {
    private final CleanupService cleanup;
    private final Logger log;
    private final long lineLimit;

    MaildropCopy(CleanupService cleanup, Logger log, long lineLimit) {
        this.cleanup = cleanup;
        this.log = log;
        this.lineLimit = lineLimit;
    }


    /** copy - the message into the queue; returns the new queue id. */
    String copy(QueueFile qf, FileChannel ch, int uid, boolean requeued) throws IOException {
        Envelope e = qf.envelope();
        try (CleanupStream m = cleanup.begin(Origin.local("pickup", uid))) {
            log.info(m.queueId() + ": uid=" + uid + " from=<" + e.sender() + ">"
                    + (requeued ? " orig_id=" + e.id() : ""));
            String fullName = e.attributes().get("full_name");
            if (fullName != null && !fullName.isEmpty()) {
                m.fullName(fullName);
            }
            if (requeued) {
                m.arrival(e.arrivalMillis());
            }
            String body = e.attributes().get("body");
            String ret = e.attributes().get("ret");
            String envid = e.attributes().get("envid");
            m.sender(e.sender(), new MailParams(-1, blankToNull(body), blankToNull(ret), blankToNull(envid),
                    "yes".equals(e.attributes().get("smtputf8"))));
            for (Recipient r : qf.pending()) {
                // a requeued message keeps its original recipients; sendmail's files have none yet
                m.recipient(r.address(), r.original().isEmpty() ? null : r.original(),
                        r.orcpt().isEmpty() ? null : r.orcpt(), r.notifyBits());
            }
            content(ch, e.contentOffset(), e.contentLength(), m);
            return m.commit();
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** content - the stored content as lines: split at LF, a CR before it dropped, one of two leading dots dropped. */
    private void content(FileChannel ch, long offset, long length, CleanupStream m) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(65536);
        byte[] line = new byte[1024];
        int len = 0;
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            in.clear();
            in.limit((int) Math.min(in.capacity(), end - pos));
            int n = ch.read(in, pos);
            if (n <= 0) {
                throw new IOException("queue file content ends early");
            }
            pos += n;
            byte[] a = in.array();
            for (int i = 0; i < n; i++) {
                byte c = a[i];
                if (c == '\n') {
                    emit(m, line, len);
                    len = 0;
                    continue;
                }
                if (len == line.length) {
                    if (line.length >= lineLimit) {
                        throw new CleanupRejectedException("552 5.3.4 Error: message file too big");
                    }
                    line = Arrays.copyOf(line, (int) Math.min(lineLimit, (long) line.length * 2));
                }
                line[len++] = c;
            }
        }
        if (len > 0) {
            emit(m, line, len);
        }
    }

    private static void emit(CleanupStream m, byte[] line, int len) throws IOException {
        int l = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
        int off = l >= 2 && line[0] == '.' && line[1] == '.' ? 1 : 0;
        m.contentLine(line, off, l - off);
    }
}
