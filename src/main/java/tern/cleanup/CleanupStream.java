package tern.cleanup;

import java.io.IOException;

/**
 * CleanupStream - one message on its way into the queue; see {@link CleanupService} for the order of
 * calls. Not thread-safe: one session writes one message.
 */
public interface CleanupStream extends AutoCloseable {
    /** DSN NOTIFY bits for {@link #recipient}; 0 means the client gave no NOTIFY. */
    int NOTIFY_NEVER = 1;
    int NOTIFY_SUCCESS = 2;
    int NOTIFY_FAILURE = 4;
    int NOTIFY_DELAY = 8;

    /** queueId - the id of this message, valid from begin() on (smtpd logs "ID: client=..."). */
    String queueId();

    /** sender - the envelope sender as given ("" for the null sender) and the MAIL FROM parameters. */
    void sender(String address, MailParams params) throws IOException;

    /** recipient - one envelope recipient, its ORCPT (null when not given) and NOTIFY bits. */
    void recipient(String address, String orcpt, int notify) throws IOException;

    /**
     * recipient - as above, keeping originalRecipient as the recipient's original address (local(8)
     * forwarding keeps the address that the mail was first sent to); null: the address itself.
     */
    default void recipient(String address, String originalRecipient, String orcpt, int notify) throws IOException {
        recipient(address, orcpt, notify);
    }

    /** contentLine - one line of the message (headers, then body), without its line ending. */
    void contentLine(byte[] buf, int off, int len) throws IOException;

    /**
     * contentPart - the first part of a line that goes on in the next contentPart or contentLine call.
     * smtpd hands over a line longer than line_length_limit in parts of that size, as Postfix's smtpd
     * does (its REC_TYPE_CONT records), so that no line has to be held whole. {@link Cleanup} joins
     * them again, so the queue holds the line as sent; this default, for streams that cannot, keeps
     * each part as a line of its own.
     */
    default void contentPart(byte[] buf, int off, int len) throws IOException {
        contentLine(buf, off, len);
    }

    /**
     * fullName - the sender's full name (sendmail -F, the NAME variable or the password file), for
     * the From: header cleanup adds when the message has none. Local submission only; call before
     * {@link #sender}. Implementations that add no headers ignore it.
     */
    default void fullName(String name) throws IOException {
    }

    /**
     * arrival - keep this arrival time instead of "now": a message requeued by postsuper -r keeps
     * the time it first arrived, so that maximal_queue_lifetime still counts from then. Call before
     * {@link #sender}. Implementations that cannot keep it ignore it.
     */
    default void arrival(long millis) throws IOException {
    }

    /** commit - make the message durable and hand it to the queue manager; returns the queue id. */
    String commit() throws IOException;

    /** close - remove the file unless commit() succeeded. */
    @Override
    void close();
}
