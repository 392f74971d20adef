package tern.bounce;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import tern.cleanup.CleanupService;
import tern.cleanup.CleanupStream;
import tern.cleanup.MailParams;
import tern.cleanup.Origin;
import tern.config.Config;
import tern.log.Logger;
import tern.queue.Envelope;
import tern.queue.QueueFile;
import tern.queue.Recipient;

/**
 * Bounce - the bounce(8) service: makes RFC 3464 delivery status notifications and queues them
 * through cleanup with the null sender, as Postfix's bounce, defer and trace services do.
 *
 * Who hears what:
 * <ul>
 * <li>failed recipients (bounced, or expired): the sender, for the recipients whose DSN NOTIFY
 *     includes FAILURE or was not given; the original is returned whole (message/rfc822) unless
 *     RET=HDRS was asked for or it is larger than bounce_size_limit, then only its headers. With
 *     "bounce" in notify_classes, bounce_notice_recipient gets a copy with the headers.</li>
 * <li>A message with the null sender that fails (a bounce that bounces) is a double bounce: it
 *     goes whole to 2bounce_notice_recipient when notify_classes has "2bounce" (or "bounce"), and
 *     nowhere otherwise. Mail from the double-bounce sender (postmaster notices) that fails is
 *     dropped, which ends any loop.</li>
 * <li>delayed recipients (delay_warning_time): the sender, for NOTIFY=DELAY or no NOTIFY; with
 *     "delay" in notify_classes also delay_notice_recipient. Headers only. The null sender never
 *     gets one.</li>
 * <li>delivered recipients with NOTIFY=SUCCESS: the sender. Headers only.</li>
 * </ul>
 * Postmaster notices come from double_bounce_sender@myorigin, so that their own failure ends here.
 * Each notice queued is logged as Postfix does: "ID: sender non-delivery notification: NEWID".
 *
 * Failure: a notice that cannot be queued (disk full, cleanup refuses) throws IOException; the
 * queue manager then keeps the recipients and tries again later, so a notice is never lost
 * silently (it may, after a crash, be sent twice).
 */
