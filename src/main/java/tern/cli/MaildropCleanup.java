package tern.cli;

import java.io.IOException;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

import tern.cleanup.CleanupService;
import tern.cleanup.CleanupStream;
import tern.cleanup.MailParams;
import tern.cleanup.Origin;
import tern.cleanup.Received;
import tern.config.Config;
import tern.queue.Queue;

/**
 * MaildropCleanup - the cleanup that sendmail -bs gives the SMTP server: each message becomes a
 * maildrop file ({@link MaildropFile}), as Postfix's stand-alone smtpd hands its mail to postdrop.
 * Nothing is rewritten here; the file holds the envelope as the client gave it (sender, MAIL FROM
 * parameters, recipients with ORCPT and NOTIFY) and the content with smtpd's Received: header on
 * top. The pickup service then takes it through the daemon's cleanup like any sendmail message
 * (adding its own "Received: by HOST (..., from userid UID)" header, as Postfix's pickup does).
 *
 * After each commit it calls the given hook (sendmail wakes the pickup service; when the daemon is
 * down the message waits in maildrop).
 *
 * Failure: IOException from the file system (the session answers "451 4.3.0 Error: queue file
 * write error"); a message not committed leaves no file.
 */
final class MaildropCleanup implements CleanupService {
    private final Queue queue;
    private final int uid;
    private final String myhostname;
    private final String mailName;
    private final Runnable committed;

    MaildropCleanup(Queue queue, int uid, Config config, Runnable committed) {
        this.queue = queue;
        this.uid = uid;
        this.myhostname = config.get("myhostname");
        this.mailName = config.get("mail_name");
        this.committed = committed;
    }

    @Override
    public CleanupStream begin(Origin origin) throws IOException {
        return new Message(MaildropFile.create(queue), origin);
    }

    /** Message - one message on its way into maildrop. */
    private final class Message implements CleanupStream {
        private final MaildropFile file;
        private final Origin origin;
        private boolean senderGiven;
        private boolean content;
        private String firstRecipient;

        Message(MaildropFile file, Origin origin) {
            this.file = file;
            this.origin = origin;
        }

        @Override
        public String queueId() {
            return file.id();
        }

        @Override
        public void sender(String address, MailParams params) throws IOException {
            if (senderGiven) {
                throw new IllegalStateException("sender given twice");
            }
            senderGiven = true;
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("uid", Integer.toString(uid));
            if (params.envid() != null) {
                attrs.put("envid", params.envid());
            }
            if (params.ret() != null) {
                attrs.put("ret", params.ret());
            }
            if (params.body() != null) {
                attrs.put("body", params.body());
            }
            if (params.smtputf8()) {
                attrs.put("smtputf8", "yes");
            }
            file.sender(System.currentTimeMillis(), attrs, address);
        }

        @Override
        public void recipient(String address, String orcpt, int notify) throws IOException {
            if (!senderGiven || content) {
                throw new IllegalStateException("recipient out of order");
            }
            if (firstRecipient == null) {
                firstRecipient = address;
            }
            file.recipient(new MaildropFile.Rcpt(address, orcpt == null ? "" : orcpt, notify));
        }

        @Override
        public void contentLine(byte[] buf, int off, int len) throws IOException {
            startContent();
            file.line(buf, off, len);
        }

        @Override
        public void contentPart(byte[] buf, int off, int len) throws IOException {
            startContent();
            file.part(buf, off, len);
        }

        /** startContent - at the first content: the envelope is complete, smtpd's Received: header goes first. */
        private void startContent() throws IOException {
            if (content) {
                return;
            }
            if (!senderGiven) {
                throw new IllegalStateException("content before sender");
            }
            content = true;
            file.beginContent();
            String only = file.recipientCount() == 1 ? firstRecipient : null;
            for (String line : Received.lines(origin, file.id(), only, myhostname, mailName, ZonedDateTime.now())) {
                byte[] b = Sendmail.bytes(line);
                file.line(b, 0, b.length);
            }
        }

        @Override
        public String commit() throws IOException {
            startContent();
            String id = file.commit();
            committed.run();
            return id;
        }

        @Override
        public void close() {
            file.close();
        }
    }
}
