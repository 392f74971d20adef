package tern.smtpd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import tern.cleanup.CleanupRejectedException;
import tern.cleanup.CleanupStream;
import tern.cleanup.MailParams;
import tern.cleanup.Origin;
import tern.log.Logger;

/**
 * SmtpSession - one SMTP conversation, from "connect from" to "disconnect from", on the calling
 * (virtual) thread: the command loop, one method per command, and the transaction state. Replies
 * and log lines are Postfix 3.7's, word for word.
 *
 * The loop reads a command line (replies so far go out before it waits: see {@link SmtpInput}),
 * counts it for the statistics of the last log line, and answers it. The session ends after QUIT,
 * a 421 reply, smtpd_hard_error_limit errors, smtpd_timeout, a lost connection, a non-SMTP command
 * or a malformed BDAT (the input cannot be followed any more). Whatever ends it, a message that was
 * not committed is closed without commit, so cleanup removes its queue file.
 *
 * Errors of the network are the session's end, never an exception for the caller; a failing
 * cleanup is a temporary reply to the client.
 *
 * A stand-alone session (sendmail -bs, see {@link SmtpServer#standAlone}) runs the same loop over
 * the caller's streams with the client "localhost[127.0.0.1]" and without the network's checks.
 */
final class SmtpSession {
    private static final int NONE = 0;
    private static final int IN_PROGRESS = 1;
    private static final int DISCARDING = 2;

    private final SmtpServer server;
    private final Settings st;
    private final Logger log;
    private final Socket socket;          // null for a stand-alone session (sendmail -bs)
    private final java.io.InputStream standAloneIn;
    private final java.io.OutputStream standAloneOut;
    private final boolean standAlone;
    private final Checks checks;          // null for a stand-alone session: no restrictions apply
    private int clientPort;
    private SmtpInput in;
    private SmtpOutput out;
    private CheckState cs;

    private final int[] ok = new int[Cmd.values().length];
    private final int[] total = new int[Cmd.values().length];
    private String where = "CONNECT";
    private int errorCount;
    private int junkCount;
    private boolean pipeliningOffered;
    private boolean readingData;
    private int bareNewline;
    private boolean pipeliningLogged;
    private String accessDenied;
    private boolean ended;
    private boolean clientEnded;
    private boolean closeAfterReply;

    // the mail transaction
    private boolean inMail;
    private MailParams params = MailParams.NONE;
    private long declaredSize = -1;
    private CleanupStream stream;
    private String lastRecipient;
    private int overshoot;
    private int bdatState = NONE;
    private MessageSink sink;
    private long bdatTotal;
    private boolean bdatEndsInLf;
    private boolean bdatBareLf;

    /** SmtpSession - over a socket, or (socket null) over the streams of a stand-alone server. */
    SmtpSession(SmtpServer server, Socket socket, java.io.InputStream in, java.io.OutputStream out) {
        this.server = server;
        this.st = server.settings();
        this.log = server.log();
        this.socket = socket;
        this.standAloneIn = in;
        this.standAloneOut = out;
        this.standAlone = socket == null;
        this.checks = server.checks();
    }