public final class Bounce {
    static final DateTimeFormatter RFC822 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z (zzz)", Locale.ROOT);
    private static final DateTimeFormatter MESSAGE_ID_STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT);

    private final BounceSettings settings;
    private final CleanupService cleanup;
    private final Logger log;
    private final int uid;

    public Bounce(BounceSettings settings, CleanupService cleanup, Logger log) {
        this.settings = settings;
        this.cleanup = cleanup;
        this.log = log;
        this.uid = ownUid();
    }

    /** of - the bounce service of a configuration snapshot, queueing through cleanup, logging to log ("postfix/bounce"). */
    public static Bounce of(Config config, CleanupService cleanup, Logger log) {
        return new Bounce(BounceSettings.of(config), cleanup, log);
    }

    public BounceSettings settings() {
        return settings;
    }

    /** Where a notice goes: the sender gets the text, the postmaster only the facts. */
    private enum Audience { SENDER, POSTMASTER }

    /** failed - notices for recipients that will not be delivered (bounced or expired). */
    public void failed(QueueFile message, List<Report> reports) throws IOException {
        if (reports.isEmpty()) {
            return;
        }
        Envelope e = message.envelope();
        String sender = e.sender();
        if (sender.isEmpty()) {
            if (settings.notifies("2bounce")) {
                String id = send(message, Notice.FAILURE, reports, Audience.POSTMASTER,
                        settings.twoBounceNoticeRecipient(), !tooBig(e), 0);
                log.info(e.id() + ": postmaster non-delivery notification: " + id);
            }
            return;
        }
        if (isDoubleBounceSender(sender)) {
            return;
        }
        List<Report> wanted = wanting(reports, CleanupStream.NOTIFY_FAILURE);
        if (!wanted.isEmpty()) {
            boolean full = !"HDRS".equalsIgnoreCase(e.attribute("ret")) && !tooBig(e);
            String id = send(message, Notice.FAILURE, wanted, Audience.SENDER, sender, full, 0);
            log.info(e.id() + ": sender non-delivery notification: " + id);
        }
        if (settings.notifies("bounce")) {
            String id = send(message, Notice.FAILURE, reports, Audience.POSTMASTER, settings.bounceNoticeRecipient(),
                    false, 0);
            log.info(e.id() + ": postmaster non-delivery notification: " + id);
        }
    }

    /** delayed - warnings for recipients still not delivered; retryUntil is when the message expires. */
    public void delayed(QueueFile message, List<Report> reports, long retryUntilMillis) throws IOException {
        Envelope e = message.envelope();
        if (reports.isEmpty() || e.sender().isEmpty() || isDoubleBounceSender(e.sender())) {
            return;
        }
        List<Report> wanted = wanting(reports, CleanupStream.NOTIFY_DELAY);
        if (!wanted.isEmpty()) {
            String id = send(message, Notice.DELAY, wanted, Audience.SENDER, e.sender(), false, retryUntilMillis);
            log.info(e.id() + ": sender delay notification: " + id);
        }
        if (settings.notifies("delay")) {
            String id = send(message, Notice.DELAY, reports, Audience.POSTMASTER, settings.delayNoticeRecipient(), false,
                    retryUntilMillis);
            log.info(e.id() + ": postmaster delay notification: " + id);
        }
    }

    /**
     * trouble - tell the postmaster (error_notice_recipient) of recipients deferred by a problem
     * of the mail system itself, when notify_classes asks for that class: "software" (a delivery
     * agent failed or is missing) or "resource" (a resource ran out, 4.3.1). A delay-style notice
     * with the headers; the sender hears nothing of it.
     */
    public void trouble(QueueFile message, List<Report> reports, String cls) throws IOException {
        if (reports.isEmpty() || !settings.notifies(cls)) {
            return;
        }
        Envelope e = message.envelope();
        String id = send(message, Notice.DELAY, reports, Audience.POSTMASTER, settings.errorNoticeRecipient(), false, 0);
        log.info(e.id() + ": postmaster delay notification: " + id);
    }

    /** delivered - success notices for the recipients that asked for them (NOTIFY=SUCCESS). */
    public void delivered(QueueFile message, List<Report> reports) throws IOException {
        Envelope e = message.envelope();
        if (reports.isEmpty() || e.sender().isEmpty() || isDoubleBounceSender(e.sender())) {
            return;
        }
        List<Report> wanted = new ArrayList<>();
        for (Report r : reports) {
            if ((r.recipient().notifyBits() & CleanupStream.NOTIFY_SUCCESS) != 0) {
                wanted.add(r);
            }
        }
        if (!wanted.isEmpty()) {
            String id = send(message, Notice.SUCCESS, wanted, Audience.SENDER, e.sender(), false, 0);
            log.info(e.id() + ": sender delivery status notification: " + id);
        }
    }

    /** wanting - the reports whose NOTIFY asks for this kind (no NOTIFY means failure and delay). */
    private static List<Report> wanting(List<Report> reports, int bit) {
        List<Report> out = new ArrayList<>();
        for (Report r : reports) {
            int n = r.recipient().notifyBits();
            if (n == 0 ? bit != CleanupStream.NOTIFY_SUCCESS : (n & CleanupStream.NOTIFY_NEVER) == 0 && (n & bit) != 0) {
                out.add(r);
            }
        }
        return out;
    }

    private boolean tooBig(Envelope e) {
        return settings.bounceSizeLimit() > 0 && e.contentLength() > settings.bounceSizeLimit();
    }

    /** isDoubleBounceSender - whether the sender is our own postmaster-notice sender. */
    boolean isDoubleBounceSender(String sender) {
        int at = sender.lastIndexOf('@');
        String local = at < 0 ? sender : sender.substring(0, at);
        if (!local.equalsIgnoreCase(settings.doubleBounceSender())) {
            return false;
        }
        String domain = at < 0 ? "" : sender.substring(at + 1);
        return domain.isEmpty() || domain.equalsIgnoreCase(settings.myorigin())
                || domain.equalsIgnoreCase(settings.myhostname());
    }

    /** send - compose one notice and queue it; returns its queue id. */
    private String send(QueueFile message, Notice kind, List<Report> reports, Audience audience, String to,
                        boolean full, long retryUntil) throws IOException {
        Envelope e = message.envelope();
        try (CleanupStream m = cleanup.begin(Origin.local("bounce", uid))) {
            m.sender(audience == Audience.SENDER ? "" : settings.doubleBounceAddress(), MailParams.NONE);
            m.recipient(to, null, 0);
            ZonedDateTime now = ZonedDateTime.now();
            String boundary = e.id() + "." + now.toEpochSecond() + "/" + settings.myhostname();
            Lines out = new Lines(m);
            out.add("Date: " + now.format(RFC822));
            out.add("From: Mail Delivery System <MAILER-DAEMON@" + settings.myhostname() + ">");
            out.add("Subject: " + (audience == Audience.SENDER ? kind.subject : kind.postmasterSubject));
            out.add("To: " + (to.indexOf('@') < 0 ? to + "@" + settings.myorigin() : to));
            out.add("Auto-Submitted: " + (audience == Audience.SENDER ? "auto-replied" : "auto-generated"));
            out.add("MIME-Version: 1.0");
            out.add("Content-Type: multipart/report; report-type=delivery-status;");
            out.add("\tboundary=\"" + boundary + "\"");
            out.add("Content-Transfer-Encoding: 8bit");
            out.add("Message-Id: <" + now.format(MESSAGE_ID_STAMP) + "." + m.queueId() + "@" + settings.myhostname() + ">");
            out.add("");
            out.add("This is a MIME-encapsulated message.");
            out.add("");
            humanPart(out, boundary, kind, reports, audience);
            statusPart(out, boundary, kind, e, reports, retryUntil);
            originalPart(out, boundary, kind, message, full);
            out.add("--" + boundary + "--");
            return m.commit();
        }
    }

    private void humanPart(Lines out, String boundary, Notice kind, List<Report> reports, Audience audience)
            throws IOException {
        out.add("--" + boundary);
        out.add("Content-Description: Notification");
        out.add("Content-Type: text/plain; charset=utf-8");
        out.add("Content-Transfer-Encoding: 8bit");
        out.add("");
        if (audience == Audience.SENDER) {
            String text = kind.text.replace("$myhostname", settings.myhostname())
                    .replace("$delay", duration(settings.delayWarningSeconds()))
                    .replace("$lifetime", duration(settings.maximalLifetimeSeconds()));
            for (String line : text.split("\n", -1)) {
                out.add(line);
            }
        } else {
            out.add(""); // postmaster copies carry the facts only, as Postfix's do
        }
        for (Report r : reports) {
            Recipient rc = r.recipient();
            StringBuilder b = new StringBuilder();
            b.append('<').append(rc.address()).append('>');
            if (!rc.original().isEmpty() && !rc.original().equalsIgnoreCase(rc.address())) {
                b.append(" (expanded from <").append(rc.original()).append(">)");
            }
            b.append(": ").append(r.text());
            for (String line : Fold.fold(b.toString())) {
                out.add(line);
            }
            out.add("");
        }
    }

    private void statusPart(Lines out, String boundary, Notice kind, Envelope e, List<Report> reports, long retryUntil)
            throws IOException {
        out.add("--" + boundary);
        out.add("Content-Description: Delivery report");
        out.add("Content-Type: message/delivery-status");
        out.add("");
        out.add("Reporting-MTA: dns; " + settings.myhostname());
        if (!e.attribute("envid").isEmpty()) {
            out.add("Original-Envelope-Id: " + e.attribute("envid"));
        }
        out.add("X-Postfix-Queue-ID: " + e.id());
        out.add("X-Postfix-Sender: rfc822; " + shownSender(e));
        out.add("Arrival-Date: " + date(e.arrivalMillis()));
        out.add("");
        for (Report r : reports) {
            Recipient rc = r.recipient();
            out.add("Final-Recipient: rfc822; " + rc.address());
            if (!rc.orcpt().isEmpty()) {
                out.add("Original-Recipient: " + rc.orcpt());
            } else if (!rc.original().isEmpty()) {
                out.add("Original-Recipient: rfc822;" + rc.original());
            }
            String remote = remoteMta(r.relay());
            String action = kind.action;
            if (kind == Notice.SUCCESS && remote != null) {
                action = "relayed"; // handed to another system, which may or may not send notices
            }
            out.add("Action: " + action);
            out.add("Status: " + r.dsn());
            if (remote != null) {
                out.add("Remote-MTA: dns; " + remote);
            }
            for (String line : Fold.fold("Diagnostic-Code: " + diagnostic(r.text()))) {
                out.add(line);
            }
            if (kind == Notice.DELAY && retryUntil > 0) {
                out.add("Will-Retry-Until: " + date(retryUntil));
            }
            out.add("");
        }
    }

    private void originalPart(Lines out, String boundary, Notice kind, QueueFile message, boolean full)
            throws IOException {
        Envelope e = message.envelope();
        out.add("--" + boundary);
        out.add("Content-Description: " + kind.attachment + (full ? "" : " Headers"));
        out.add("Content-Type: " + (full ? "message/rfc822" : "text/rfc822-headers"));
        out.add("Content-Transfer-Encoding: 8bit");
        out.add("");
        out.add("Return-Path: <" + shownSender(e) + ">");
        try (var ch = message.openContent();
             var in = full ? tern.queue.ContentStream.of(ch, e) : tern.queue.ContentStream.headers(ch, e)) {
            out.copyLines(in);
        }
        if (!out.lastWasEmpty()) {
            out.add("");
        }
    }

    /** shownSender - the sender as notices show it: the null sender is MAILER-DAEMON@$myhostname, as in Postfix. */
    private String shownSender(Envelope e) {
        return e.sender().isEmpty() ? "MAILER-DAEMON@" + settings.myhostname() : e.sender();
    }

    /** remoteMta - the host name of a relay such as "mx.example.com[192.0.2.1]:25", or null for none/local/... */
    static String remoteMta(String relay) {
        if (relay == null) {
            return null;
        }
        int b = relay.indexOf('[');
        return b > 0 ? relay.substring(0, b) : null;
    }

    /**
     * diagnostic - the Diagnostic-Code value: a remote server's reply as "smtp; 550 ..." when the
     * text is the SMTP client's "host X said: REPLY (in reply to ... command)", else "X-Postfix; text".
     */
    static String diagnostic(String text) {
        String t = text == null ? "" : text;
        int said = t.startsWith("host ") ? t.indexOf(" said: ") : -1;
        if (said > 0) {
            String reply = t.substring(said + 7);
            int in = reply.lastIndexOf(" (in reply to ");
            if (in > 0 && reply.endsWith(")")) {
                reply = reply.substring(0, in);
            }
            return "smtp; " + reply;
        }
        return "X-Postfix; " + t;
    }

    private static String date(long millis) {
        return ZonedDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneId.systemDefault()).format(RFC822);
    }

    /** duration - a time value in words: "4 hours", "5 days", "20 seconds", "1 hour". */
    static String duration(long seconds) {
        long[] sizes = {604800, 86400, 3600, 60, 1};
        String[] names = {"week", "day", "hour", "minute", "second"};
        for (int i = 0; i < sizes.length; i++) {
            if (seconds >= sizes[i] && seconds % sizes[i] == 0) {
                long n = seconds / sizes[i];
                return n + " " + names[i] + (n == 1 ? "" : "s");
            }
        }
        return seconds + " seconds";
    }

    /** ownUid - the daemon's user id, for the Received: header cleanup writes ("from userid N"). */
    private static int ownUid() {
        try {
            Object v = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return v instanceof Integer i ? i : 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }

    /** Lines - content lines into a CleanupStream, remembering whether the last one was empty. */
    private static final class Lines {
        private final CleanupStream m;
        private boolean lastEmpty;
        private byte[] buf = new byte[1024];

        Lines(CleanupStream m) {
            this.m = m;
        }

        void add(String line) throws IOException {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            m.contentLine(b, 0, b.length);
            lastEmpty = b.length == 0;
        }

        boolean lastWasEmpty() {
            return lastEmpty;
        }

        /** copyLines - the lines of a plain-text stream (LF line ends) as content lines. */
        void copyLines(java.io.InputStream in) throws IOException {
            int used = 0;
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk, 0, chunk.length)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte c = chunk[i];
                    if (c == '\n') {
                        m.contentLine(buf, 0, used);
                        lastEmpty = used == 0;
                        used = 0;
                        continue;
                    }
                    if (used == buf.length) {
                        buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                    }
                    buf[used++] = c;
                }
            }
            if (used > 0) {
                m.contentLine(buf, 0, used);
                lastEmpty = false;
            }
        }
    }
}
