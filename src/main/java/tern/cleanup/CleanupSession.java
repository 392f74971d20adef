package tern.cleanup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

import tern.log.Logger;
import tern.queue.DirSync;
import tern.queue.Envelope;
import tern.queue.QueueFileWriter;

/**
 * CleanupSession - one message on its way through cleanup into the queue (see {@link CleanupService}
 * for the order of calls).
 *
 * Headers are handled one logical header at a time as they arrive (the physical lines of the
 * current header are held until the next one starts, at most header_size_limit bytes; the excess
 * of a longer header is discarded, as Postfix does), so memory does not grow with the message.
 * The header section ends at the first empty line or the first line that is not a header; in the
 * latter case an empty line is put in so that the added headers stay headers. Body lines are
 * copied straight into the queue file.
 *
 * A line longer than smtpd's line_length_limit comes in pieces ({@link #contentPart}); they are
 * joined again: into the header being collected (so a long header stays one header, within
 * header_size_limit) or, in the body, written through as they come, without a line end between
 * them. Either way the queue file holds the line as the client sent it.
 */
final class CleanupSession implements CleanupStream {
    static final DateTimeFormatter RFC822 = Received.RFC822;

    private final Cleanup.Settings settings;
    private final QueueFileWriter w;
    private final Origin origin;
    private final AddressMapping mapping;
    private final Logger log;
    private final boolean addMissing;
    private final HeaderRewriter rewriter;
    private final Consumer<Envelope> queued;
    private final DirSync sync;

    private final Set<String> seenRecipients = new HashSet<>();
    private String firstRecipient;
    private boolean senderGiven;
    private String sender = "";
    private boolean content;
    private boolean inHeaders = true;
    private long size;
    private int hops;

    // where the next piece of a line goes: the line is complete (WHOLE), or it came in pieces
    // (contentPart) and belongs to the header being collected or to the body
    private static final int WHOLE = 0;
    private static final int TO_HEADER = 1;
    private static final int TO_BODY = 2;
    private int piecesGoTo = WHOLE;

    // the header being collected: its physical lines separated by '\n' (content lines never hold one)
    private byte[] header = new byte[256];
    private int headerUsed;
    private boolean headerTruncated;

    private boolean sawMessageId;
    private boolean sawDate;
    private boolean sawFrom;
    private boolean sawResentFrom;
    private boolean sawResentMessageId;
    private boolean sawResentDate;
    private String messageId;
    private String fullName;
    private long arrivalMillis;

    CleanupSession(Cleanup.Settings settings, QueueFileWriter w, Origin origin, AddressMapping mapping, Logger log,
                   boolean addMissing, HeaderRewriter rewriter, Consumer<Envelope> queued, DirSync sync)
            throws IOException {
        this.settings = settings;
        this.w = w;
        this.origin = origin;
        this.mapping = mapping;
        this.log = log;
        this.addMissing = addMissing;
        this.rewriter = rewriter;
        this.queued = queued;
        this.sync = sync;
    }

    @Override
    public String queueId() {
        return w.id();
    }

    @Override
    public void sender(String address, MailParams params) throws IOException {
        if (senderGiven) {
            throw new IllegalStateException("sender given twice");
        }
        senderGiven = true;
        writeOrigin();
        if (params.envid() != null) {
            w.attribute("envid", params.envid());
        }
        if (params.ret() != null) {
            w.attribute("ret", params.ret());
        }
        if (params.body() != null) {
            w.attribute("body", params.body());
        }
        if (params.smtputf8()) {
            w.attribute("smtputf8", "yes");
        }
        sender = mapping.sender(address);
        w.sender(sender);
    }

    /**
     * writeOrigin - the arrival time first (a requeued message keeps its own, and notes when this
     * file was made), then where the message came from. Local submissions and the mail system's own
     * messages have no client, HELO or port, so none is recorded, as in Postfix.
     */
    private void writeOrigin() throws IOException {
        long now = System.currentTimeMillis();
        if (arrivalMillis > 0 && arrivalMillis <= now) {
            w.arrival(arrivalMillis);
            w.attribute("create_time", Long.toString(now));
        } else {
            w.arrival(now);
        }
        if (!origin.isLocal() && !origin.isInternal()) {
            w.attribute("client_name", origin.clientName());
            w.attribute("client_address", origin.clientAddress());
            w.attribute("client_port", Integer.toString(origin.clientPort()));
            w.attribute("helo_name", origin.helo());
        }
        w.attribute("protocol_name", origin.protocol());
        w.attribute("service_name", origin.service());
        if (origin.saslUser() != null) {
            w.attribute("sasl_username", origin.saslUser());
        }
        if (origin.isLocal()) {
            w.attribute("uid", Integer.toString(origin.uid()));
        }
        if (fullName != null) {
            w.attribute("full_name", fullName);
        }
    }

    @Override
    public void fullName(String name) {
        if (senderGiven) {
            throw new IllegalStateException("full name after sender");
        }
        if (name != null && !name.isEmpty()) {
            fullName = name;
        }
    }