    /** run - the whole session; closes the socket (a stand-alone session leaves its streams open). */
    void run() {
        String counted = null;
        try {
            if (standAlone) {
                // Postfix's smtpd on standard input: the client is this machine, by name and address
                InetAddress local = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
                cs = new CheckState("localhost", "127.0.0.1", local, "localhost[127.0.0.1]");
                out = new SmtpOutput(standAloneOut, st.timeoutMillis() * 1_000_000L);
                in = new SmtpInput(standAloneIn, out::flush);
                log.info("connect from " + cs.namaddr);
                bareNewline = Settings.BARE_LF_ALLOWED;
                greet();
                while (!ended) {
                    command();
                }
                return;
            }
            InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
            InetAddress addr = peer.getAddress();
            String addrText = addressText(addr);
            String name = st.peernameLookup() ? server.clientNames().nameOf(addr) : ClientNames.UNKNOWN;
            String namaddr = name + "[" + addrText + "]" + (st.clientPortLogging() ? ":" + peer.getPort() : "");
            clientPort = peer.getPort();
            cs = new CheckState(name, addrText, addr, namaddr);
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, st.timeoutMillis()));
            socket.setTcpNoDelay(true);
            out = new SmtpOutput(socket.getOutputStream(), st.timeoutMillis() * 1_000_000L);
            in = new SmtpInput(socket.getInputStream(), out::flush);
            server.deadlines().register(out, socket);
            log.info("connect from " + namaddr);
            bareNewline = server.bareNewline(name, addrText);
            if (st.connectionCountLimit() > 0 && !server.exemptFromLimits(name, addrText)) {
                counted = addrText;
                int n = server.connections().connect(addrText);
                if (n > st.connectionCountLimit()) {
                    log.warning("Connection concurrency limit exceeded: " + n + " from " + namaddr + " for service "
                            + st.serviceName());
                    reply("421 4.7.0 " + st.myhostname() + " Error: too many connections from " + addrText);
                    return;
                }
            }
            greet();
            while (!ended) {
                command();
            }
        } catch (SocketTimeoutException e) {
            log.info("timeout after " + whereWithBytes() + " from " + cs.namaddr);
        } catch (IOException e) {
            // the connection broke while writing: nothing more can be said to this client
        } finally {
            finish(counted);
        }
    }

    private void greet() throws IOException {
        String denied = checks == null ? null : checks.connect(cs);
        if (!standAlone && in.pending()) {
            pipeliningLogged = true;
            logImproperPipelining();
            if (st.forbidUnauthPipelining()) {
                reply("554 5.5.0 Error: SMTP protocol synchronization");
                ended = true;
                return;
            }
        }
        if (denied != null) {
            accessDenied = denied;
            logReject(denied, false);
            reply(denied);
            if (denied.startsWith("421")) {
                ended = true;
            }
            return;
        }
        reply("220 " + st.banner());
    }

    private void finish(String counted) {
        try {
            if (out != null && (standAlone || !socket.isClosed())) {
                out.flush();
            }
        } catch (IOException e) {
            // gone
        }
        abortMessage();
        if (cs != null) {
            log.info(statistics());
        }
        if (standAlone) {
            return; // the streams belong to the caller
        }
        if (out != null) {
            server.deadlines().unregister(out);
        }
        if (counted != null) {
            server.connections().disconnect(counted);
        }
        closeGracefully();
    }

    /**
     * closeGracefully - close the socket so that the client still gets our last reply. Closing a TCP
     * socket with unread input makes the kernel send a reset, which can destroy the client's copy of
     * that reply (a 421, say). So when we hang up on a client that may still be talking (anything but
     * QUIT or its own close), or that has sent more than we read, say goodbye with FIN first and read
     * what it still sends, for a moment, before closing.
     */
    private void closeGracefully() {
        try {
            if (in != null && !socket.isClosed() && (!clientEnded || in.pending())) {
                socket.shutdownOutput();
                in.drain(65536, 1000, socket);
            }
        } catch (IOException e) {
            // the client is gone already
        }
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all we can do
        }
    }

    /** command - read one command and answer it. */
    private void command() throws IOException {
        if (errorCount >= st.hardErrorLimit()) {
            log.info("too many errors after " + where + " from " + cs.namaddr);
            reply("421 4.7.0 " + st.myhostname() + " Error: too many errors");
            ended = true;
            return;
        }
        int r;
        try {
            r = in.readLine(st.lineLengthLimit());
        } catch (SocketTimeoutException e) {
            timeout();
            return;
        }
        if (r == SmtpInput.END) {
            lostConnection();
            return;
        }
        if (r == SmtpInput.LINE && in.bareLf && bareNewline == Settings.BARE_LF_REJECT) {
            logReject("bare <LF> received", false);
            reply(st.bareNewlineRejectCode() + " 5.5.2 " + st.myhostname() + " Error: bare <LF> received");
            ended = true;
            return;
        }
        String line = new String(in.buf(), in.off, in.len, StandardCharsets.UTF_8);
        byte[] raw = in.buf();
        int rawOff = in.off;
        int rawLen = in.len;
        if (r == SmtpInput.PART) {
            // skipLine reuses the buffer: keep the start of the line for a log line
            raw = java.util.Arrays.copyOfRange(raw, rawOff, rawOff + rawLen);
            rawOff = 0;
            log.warning(cs.namaddr + ": request longer than " + st.lineLengthLimit() + ": "
                    + Printable.printable(line.substring(0, Math.min(30, line.length()))) + "...");
            try {
                if (!in.skipLine()) {
                    lostConnection();
                    return;
                }
            } catch (SocketTimeoutException e) {
                timeout();
                return;
            }
        }
        int i = 0;
        int n = line.length();
        while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        int v = i;
        while (v < n && line.charAt(v) != ' ' && line.charAt(v) != '\t') {
            v++;
        }
        if (i == n) {
            error("500 5.5.2 Error: bad syntax");
            return;
        }
        String verb = line.substring(i, v);
        String args = line.substring(v);
        if (isNonSmtp(verb)) {
            log.warning("non-SMTP command from " + cs.namaddr + ": " + Printable.escape(raw, rawOff, rawLen));
            count(Cmd.UNKNOWN, false);
            reply("221 2.7.0 Error: I can break rules, too. Goodbye.");
            ended = true;
            return;
        }
        Cmd cmd = Cmd.of(verb);
        if (cmd == Cmd.UNKNOWN) {
            where = "UNKNOWN";
            count(cmd, false);
            error("500 5.5.2 Error: command not recognized");
            return;
        }
        where = cmd.name();
        if (!checkPipelining(cmd)) {
            count(cmd, false);
            return;
        }
        if (accessDenied != null && cmd != Cmd.QUIT) {
            count(cmd, false);
            error("503 5.7.0 Error: access denied for " + cs.namaddr);
            return;
        }
        if (cmd.junk && junkCount++ > st.junkCommandLimit()) {
            errorCount++;
        }
        boolean good;
        try {
            good = switch (cmd) {
                case HELO -> helo(args, false);
                case EHLO -> helo(args, true);
                case MAIL -> mail(args);
                case RCPT -> rcpt(args);
                case DATA -> data(args);
                case BDAT -> bdat(args, line);
                case RSET -> rset(args);
                case NOOP -> reply("250 2.0.0 Ok");
                case VRFY -> vrfy(args);
                case ETRN -> etrn(args);
                case QUIT -> quit();
                case AUTH -> fail("503 5.5.1 Error: authentication not enabled");
                case STARTTLS -> fail("502 5.5.1 Error: command not implemented");
                case XCLIENT, XFORWARD -> fail(inMail ? "503 5.5.1 Error: MAIL transaction in progress"
                        : "550 5.7.0 Error: insufficient authorization");
                case UNKNOWN -> false;
            };
        } catch (SocketTimeoutException e) {
            count(cmd, false);
            timeout();
            return;
        }
        count(cmd, good);
        if (!good) {
            errorCount++;
        }
        if (closeAfterReply) {
            ended = true;
        }
    }

    private boolean isNonSmtp(String verb) {
        char c = verb.charAt(0);
        if (st.forbidNonLetterCommands() && !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
            return true;
        }
        if (!st.forbiddenCommands().isEmpty() && st.forbiddenCommands().contains(verb.toUpperCase(java.util.Locale.ROOT))) {
            return true;
        }
        // "Label:" - a message header where a command should be
        if (verb.length() > 1 && verb.charAt(verb.length() - 1) == ':') {
            for (int k = 0; k < verb.length() - 1; k++) {
                char d = verb.charAt(k);
                if (d <= ' ' || d >= 127 || d == ':') {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * checkPipelining - RFC 2920: input may follow a command without waiting for its reply only if
     * the client was offered PIPELINING and the command may be followed. Postfix 3.7 logs the first
     * violation; with smtpd_forbid_unauth_pipelining it also hangs up.
     */
    private boolean checkPipelining(Cmd cmd) {
        if (standAlone) {
            return true; // a program feeding sendmail -bs may write ahead; Postfix does not mind
        }
        if ((pipeliningLogged && !st.forbidUnauthPipelining()) || cmd == Cmd.QUIT || cmd == Cmd.BDAT) {
            return true;
        }
        if ((cmd.last || !pipeliningOffered) && in.pending()) {
            if (!pipeliningLogged) {
                pipeliningLogged = true;
                logImproperPipelining();
            }
            if (st.forbidUnauthPipelining()) {
                reply("554 5.5.0 Error: SMTP protocol synchronization");
                ended = true;
                return false;
            }
        }
        return true;
    }

    private void logImproperPipelining() {
        byte[] pending = in.peek(100);
        log.info("improper command pipelining after " + where + " from " + cs.namaddr + ": "
                + Printable.escape(pending, 0, pending.length));
    }

    private void timeout() {
        log.info("timeout after " + whereWithBytes() + " from " + cs.namaddr);
        reply("421 4.4.2 " + st.myhostname() + " Error: timeout exceeded");
        ended = true;
    }

    private void lostConnection() {
        clientEnded = true;
        if (!where.equals("END-OF-MESSAGE")) {
            log.info("lost connection after " + whereWithBytes() + " from " + cs.namaddr);
        }
        ended = true;
    }

    private String whereWithBytes() {
        if (where.equals("DATA") && readingData) {
            return "DATA (" + in.consumed + " bytes)";
        }
        if (where.equals("BDAT") && bdatState == IN_PROGRESS) {
            return "BDAT (" + (bdatTotal + in.consumed) + " bytes)";
        }
        return where;
    }

    // ---------------------------------------------------------------- replies and bookkeeping

    /** reply - queue a reply (sent when the session next waits for input); true. */
    private boolean reply(String text) {
        if (errorCount > st.softErrorLimit() && st.errorSleepMillis() > 0) {
            try {
                out.flush();
                Thread.sleep(st.errorSleepMillis());
            } catch (IOException | InterruptedException e) {
                ended = true;
            }
        }
        out.reply(text);
        if (text.startsWith("421")) {
            closeAfterReply = true;
        }
        return true;
    }

    /** fail - reply, and count the command as failed. */
    private boolean fail(String text) {
        reply(text);
        return false;
    }

    /** error - a reply to input that is not a command at all (it counts as an error). */
    private void error(String text) {
        reply(text);
        errorCount++;
    }

    private void count(Cmd cmd, boolean good) {
        total[cmd.ordinal()]++;
        if (good) {
            ok[cmd.ordinal()]++;
        }
    }

    /** statistics - "disconnect from host[addr] ehlo=1 mail=1 ... commands=5" as Postfix 3.7 writes it. */
    private String statistics() {
        StringBuilder s = new StringBuilder("disconnect from ").append(cs.namaddr);
        int good = 0;
        int all = 0;
        for (Cmd c : Cmd.values()) {
            int t = total[c.ordinal()];
            if (t == 0) {
                continue;
            }
            int g = ok[c.ordinal()];
            good += g;
            all += t;
            s.append(' ').append(c.statName).append('=').append(g);
            if (g != t) {
                s.append('/').append(t);
            }
        }
        s.append(" commands=").append(good);
        if (good != all || all == 0) {
            s.append('/').append(all);
        }
        return s.toString();
    }

    private String queueId() {
        return stream == null ? "NOQUEUE" : stream.queueId();
    }

    /** logReject - "ID: reject: CMD from host[addr]: REPLY; from=<> to=<> proto=ESMTP helo=<>". */
    private void logReject(String replyText, boolean withRecipient) {
        StringBuilder s = new StringBuilder(queueId()).append(": reject: ").append(where).append(" from ")
                .append(cs.namaddr).append(": ").append(replyText).append(';');
        if (cs.sender != null) {
            s.append(" from=<").append(SmtpAddress.external(cs.sender)).append('>');
        }
        String to = withRecipient ? cs.recipient : lastRecipient;
        if (to != null) {
            s.append(" to=<").append(SmtpAddress.external(to)).append('>');
        }
        s.append(" proto=").append(cs.protocol);
        if (cs.helo != null) {
            s.append(" helo=<").append(cs.helo).append('>');
        }
        log.info(s.toString());
    }

    // ---------------------------------------------------------------- commands

    private boolean helo(String args, boolean ehlo) {
        SmtpAddress.Args a = SmtpAddress.split(args, 0);
        if (a.list().isEmpty()) {
            return fail(ehlo ? "501 Syntax: EHLO hostname" : "501 Syntax: HELO hostname");
        }
        String name = Printable.neuter(String.join(" ", a.list()));
        resetTransaction();
        String previousHelo = cs.helo;
        String previousProto = cs.protocol;
        cs.helo = name;
        String denied = checks == null ? null : checks.helo(cs);
        if (denied != null) {
            cs.protocol = previousProto;
            logReject(denied, false);
            cs.helo = previousHelo;
            return fail(denied);
        }
        cs.protocol = ehlo ? "ESMTP" : "SMTP";
        pipeliningOffered = ehlo && (st.discardMask() & Ehlo.PIPELINING) == 0;
        if (!ehlo) {
            return reply("250 " + st.myhostname());
        }
        int mask = st.discardMask();
        String discard = Ehlo.logLine(mask);
        if (discard != null) {
            log.info(discard);
        }
        java.util.List<String> kw = new java.util.ArrayList<>(10);
        if ((mask & Ehlo.PIPELINING) == 0) {
            kw.add("PIPELINING");
        }
        if ((mask & Ehlo.SIZE) == 0) {
            kw.add(st.messageSizeLimit() > 0 ? "SIZE " + st.messageSizeLimit() : "SIZE");
        }
        if ((mask & Ehlo.VRFY) == 0 && !st.disableVrfy()) {
            kw.add("VRFY");
        }
        if ((mask & Ehlo.ETRN) == 0) {
            kw.add("ETRN");
        }
        if ((mask & Ehlo.ENHANCEDSTATUSCODES) == 0) {
            kw.add("ENHANCEDSTATUSCODES");
        }
        if ((mask & Ehlo.BIT_8BITMIME) == 0) {
            kw.add("8BITMIME");
        }
        if ((mask & Ehlo.DSN) == 0) {
            kw.add("DSN");
        }
        if ((mask & Ehlo.SMTPUTF8) == 0 && st.smtputf8Enable()) {
            kw.add("SMTPUTF8");
        }
        if ((mask & Ehlo.CHUNKING) == 0) {
            kw.add("CHUNKING");
        }
        out.reply((kw.isEmpty() ? "250 " : "250-") + st.myhostname());
        for (int k = 0; k < kw.size(); k++) {
            out.reply((k == kw.size() - 1 ? "250 " : "250-") + kw.get(k));
        }
        return true;
    }

    private boolean mail(String args) {
        int from = afterKeyword(args, "FROM:");
        if (from < 0) {
            return fail("501 5.5.4 Syntax: MAIL FROM:<address>");
        }
        SmtpAddress.Args a = SmtpAddress.split(args, from);
        if (a.list().isEmpty()) {
            return fail("501 5.5.4 Syntax: MAIL FROM:<address>");
        }
        if (st.heloRequired() && cs.helo == null) {
            return fail("503 5.5.1 Error: send HELO/EHLO first");
        }
        if (inMail) {
            return fail("503 5.5.1 Error: nested MAIL command");
        }
        if (bdatState != NONE) {
            return fail("503 5.5.1 Error: MAIL after BDAT");
        }
        if (a.unbalanced() && a.list().size() == 1) {
            return fail("501 5.1.7 Bad sender address syntax");
        }
        String arg = a.list().get(0);
        boolean utf8 = false;
        for (int k = 1; k < a.list().size(); k++) {
            if (a.list().get(k).equalsIgnoreCase("SMTPUTF8") && st.smtputf8Enable()) {
                utf8 = true;
            }
        }
        SmtpAddress.Extracted x = SmtpAddress.extract(arg, utf8);
        if (x.status() != SmtpAddress.Status.OK) {
            log.warning("Illegal address syntax from " + cs.namaddr + " in MAIL command: " + Printable.printable(arg));
            return fail("501 5.1.7 Bad sender address syntax");
        }
        String body = null;
        String ret = null;
        String envid = null;
        for (int k = 1; k < a.list().size(); k++) {
            String p = a.list().get(k);
            int eq = p.indexOf('=');
            String name = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(java.util.Locale.ROOT);
            String value = eq < 0 ? null : p.substring(eq + 1);
            switch (name) {
                case "SIZE" -> {
                    if (value == null || value.isEmpty() || !allDigits(value)) {
                        return fail("501 5.5.4 Bad message size syntax");
                    }
                    if (value.length() > 18) {
                        return fail("552 5.3.4 Message size exceeds file system imposed limit");
                    }
                    declaredSize = Long.parseLong(value);
                }
                case "BODY" -> {
                    if (value != null && (value.equalsIgnoreCase("7BIT") || value.equalsIgnoreCase("8BITMIME"))) {
                        body = value.toUpperCase(java.util.Locale.ROOT);
                    } else {
                        return fail("555 5.5.4 Unsupported option: " + p);
                    }
                }
                case "RET" -> {
                    if (ret != null || value == null || !(value.equalsIgnoreCase("FULL") || value.equalsIgnoreCase("HDRS"))) {
                        return fail("501 5.5.4 Bad RET parameter syntax");
                    }
                    ret = value.toUpperCase(java.util.Locale.ROOT);
                }
                case "ENVID" -> {
                    String decoded = value == null || envid != null ? null : Xtext.decode(value);
                    if (decoded == null || decoded.isEmpty()) {
                        return fail("501 5.5.4 Bad ENVID parameter syntax");
                    }
                    envid = decoded;
                }
                case "SMTPUTF8" -> {
                    if (value != null || !st.smtputf8Enable()) {
                        return fail("555 5.5.4 Unsupported option: " + p);
                    }
                }
                default -> {
                    return fail("555 5.5.4 Unsupported option: " + p);
                }
            }
        }
        cs.sender = x.address();
        if (st.messageSizeLimit() > 0 && declaredSize > st.messageSizeLimit()) {
            String r = "552 5.3.4 Message size exceeds fixed limit";
            logReject(r, false);
            cs.sender = null;
            return fail(r);
        }
        String denied = checks == null ? null : checks.mail(cs);
        if (denied != null) {
            logReject(denied, false);
            cs.sender = null;
            return fail(denied);
        }
        inMail = true;
        params = new MailParams(declaredSize, body, ret, envid, utf8);
        if (!st.delayOpenUntilValidRcpt() && !openMessage()) {
            resetTransaction();
            return fail("451 4.3.0 Error: queue file write error");
        }
        return reply("250 2.1.0 Ok");
    }

    private boolean rcpt(String args) {
        if (!inMail) {
            return fail("503 5.5.1 Error: need MAIL command");
        }
        if (bdatState != NONE) {
            return fail("503 5.5.1 Error: RCPT after BDAT");
        }
        int to = afterKeyword(args, "TO:");
        if (to < 0) {
            return fail("501 5.5.4 Syntax: RCPT TO:<address>");
        }
        SmtpAddress.Args a = SmtpAddress.split(args, to);
        if (a.list().isEmpty()) {
            return fail("501 5.5.4 Syntax: RCPT TO:<address>");
        }
        if (a.unbalanced() && a.list().size() == 1) {
            return fail("501 5.1.3 Bad recipient address syntax");
        }
        String arg = a.list().get(0);
        SmtpAddress.Extracted x = SmtpAddress.extract(arg, params.smtputf8());
        if (x.status() != SmtpAddress.Status.OK || x.address().isEmpty()) {
            log.warning("Illegal address syntax from " + cs.namaddr + " in RCPT command: " + Printable.printable(arg));
            return fail("501 5.1.3 Bad recipient address syntax");
        }
        int notify = 0;
        boolean notifySeen = false;
        String orcpt = null;
        for (int k = 1; k < a.list().size(); k++) {
            String p = a.list().get(k);
            int eq = p.indexOf('=');
            String name = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(java.util.Locale.ROOT);
            String value = eq < 0 ? null : p.substring(eq + 1);
            if (name.equals("NOTIFY") && value != null) {
                int bits = notifySeen ? -1 : notifyBits(value);
                if (bits <= 0) {
                    return fail("501 5.5.4 Error: Bad NOTIFY parameter syntax");
                }
                notify = bits;
                notifySeen = true;
            } else if (name.equals("ORCPT") && value != null) {
                String o = orcpt != null ? null : orcpt(value);
                if (o == null) {
                    return fail("501 5.5.4 Error: Bad ORCPT parameter syntax");
                }
                orcpt = o;
            } else {
                return fail("555 5.5.4 Unsupported option: " + p);
            }
        }
        String address = x.address();
        if (st.recipientLimit() > 0 && cs.recipientCount >= st.recipientLimit()) {
            reply("452 4.5.3 Error: too many recipients");
            return overshoot++ < st.recipientOvershootLimit();
        }
        cs.recipient = address;
        lastRecipient = address;
        String denied = checks == null ? null : checks.rcpt(cs);
        if (denied != null) {
            logReject(denied, true);
            return fail(denied);
        }
        if (stream == null && !openMessage()) {
            return fail("451 4.3.0 Error: queue file write error");
        }
        try {
            stream.recipient(address, orcpt, notify);
        } catch (IOException e) {
            log.warning(stream.queueId() + ": queue file write error: " + e.getMessage());
            resetTransaction();
            return fail("451 4.3.0 Error: queue file write error");
        }
        cs.recipientCount++;
        return reply("250 2.1.5 Ok");
    }

    /** openMessage - begin the queue file (as Postfix's smtpd opens it at the first good recipient). */
    private boolean openMessage() {
        try {
            stream = server.cleanup().begin(Origin.network(cs.clientName, cs.clientAddress,
                    clientPort, cs.helo == null ? "" : cs.helo,
                    cs.protocol, st.serviceName(), cs.saslUser));
            log.info(stream.queueId() + ": client=" + cs.namaddr);
            stream.sender(cs.sender, params);
            return true;
        } catch (IOException e) {
            log.warning((stream == null ? "NOQUEUE" : stream.queueId()) + ": queue file write error: " + e.getMessage());
            abortMessage();
            return false;
        }
    }

    private boolean data(String args) throws IOException {
        if (bdatState != NONE) {
            return fail("503 5.5.1 Error: DATA after BDAT");
        }
        if (!inMail) {
            return fail("503 5.5.1 Error: need RCPT command");
        }
        if (cs.recipientCount == 0) {
            return fail("554 5.5.1 Error: no valid recipients");
        }
        if (!args.isBlank()) {
            return fail("501 5.5.4 Syntax: DATA");
        }
        String denied = checks == null ? null : checks.data(cs);
        if (denied != null) {
            logReject(denied, false);
            return fail(denied);
        }
        reply("354 End data with <CR><LF>.<CR><LF>");
        in.consumed = 0;
        readingData = true;
        in.reserve(8192);
        MessageSink m = new MessageSink(stream, st.messageSizeLimit(), st.lineLengthLimit());
        // with smtpd_forbid_bare_newline only CR LF . CR LF ends the data (no SMTP smuggling)
        boolean strict = bareNewline != Settings.BARE_LF_ALLOWED;
        boolean afterCrLf = true;
        boolean sawBareLf = false;
        byte[] b;
        for (;;) {
            int r = in.readLine(st.lineLengthLimit());
            if (r == SmtpInput.END) {
                lostConnection();
                abortMessage();
                return false;
            }
            b = in.buf();
            int off = in.off;
            int len = in.len;
            boolean line = r == SmtpInput.LINE;
            if (m.atLineStart() && len > 0 && b[off] == '.') {
                if (len == 1 && line && (!strict || (afterCrLf && !in.bareLf))) {
                    break;
                }
                off++;
                len--;
            }
            if (line) {
                afterCrLf = !in.bareLf;
                sawBareLf |= in.bareLf;
                m.line(b, off, len);
            } else {
                m.part(b, off, len);
            }
        }
        in.shrink();
        return endOfMessage(m, null, sawBareLf && bareNewline == Settings.BARE_LF_REJECT);
    }

    /** endOfMessage - the content is complete: size, end-of-data restrictions, commit, reply. */
    private boolean endOfMessage(MessageSink m, String bytes, boolean bareLf) {
        where = "END-OF-MESSAGE";
        readingData = false;
        boolean good;
        if (bareLf) {
            logReject("bare <LF> received", false);
            good = fail(st.bareNewlineRejectCode() + " 5.5.2 " + st.myhostname() + " Error: bare <LF> received");
        } else if (m.tooBig) {
            log.warning(queueId() + ": queue file size limit exceeded");
            good = fail("552 5.3.4 Error: message file too big");
        } else if (m.error != null) {
            log.warning(queueId() + ": queue file write error: " + m.error.getMessage());
            good = fail("451 4.3.0 Error: queue file write error");
        } else {
            String denied = checks == null ? null : checks.endOfData(cs);
            if (denied != null) {
                logReject(denied, false);
                good = fail(denied);
            } else {
                try {
                    String id = stream.commit();
                    good = reply("250 2.0.0 Ok: " + (bytes == null ? "" : bytes + " bytes ") + "queued as " + id);
                } catch (CleanupRejectedException e) {
                    good = fail(e.reply());
                } catch (IOException e) {
                    log.warning(queueId() + ": queue file write error: " + e.getMessage());
                    good = fail("451 4.3.0 Error: queue file write error");
                }
            }
        }
        resetTransaction();
        if (good) {
            errorCount = 0;
            junkCount = 0;
        }
        return good;
    }

    private boolean bdat(String args, String line) throws IOException {
        SmtpAddress.Args a = SmtpAddress.split(args, 0);
        java.util.List<String> w = a.list();
        long count = -1;
        boolean last = false;
        if ((w.size() == 1 || w.size() == 2) && allDigits(w.get(0)) && w.get(0).length() <= 18) {
            count = Long.parseLong(w.get(0));
            if (w.size() == 2) {
                if (w.get(1).equalsIgnoreCase("LAST")) {
                    last = true;
                } else {
                    count = -1;
                }
            }
        }
        if (count < 0) {
            log.warning(queueId() + ": malformed BDAT command syntax from " + cs.namaddr + ": "
                    + Printable.printable(line.strip()));
            reply("521 5.5.4 Syntax: BDAT count [LAST]");
            ended = true;
            return false;
        }
        if (count == 0 && !last) {
            log.warning(queueId() + ": null BDAT request from " + cs.namaddr);
            return bdatFailed(0, false, "551 5.7.1 Null BDAT request");
        }
        if (bdatState == DISCARDING) {
            return bdatFailed(count, last, "551 5.0.0 Discarded " + count + " bytes after earlier error");
        }
        if (!inMail || cs.recipientCount == 0) {
            return bdatFailed(count, last,
                    !inMail ? "503 5.5.1 Error: need RCPT command" : "554 5.5.1 Error: no valid recipients");
        }
        if (bdatState == NONE) {
            String denied = checks == null ? null : checks.data(cs);
            if (denied != null) {
                logReject(denied, false);
                return bdatFailed(count, last, denied);
            }
            bdatState = IN_PROGRESS;
            bdatTotal = 0;
            bdatEndsInLf = true;
            bdatBareLf = false;
            sink = new MessageSink(stream, st.messageSizeLimit(), st.lineLengthLimit());
        }
        if (st.messageSizeLimit() > 0 && bdatTotal + count > st.messageSizeLimit()) {
            log.warning(queueId() + ": BDAT request from " + cs.namaddr + " exceeds message size limit");
            return bdatFailed(count, last, "552 5.3.4 Chunk exceeds message size limit");
        }
        in.consumed = 0;
        if (count > 0) {
            in.reserve(8192);
            in.beginChunk(count);
            try {
                for (;;) {
                    int r = in.readLine(st.lineLengthLimit());
                    if (r == SmtpInput.CHUNK_END) {
                        break;
                    }
                    if (r == SmtpInput.END) {
                        lostConnection();
                        abortMessage();
                        return false;
                    }
                    if (r == SmtpInput.LINE) {
                        sink.line(in.buf(), in.off, in.len);
                        bdatEndsInLf = true;
                        bdatBareLf |= in.bareLf;
                    } else {
                        sink.part(in.buf(), in.off, in.len);
                        bdatEndsInLf = false;
                    }
                }
            } finally {
                in.endChunk();
            }
        }
        bdatTotal += count;
        if (!last) {
            return reply("250 2.0.0 Ok: " + count + " bytes");
        }
        sink.finish(count == 0);
        // as Postfix counts: the bytes of the chunks, plus a line end for a message that lacks its last
        // one (a CR there counts as its first half) and for every piece of a line longer than
        // line_length_limit (its record boundaries)
        long missingEnd = bdatEndsInLf || bdatTotal == 0 ? 0 : sink.endedInCr ? 1 : 2;
        long total = bdatTotal + missingEnd + 2L * sink.parts;
        MessageSink m = sink;
        in.shrink();
        return endOfMessage(m, Long.toString(total), bdatBareLf && bareNewline == Settings.BARE_LF_REJECT);
    }

    /**
     * bdatFailed - a chunk that is not used: read and drop it, answer. Until a LAST chunk the session
     * stays in the BDAT error state (later chunks are discarded too, MAIL/RCPT/DATA are refused)
     * with the transaction as it was; the LAST chunk ends both.
     */
    private boolean bdatFailed(long count, boolean last, String replyText) throws IOException {
        if (count > 0 && !discard(count)) {
            return false;
        }
        if (last) {
            resetTransaction();
            bdatState = NONE;
        } else {
            bdatState = DISCARDING;
        }
        return fail(replyText);
    }

    /** discard - read and drop a chunk the session will not use; false when the connection is gone. */
    private boolean discard(long count) throws IOException {
        in.consumed = 0;
        if (!in.discard(count)) {
            lostConnection();
            return false;
        }
        return true;
    }

    private boolean rset(String args) {
        if (!args.isBlank()) {
            return fail("501 5.5.4 Syntax: RSET");
        }
        resetTransaction();
        bdatState = NONE;
        return reply("250 2.0.0 Ok");
    }

    private boolean vrfy(String args) {
        if (st.disableVrfy()) {
            return fail("502 5.5.1 VRFY command is disabled");
        }
        String text = args.strip();
        if (text.isEmpty()) {
            return fail("501 5.5.4 Syntax: VRFY address [SMTPUTF8]");
        }
        boolean utf8 = false;
        int sp = Math.max(text.lastIndexOf(' '), text.lastIndexOf('\t'));
        if (sp > 0 && text.substring(sp + 1).equalsIgnoreCase("SMTPUTF8")) {
            utf8 = true;
            text = text.substring(0, sp).strip();
        }
        SmtpAddress.Extracted x = SmtpAddress.extract(text, utf8);
        if (x.status() != SmtpAddress.Status.OK || x.address().isEmpty()) {
            log.warning("Illegal address syntax from " + cs.namaddr + " in VRFY command: " + Printable.printable(text));
            return fail("501 5.1.3 Bad recipient address syntax");
        }
        String saved = cs.recipient;
        cs.recipient = x.address();
        String denied = checks == null ? null : checks.rcpt(cs);
        if (denied != null) {
            logReject(denied, true);
            cs.recipient = saved;
            return fail(denied);
        }
        cs.recipient = saved;
        return reply("252 2.0.0 " + text);
    }

    private boolean etrn(String args) {
        if (st.heloRequired() && cs.helo == null) {
            return fail("503 Error: send HELO/EHLO first");
        }
        if (inMail) {
            return fail("503 Error: MAIL transaction in progress");
        }
        SmtpAddress.Args a = SmtpAddress.split(args, 0);
        if (a.list().size() != 1) {
            return fail("500 Syntax: ETRN domain");
        }
        String site = a.list().get(0);
        String name = site.startsWith("@") || site.startsWith("#") ? site.substring(1) : site;
        if (!(SmtpAddress.validHostname(name, false) || SmtpAddress.validLiteral(name))) {
            return fail("501 Error: invalid parameter syntax");
        }
        if (standAlone) {
            log.warning("do not use ETRN in \"sendmail -bs\" mode");
            return fail("458 Unable to queue messages");
        }
        cs.etrnSite = site;
        String denied = checks == null ? null : checks.etrn(cs);
        cs.etrnSite = null;
        if (denied != null) {
            logReject(denied, false);
            return fail(denied);
        }
        EtrnService.Result r = server.etrn() == null ? EtrnService.Result.STARTED : server.etrn().flush(site);
        return switch (r) {
            case STARTED -> reply("250 Queuing started");
            case NOT_ELIGIBLE -> {
                log.warning("reject: ETRN " + Printable.printable(site.length() > 100 ? site.substring(0, 100) : site)
                        + "... from " + cs.namaddr);
                yield fail("459 <" + site + ">: service unavailable");
            }
            case FAILED -> fail("458 Unable to queue messages");
        };
    }

    private boolean quit() {
        reply("221 2.0.0 Bye");
        ended = true;
        clientEnded = true;
        return true;
    }

    // ---------------------------------------------------------------- transaction state

    /** resetTransaction - forget MAIL, RCPT and any message begun (its queue file goes). */
    private void resetTransaction() {
        abortMessage();
        inMail = false;
        params = MailParams.NONE;
        cs.sender = null;
        cs.recipient = null;
        cs.recipientCount = 0;
        lastRecipient = null;
        overshoot = 0;
        declaredSize = -1;
        sink = null;
        if (bdatState == IN_PROGRESS) {
            bdatState = NONE;
        }
    }

    private void abortMessage() {
        if (stream != null) {
            stream.close();
            stream = null;
        }
    }

    // ---------------------------------------------------------------- small parsers

    /** afterKeyword - the index after "FROM:"/"TO:" (any case) at the start of args, spaces skipped; -1 if absent. */
    private static int afterKeyword(String args, String keyword) {
        int i = 0;
        while (i < args.length() && (args.charAt(i) == ' ' || args.charAt(i) == '\t')) {
            i++;
        }
        if (!args.regionMatches(true, i, keyword, 0, keyword.length())) {
            return -1;
        }
        return i + keyword.length();
    }

    private static boolean allDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** notifyBits - the NOTIFY= value as CleanupStream bits, or -1 when malformed (warned as Postfix does). */
    private int notifyBits(String value) {
        if (value.isEmpty()) {
            return -1;
        }
        int bits = 0;
        for (String word : value.split(",", -1)) {
            int bit = switch (word.toUpperCase(java.util.Locale.ROOT)) {
                case "NEVER" -> CleanupStream.NOTIFY_NEVER;
                case "SUCCESS" -> CleanupStream.NOTIFY_SUCCESS;
                case "FAILURE" -> CleanupStream.NOTIFY_FAILURE;
                case "DELAY" -> CleanupStream.NOTIFY_DELAY;
                default -> 0;
            };
            if (bit == 0) {
                log.warning("unknown DSN NOTIFY command value \"" + Printable.printable(word) + "\" in \""
                        + Printable.printable(value) + "\"");
                return -1;
            }
            bits |= bit;
        }
        if ((bits & CleanupStream.NOTIFY_NEVER) != 0 && bits != CleanupStream.NOTIFY_NEVER) {
            return -1;
        }
        return bits;
    }

    /** orcpt - "addr-type;xtext" decoded to "addr-type;address", or null when malformed. */
    private static String orcpt(String value) {
        int semi = value.indexOf(';');
        if (semi <= 0) {
            return null;
        }
        String type = value.substring(0, semi);
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                return null;
            }
        }
        String addr = Xtext.decode(value.substring(semi + 1));
        if (addr == null || addr.isEmpty()) {
            return null;
        }
        return type + ";" + addr;
    }

    /** addressText - the client address as Postfix writes it ("127.0.0.1", "::1"). */
    static String addressText(InetAddress a) {
        return tern.config.Networks.text(a);
    }
}
