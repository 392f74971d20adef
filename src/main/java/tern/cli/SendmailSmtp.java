package tern.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tern.cleanup.CleanupStream;
import tern.log.Logger;

/**
 * SendmailSmtp - sendmail -bs: an SMTP conversation on standard input and output, for programs
 * that submit local mail that way. Postfix runs its smtpd for this; each accepted message goes to
 * maildrop (as {@link MaildropFile}, with smtpd's Received: header on top) and the pickup service
 * takes it from there, so relay restrictions do not apply, as in Postfix.
 *
 * This is a compact SMTP server for that one use, answering with Postfix smtpd's replies:
 * EHLO/HELO, MAIL (SIZE, BODY, RET, ENVID, SMTPUTF8), RCPT (NOTIFY, ORCPT), DATA, RSET, NOOP,
 * VRFY, ETRN, QUIT. It offers no CHUNKING, STARTTLS or AUTH (there is no network peer). When the
 * smtpd package can run a session over any pair of streams with a CleanupService, sendmail -bs
 * can use it instead (see the report of the tools branch).
 *
 * Input lines are bounded (line_length_limit for commands; the message by message_size_limit).
 * The conversation ends at QUIT or end of input; exit status 0, or 75 when output fails.
 */
final class SendmailSmtp {
    private static final DateTimeFormatter RFC822 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z (zzz)", Locale.ROOT);
    private static final int MAX_COMMAND = 4096;

    private final Tool t;
    private final InputStream in;
    private final OutputStream out;
    private final Logger smtpdLog;
    private final long sizeLimit;
    private final String hostname;
    private final int uid = Tool.uid();

    private String helo = "";
    private boolean esmtp;
    private boolean inMail;
    private String sender;
    private final Map<String, String> mailAttrs = new LinkedHashMap<>();
    private final List<MaildropFile.Rcpt> rcpts = new ArrayList<>();
    private final Map<String, int[]> counts = new LinkedHashMap<>();

    SendmailSmtp(Tool t, InputStream in, OutputStream out) {
        this.t = t;
        this.in = new BufferedInputStream(in, 65536);
        this.out = out;
        this.smtpdLog = t.logFor("smtpd");
        this.sizeLimit = t.config.integer("message_size_limit");
        this.hostname = t.config.get("myhostname");
    }

    int run() {
        smtpdLog.info("connect from localhost[127.0.0.1]");
        try {
            reply("220 " + t.config.get("smtpd_banner"));
            while (true) {
                String line = readCommand();
                if (line == null) {
                    break;
                }
                if (command(line)) {
                    break;
                }
            }
        } catch (IOException e) {
            if (e instanceof java.io.EOFException) {
                smtpdLog.info(e.getMessage() + " from localhost[127.0.0.1]");
            }
            smtpdLog.info("disconnect from localhost[127.0.0.1]" + summary());
            return Sendmail.EX_TEMPFAIL;
        }
        smtpdLog.info("disconnect from localhost[127.0.0.1]" + summary());
        return 0;
    }

    /** command - one command line; true after QUIT. */
    private boolean command(String line) throws IOException {
        String verb;
        String rest;
        int sp = line.indexOf(' ');
        if (sp < 0) {
            verb = line;
            rest = "";
        } else {
            verb = line.substring(0, sp);
            rest = line.substring(sp + 1).strip();
        }
        String v = verb.toUpperCase(Locale.ROOT);
        if (line.isBlank()) {
            reply("500 5.5.2 Error: bad syntax");
            return false;
        }
        switch (v) {
            case "EHLO", "HELO" -> hello(v, rest);
            case "MAIL" -> mail(rest);
            case "RCPT" -> rcpt(rest);
            case "DATA" -> data(rest);
            case "RSET" -> {
                reset();
                count("rset", true);
                reply("250 2.0.0 Ok");
            }
            case "NOOP" -> {
                count("noop", true);
                reply("250 2.0.0 Ok");
            }
            case "VRFY" -> vrfy(rest);
            case "ETRN" -> etrn(rest);
            case "QUIT" -> {
                count("quit", true);
                reply("221 2.0.0 Bye");
                return true;
            }
            default -> {
                count("unknown", false);
                reply("500 5.5.2 Error: command not recognized");
            }
        }
        return false;
    }

