package tern.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import tern.queue.DirSync;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;

/**
 * MaildropFile - one local submission as sendmail drops it into queue_directory/maildrop for the
 * pickup service: an ordinary queue file (see {@link tern.queue.QueueFile}) holding the envelope
 * as the user gave it (sender, recipients with their DSN settings, the full name and MAIL FROM
 * parameters as attributes) and the content as read. Nothing is rewritten here; pickup feeds it
 * through cleanup, which does what it does for mail from smtpd.
 *
 * The file is created mode 0600 under the submitting user's id, which is how pickup knows who
 * sent it (the uid= of its log line): nothing in the file can claim another user. Until commit it
 * is incomplete and pickup leaves it alone; close() without commit removes it. A user may not read
 * maildrop (mode 1733), so the directory entry is not fsync'd for a user (the file is), as with
 * Postfix's postdrop.
 */
final class MaildropFile implements AutoCloseable {
    /** Rcpt - one envelope recipient: address, DSN ORCPT ("" when none) and NOTIFY bits (0 when none). */
    record Rcpt(String address, String orcpt, int notifyBits) {
    }

    private final Queue queue;
    private final QueueFileWriter w;

    private MaildropFile(Queue queue, QueueFileWriter w) {
        this.queue = queue;
        this.w = w;
    }

    /** create - a new, empty maildrop file under a fresh queue id. */
    static MaildropFile create(Queue queue) throws IOException {
        QueueFileWriter w = QueueFileWriter.create(queue, Queue.Dir.MAILDROP, new QueueId());
        try {
            Files.setPosixFilePermissions(w.path(), PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | UnsupportedOperationException e) {
            w.close();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        return new MaildropFile(queue, w);
    }

    String id() {
        return w.id();
    }

    /** envelope - arrival time, attributes (full_name, envid, ret, body, smtputf8), sender ("" null sender), recipients. */
    void envelope(long arrivalMillis, Map<String, String> attributes, String sender, List<Rcpt> recipients)
            throws IOException {
        sender(arrivalMillis, attributes, sender);
        for (Rcpt r : recipients) {
            recipient(r);
        }
        w.beginContent();
    }

    /** sender - the envelope up to the sender: arrival time, attributes, sender; recipients follow. */
    void sender(long arrivalMillis, Map<String, String> attributes, String sender) throws IOException {
        w.arrival(arrivalMillis);
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            w.attribute(a.getKey(), clean(a.getValue()));
        }
        w.sender(clean(sender));
    }

    /** recipient - one more recipient (after {@link #sender}, before the content). */
    void recipient(Rcpt r) throws IOException {
        w.recipient(clean(r.address()), "", clean(r.orcpt()), r.notifyBits());
    }

    /** beginContent - the envelope is complete (after {@link #sender} and the recipients). */
    void beginContent() throws IOException {
        w.beginContent();
    }

    /** recipientCount - the recipients written so far. */
    int recipientCount() {
        return w.recipientCount();
    }

    /** line - one content line without its line end (a leading dot is stored doubled, as always). */
    void line(byte[] b, int off, int len) throws IOException {
        w.contentLine(b, off, len);
    }

    /** part - a piece of a long line that goes on in the next part or line call (see QueueFileWriter). */
    void part(byte[] b, int off, int len) throws IOException {
        w.contentPart(b, off, len);
    }

    /** endHeaders - the header section ends here. */
    void endHeaders() {
        w.endHeaders();
    }

    /** commit - the file is complete and on disk; returns its queue id. */
    String commit() throws IOException {
        try (DirSync sync = DirSync.bestEffort(queue.dir(Queue.Dir.MAILDROP))) {
            w.commit(sync);
        }
        return w.id();
    }

    @Override
    public void close() {
        w.close();
    }

    /** clean - envelope values hold no CR, LF or TAB (the record format's separators). */
    private static String clean(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean bad = c == '\r' || c == '\n' || c == '\t';
            if (bad && b == null) {
                b = new StringBuilder(s.substring(0, i));
            }
            if (b != null) {
                b.append(bad ? ' ' : c);
            }
        }
        return b == null ? s : b.toString();
    }
}
