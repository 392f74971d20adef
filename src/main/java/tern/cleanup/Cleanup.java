package tern.cleanup;

/*
 * CONTRACT (the implementation is the queue/cleanup work of issue 3; smtpd and pickup code against this):
 *
 *   Cleanup cleanup = new Cleanup(Config config, Queue queue, Logger log);
 *   try (CleanupStream m = cleanup.begin(Origin origin)) {   // creates a file in incoming/, assigns the id
 *       m.queueId();                                         // "4F2C31A0B3" style, valid at once (smtpd logs it)
 *       m.sender(String address, MailParams params);         // "" is the null sender; params: SIZE, BODY, RET, ENVID, SMTPUTF8
 *       m.recipient(String address, String orcpt, int notify);   // notify: DSN bits, 0 = not given
 *       m.headerOrBodyLine(byte[] buf, int off, int len);    // one content line, no CRLF, dot-unstuffed
 *       String id = m.commit();                              // complete + fsync'd (file and directory) -> "queued as id"
 *   }                                                         // close() without commit(): file removed
 *
 * commit() throws IOException when the message could not be made durable; the file is then gone.
 */
final class Cleanup {
    private Cleanup() {
    }
}