    @Override
    public void arrival(long millis) {
        if (senderGiven) {
            throw new IllegalStateException("arrival time after sender");
        }
        arrivalMillis = millis;
    }

    @Override
    public void recipient(String address, String orcpt, int notify) throws IOException {
        recipient(address, null, orcpt, notify);
    }

    @Override
    public void recipient(String address, String originalRecipient, String orcpt, int notify) throws IOException {
        if (!senderGiven) {
            throw new IllegalStateException("recipient before sender");
        }
        List<String> targets = mapping.recipients(address);
        String original = !settings.enableOriginalRecipient() ? ""
                : originalRecipient != null ? originalRecipient : address;
        for (String t : targets) {
            // Postfix keeps one copy per (recipient, original recipient), within a bounded memory
            String key = t.toLowerCase(Locale.ROOT) + "\t" + original;
            if (seenRecipients.size() < settings.duplicateFilterLimit() || settings.duplicateFilterLimit() == 0) {
                if (!seenRecipients.add(key)) {
                    continue;
                }
            }
            if (firstRecipient == null) {
                firstRecipient = t;
            }
            w.recipient(t, original, orcpt == null ? "" : orcpt, notify);
        }
    }

    @Override
    public void contentLine(byte[] buf, int off, int len) throws IOException {
        content(buf, off, len, true);
    }

    /**
     * contentPart - a piece of a long line (see {@link CleanupStream#contentPart}): the pieces are
     * joined again, into the header being collected or straight into the body, so that the line is
     * stored as it was sent.
     */
    @Override
    public void contentPart(byte[] buf, int off, int len) throws IOException {
        if (len > 0) {
            content(buf, off, len, false);
        }
    }

    /** content - a whole line (lineEnds) or a piece of one; the first piece decides what the line is. */
    private void content(byte[] buf, int off, int len, boolean lineEnds) throws IOException {
        if (!content) {
            startContent();
        }
        size += lineEnds ? len + 2 : len;
        if (piecesGoTo == TO_HEADER) {
            appendToHeader(buf, off, len, false);
            piecesGoTo = lineEnds ? WHOLE : TO_HEADER;
            return;
        }
        if (piecesGoTo == TO_BODY || !inHeaders) {
            body(buf, off, len, lineEnds);
            return;
        }
        if (len > 0 && (buf[off] == ' ' || buf[off] == '\t') && headerUsed > 0) {
            appendToHeader(buf, off, len, true);
            piecesGoTo = lineEnds ? WHOLE : TO_HEADER;
            return;
        }
        flushHeader();
        if (len == 0) {
            endHeaders(true);
            return;
        }
        if (headerNameLength(buf, off, len) > 0) {
            appendToHeader(buf, off, len, false);
            piecesGoTo = lineEnds ? WHOLE : TO_HEADER;
            return;
        }
        // not a header: the header section ends here and this line begins the body
        endHeaders(false);
        w.contentLine(new byte[0], 0, 0);
        w.endHeaders();
        body(buf, off, len, lineEnds);
    }

    private void body(byte[] buf, int off, int len, boolean lineEnds) throws IOException {
        if (lineEnds) {
            w.contentLine(buf, off, len);
            piecesGoTo = WHOLE;
        } else {
            w.contentPart(buf, off, len);
            piecesGoTo = TO_BODY;
        }
    }

    private void startContent() throws IOException {
        if (!senderGiven) {
            throw new IllegalStateException("content before sender");
        }
        if (w.recipientCount() == 0) {
            throw new CleanupRejectedException("554 5.5.1 Error: no valid recipients");
        }
        content = true;
        w.beginContent();
        writeReceived();
    }

    /** writeReceived - our Received: header, worded and folded as Postfix's. */
    private void writeReceived() throws IOException {
        String only = w.recipientCount() == 1 ? firstRecipient : null;
        for (String line : Received.lines(origin, w.id(), only, settings.myhostname(), settings.mailName(),
                ZonedDateTime.now())) {
            w.contentLine(line);
        }
    }

    private void appendToHeader(byte[] buf, int off, int len, boolean continuation) {
        if (headerTruncated) {
            return;
        }
        int need = headerUsed + (continuation ? 1 : 0) + len;
        if (need > settings.headerSizeLimit()) {
            headerTruncated = true; // the excess of an over-long header is discarded
            return;
        }
        if (need > header.length) {
            header = java.util.Arrays.copyOf(header, Math.max(need, header.length * 2));
        }
        if (continuation) {
            header[headerUsed++] = '\n';
        }
        System.arraycopy(buf, off, header, headerUsed, len);
        headerUsed += len;
    }