    private void hello(String v, String arg) throws IOException {
        String name = v.toLowerCase(Locale.ROOT);
        if (arg.isEmpty()) {
            count(name, false);
            reply("501 Syntax: " + v + " hostname");
            return;
        }
        reset();
        helo = arg;
        esmtp = v.equals("EHLO");
        count(name, true);
        if (!esmtp) {
            reply("250 " + hostname);
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(hostname);
        lines.add("PIPELINING");
        lines.add(sizeLimit > 0 ? "SIZE " + sizeLimit : "SIZE");
        if (!t.config.bool("disable_vrfy_command")) {
            lines.add("VRFY");
        }
        lines.add("ETRN");
        lines.add("ENHANCEDSTATUSCODES");
        lines.add("8BITMIME");
        lines.add("DSN");
        lines.add("SMTPUTF8");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            b.append("250").append(i + 1 < lines.size() ? '-' : ' ').append(lines.get(i)).append("\r\n");
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void mail(String arg) throws IOException {
        if (inMail) {
            count("mail", false);
            reply("503 5.5.1 Error: nested MAIL command");
            return;
        }
        String[] p = path(arg, "FROM:");
        if (p == null) {
            count("mail", false);
            reply("501 5.5.4 Syntax: MAIL FROM:<address>");
            return;
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        for (String param : params(p[1])) {
            int eq = param.indexOf('=');
            String k = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String val = eq < 0 ? "" : param.substring(eq + 1);
            String bad = switch (k) {
                case "SIZE" -> sizeLimit > 0 && number(val) > sizeLimit ? "552 5.3.4 Message size exceeds fixed limit"
                        : number(val) < 0 ? "501 5.5.4 Bad message size syntax" : null;
                case "BODY" -> {
                    String b = val.toUpperCase(Locale.ROOT);
                    if (b.equals("7BIT") || b.equals("8BITMIME")) {
                        attrs.put("body", b);
                        yield null;
                    }
                    yield "501 5.5.4 Unsupported BODY parameter";
                }
                case "RET" -> {
                    String r = val.toUpperCase(Locale.ROOT);
                    if (r.equals("FULL") || r.equals("HDRS")) {
                        attrs.put("ret", r);
                        yield null;
                    }
                    yield "501 5.5.4 Bad RET parameter syntax";
                }
                case "ENVID" -> {
                    attrs.put("envid", xtextDecode(val));
                    yield null;
                }
                case "SMTPUTF8" -> {
                    attrs.put("smtputf8", "yes");
                    yield null;
                }
                default -> "555 5.5.4 Unsupported option: " + param;
            };
            if (bad != null) {
                count("mail", false);
                reply(bad);
                return;
            }
        }
        inMail = true;
        sender = p[0];
        mailAttrs.clear();
        mailAttrs.putAll(attrs);
        count("mail", true);
        reply("250 2.1.0 Ok");
    }

    private void rcpt(String arg) throws IOException {
        if (!inMail) {
            count("rcpt", false);
            reply("503 5.5.1 Error: need MAIL command");
            return;
        }
        String[] p = path(arg, "TO:");
        if (p == null) {
            count("rcpt", false);
            reply("501 5.5.4 Syntax: RCPT TO:<address>");
            return;
        }
        if (p[0].isEmpty() || p[0].indexOf(' ') >= 0) {
            count("rcpt", false);
            reply("501 5.1.3 Bad recipient address syntax");
            return;
        }
        int notify = 0;
        String orcpt = "";
        for (String param : params(p[1])) {
            int eq = param.indexOf('=');
            String k = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String val = eq < 0 ? "" : param.substring(eq + 1);
            if (k.equals("NOTIFY")) {
                notify = notifyBits(val);
                if (notify < 0) {
                    count("rcpt", false);
                    reply("501 5.5.4 Error: Bad NOTIFY parameter syntax");
                    return;
                }
            } else if (k.equals("ORCPT")) {
                orcpt = xtextDecode(val);
            } else {
                count("rcpt", false);
                reply("555 5.5.4 Unsupported option: " + param);
                return;
            }
        }
        rcpts.add(new MaildropFile.Rcpt(p[0], orcpt, notify));
        count("rcpt", true);
        reply("250 2.1.5 Ok");
    }

    private void data(String arg) throws IOException {
        if (rcpts.isEmpty()) {
            count("data", false);
            reply(inMail ? "554 5.5.1 Error: no valid recipients" : "503 5.5.1 Error: need RCPT command");
            return;
        }
        if (!arg.isEmpty()) {
            count("data", false);
            reply("501 5.5.4 Syntax: DATA");
            return;
        }
        String id;
        try (MaildropFile f = MaildropFile.create(t.queue)) {
            smtpdLog.info(f.id() + ": client=localhost[127.0.0.1]");
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("uid", Integer.toString(uid));
            attrs.putAll(mailAttrs);
            f.envelope(System.currentTimeMillis(), attrs, sender, rcpts);
            String date = ZonedDateTime.now().format(RFC822);
            String from = helo.isEmpty() ? "localhost" : helo;
            line(f, "Received: from " + from + " (localhost [127.0.0.1])");
            String by = "\tby " + hostname + " (" + t.config.get("mail_name") + ") with " + (esmtp ? "ESMTP" : "SMTP")
                    + " id " + f.id();
            if (rcpts.size() == 1) {
                line(f, by);
                line(f, "\tfor <" + rcpts.get(0).address() + ">; " + date);
            } else {
                line(f, by + ";");
                line(f, "\t" + date);
            }
            reply("354 End data with <CR><LF>.<CR><LF>");
            if (!copyData(f)) {
                reset();
                count("data", false);
                reply("552 5.3.4 Error: message file too big");
                return;
            }
            id = f.commit();
        } catch (java.io.EOFException e) {
            throw e; // the client is gone: no reply, the file is removed
        } catch (IOException e) {
            reset();
            count("data", false);
            t.log.warning("maildrop: " + Tool.describe(e));
            reply("451 4.3.0 Error: queue file write error");
            return;
        }
        reset();
        count("data", true);
        reply("250 2.0.0 Ok: queued as " + id);
        try {
            t.request("wakeup pickup");
        } catch (IOException e) {
            // daemon down: the message waits in maildrop
        }
    }

    private static void line(MaildropFile f, String s) throws IOException {
        byte[] b = Sendmail.bytes(s);
        f.line(b, 0, b.length);
    }

    /** copyData - message lines up to ".", dots unstuffed; false when it grew past message_size_limit (the rest is read and dropped). */
    private boolean copyData(MaildropFile f) throws IOException {
        byte[] buf = new byte[1024];
        long total = 0;
        boolean tooBig = false;
        while (true) {
            int len = 0;
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (len == buf.length) {
                    if (tooBig) {
                        len = 0;
                    } else {
                        buf = Arrays.copyOf(buf, buf.length * 2);
                    }
                }
                buf[len++] = (byte) c;
            }
            if (c < 0) {
                throw new java.io.EOFException("lost connection after DATA");
            }
            if (len > 0 && buf[len - 1] == '\r') {
                len--;
            }
            if (len == 1 && buf[0] == '.') {
                return !tooBig;
            }
            int off = len > 0 && buf[0] == '.' ? 1 : 0;
            total += len + 2;
            if (sizeLimit > 0 && total > sizeLimit) {
                tooBig = true;
            }
            if (!tooBig) {
                f.line(buf, off, len - off);
            }
        }
    }

    private void vrfy(String arg) throws IOException {
        if (t.config.bool("disable_vrfy_command")) {
            count("vrfy", false);
            reply("502 5.5.1 VRFY command is disabled");
        } else if (arg.isEmpty()) {
            count("vrfy", false);
            reply("501 5.5.4 Syntax: VRFY address [SMTPUTF8]");
        } else {
            count("vrfy", true);
            String a = arg.startsWith("<") && arg.endsWith(">") ? arg.substring(1, arg.length() - 1) : arg;
            reply("252 2.0.0 " + a);
        }
    }

    private void etrn(String arg) throws IOException {
        if (inMail) {
            count("etrn", false);
            reply("503 Error: MAIL transaction in progress");
        } else if (arg.isEmpty()) {
            count("etrn", false);
            reply("500 Syntax: ETRN domain");
        } else {
            String r;
            try {
                r = t.request("flush site " + arg);
            } catch (IOException e) {
                r = "error";
            }
            boolean ok = r.startsWith("ok");
            count("etrn", ok);
            reply(ok ? "250 Queuing started" : "458 Unable to queue messages for " + arg);
        }
    }

    private void reset() {
        inMail = false;
        sender = null;
        mailAttrs.clear();
        rcpts.clear();
    }

    /** path - "FROM:<addr> params" as {addr, params}, or null on a syntax error. */
    private static String[] path(String arg, String keyword) {
        if (arg.length() < keyword.length() || !arg.substring(0, keyword.length()).equalsIgnoreCase(keyword)) {
            return null;
        }
        String s = arg.substring(keyword.length()).strip();
        if (s.startsWith("<")) {
            int gt = s.indexOf('>');
            if (gt < 0) {
                return null;
            }
            return new String[]{s.substring(1, gt).strip(), s.substring(gt + 1).strip()};
        }
        if (s.isEmpty()) {
            return null;
        }
        int sp = s.indexOf(' ');
        return sp < 0 ? new String[]{s, ""} : new String[]{s.substring(0, sp), s.substring(sp + 1).strip()};
    }

    private static List<String> params(String s) {
        List<String> out = new ArrayList<>();
        for (String w : s.split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    private static long number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    private static int notifyBits(String v) {
        int bits = 0;
        for (String w : v.split(",")) {
            switch (w.toUpperCase(Locale.ROOT)) {
                case "NEVER" -> bits |= CleanupStream.NOTIFY_NEVER;
                case "SUCCESS" -> bits |= CleanupStream.NOTIFY_SUCCESS;
                case "FAILURE" -> bits |= CleanupStream.NOTIFY_FAILURE;
                case "DELAY" -> bits |= CleanupStream.NOTIFY_DELAY;
                default -> {
                    return -1;
                }
            }
        }
        if ((bits & CleanupStream.NOTIFY_NEVER) != 0 && bits != CleanupStream.NOTIFY_NEVER) {
            return -1;
        }
        return bits;
    }

    /** xtextDecode - RFC 3461 xtext ("+2B" is "+"); a malformed escape is kept as written. */
    static String xtextDecode(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    b.append((char) (hi * 16 + lo));
                    i += 2;
                    continue;
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    /** readCommand - one command line without its line end, or null at end of input; over-long lines are cut. */
    private String readCommand() throws IOException {
        byte[] b = new byte[256];
        int len = 0;
        int c;
        boolean any = false;
        while ((c = in.read()) >= 0) {
            any = true;
            if (c == '\n') {
                break;
            }
            if (len < MAX_COMMAND) {
                if (len == b.length) {
                    b = Arrays.copyOf(b, b.length * 2);
                }
                b[len++] = (byte) c;
            }
        }
        if (!any) {
            return null;
        }
        if (len > 0 && b[len - 1] == '\r') {
            len--;
        }
        return new String(b, 0, len, StandardCharsets.UTF_8);
    }

    private void reply(String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void count(String name, boolean ok) {
        int[] c = counts.computeIfAbsent(name, k -> new int[2]);
        c[1]++;
        if (ok) {
            c[0]++;
        }
    }

    /** summary - " ehlo=1 mail=1 rcpt=0/1 ... commands=4/5", as smtpd logs at disconnect, in its order. */
    private String summary() {
        StringBuilder b = new StringBuilder();
        int ok = 0;
        int all = 0;
        for (String name : List.of("helo", "ehlo", "mail", "rcpt", "data", "rset", "noop", "vrfy", "etrn", "quit",
                "unknown")) {
            int[] c = counts.get(name);
            if (c == null) {
                continue;
            }
            b.append(' ').append(name).append('=').append(c[0]);
            if (c[0] != c[1]) {
                b.append('/').append(c[1]);
            }
            ok += c[0];
            all += c[1];
        }
        b.append(" commands=").append(ok);
        if (ok != all) {
            b.append('/').append(all);
        }
        return b.toString();
    }
}