    /** flushHeader - inspect the collected header, then write it unless message_drop_headers names it. */
    private void flushHeader() throws IOException {
        if (headerUsed == 0) {
            return;
        }
        int nameLen = headerNameLength(header, 0, headerUsed);
        String name = new String(header, 0, nameLen - 1, StandardCharsets.ISO_8859_1).strip().toLowerCase(Locale.ROOT);
        boolean drop = settings.dropHeaders().contains(name);
        switch (name) {
            case "received", "delivered-to" -> hops++;
            case "message-id" -> {
                sawMessageId = true;
                messageId = headerValue(nameLen);
                log.info(w.id() + ": message-id=" + messageId);
            }
            case "date" -> sawDate = true;
            case "from" -> sawFrom = true;
            case "resent-from" -> sawResentFrom = true;
            case "resent-message-id" -> sawResentMessageId = true;
            case "resent-date" -> sawResentDate = true;
            default -> {
            }
        }
        if (!drop) {
            byte[] out = header;
            int used = headerUsed;
            // a header cut at header_size_limit is not parsed: its last address may be cut too
            int kind = rewriter == null || headerTruncated ? HeaderRewriter.NONE : HeaderRewriter.kind(name);
            if (kind != HeaderRewriter.NONE) {
                byte[] rewritten = rewriter.rewrite(header, nameLen, headerUsed, kind == HeaderRewriter.SENDER);
                if (rewritten != null) {
                    out = rewritten;
                    used = rewritten.length;
                }
            }
            int start = 0;
            for (int i = 0; i <= used; i++) {
                if (i == used || out[i] == '\n') {
                    w.contentLine(out, start, i - start);
                    start = i + 1;
                }
            }
        }
        headerUsed = 0;
        headerTruncated = false;
    }

    private String headerValue(int nameLen) {
        String v = new String(header, nameLen, headerUsed - nameLen, StandardCharsets.UTF_8);
        return v.replace('\n', ' ').strip();
    }

    /** endHeaders - add what is missing; write the empty line when the message had one. */
    private void endHeaders(boolean emptyLineFollows) throws IOException {
        inHeaders = false;
        if (addMissing) {
            boolean resent = sawResentFrom || sawResentDate || sawResentMessageId;
            if (resent ? !sawResentMessageId : !sawMessageId) {
                String id = "<" + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT))
                        + "." + w.id() + "@" + settings.myhostname() + ">";
                w.contentLine((resent ? "Resent-Message-Id: " : "Message-Id: ") + id);
                messageId = id;
                log.info(w.id() + ": " + (resent ? "resent-message-id=" : "message-id=") + id);
            }
            if (resent ? !sawResentDate : !sawDate) {
                w.contentLine((resent ? "Resent-Date: " : "Date: ") + ZonedDateTime.now().format(RFC822));
            }
            if (resent ? !sawResentFrom : !sawFrom) {
                w.contentLine((resent ? "Resent-From: " : "From: ") + fromValue());
            }
        } else if (!sawMessageId) {
            log.info(w.id() + ": message-id=" + (messageId == null ? "<>" : messageId));
        }
        if (emptyLineFollows) {
            w.contentLine(new byte[0], 0, 0);
            w.endHeaders();
        }
    }

    /** fromValue - "Full Name <sender>" when a full name is known (quoted when it holds specials), as Postfix writes it. */
    private String fromValue() {
        if (sender.isEmpty()) {
            return "MAILER-DAEMON";
        }
        if (fullName == null) {
            return sender;
        }
        return quotePhrase(fullName) + " <" + sender + ">";
    }

    /** quotePhrase - a display name as is, or in double quotes (with \ and " escaped) when it holds RFC 5322 specials. */
    static String quotePhrase(String name) {
        boolean special = false;
        for (int i = 0; i < name.length() && !special; i++) {
            char c = name.charAt(i);
            special = "()<>[]:;@\\,.\"".indexOf(c) >= 0 || c < 32;
        }
        if (!special) {
            return name;
        }
        StringBuilder b = new StringBuilder(name.length() + 2).append('"');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c < 32 ? ' ' : c);
        }
        return b.append('"').toString();
    }

    @Override
    public String commit() throws IOException {
        if (!content) {
            startContent();
        }
        if (inHeaders) {
            flushHeader();
            endHeaders(false);
            w.endHeaders();
        }
        if (settings.messageSizeLimit() > 0 && size > settings.messageSizeLimit()) {
            throw new CleanupRejectedException("552 5.3.4 Error: message file too big");
        }
        if (hops > settings.hopcountLimit()) {
            throw new CleanupRejectedException("554 5.4.0 Error: too many hops");
        }
        Envelope e = w.commit(sync);
        queued.accept(e);
        return e.id();
    }

    @Override
    public void close() {
        w.close();
    }

    /**
     * headerNameLength - the length of "Name:" (through the colon) when the line starts a header,
     * else 0. A header name is printable ASCII other than colon, optionally followed by white space
     * before the colon, as Postfix accepts.
     */
    static int headerNameLength(byte[] b, int off, int len) {
        int i = 0;
        while (i < len) {
            int c = b[off + i] & 0xff;
            if (c == ':' || c <= 32 || c >= 127) {
                break;
            }
            i++;
        }
        if (i == 0) {
            return 0;
        }
        int j = i;
        while (j < len && (b[off + j] == ' ' || b[off + j] == '\t')) {
            j++;
        }
        return j < len && b[off + j] == ':' ? j + 1 : 0;
    }
}
