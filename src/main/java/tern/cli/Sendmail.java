package tern.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tern.cleanup.CleanupStream;
import tern.smtpd.SmtpServer;

/**
 * Sendmail - sendmail(1) of Postfix: local submission, and the Sendmail-compatible modes.
 *
 * Default mode (-bm): read a message from standard input (until EOF, or a line "." unless -i/-oi),
 * take the recipients from the command line and, with -t, from the To:, Cc: and Bcc: headers (or
 * the Resent-To:, Resent-Cc:, Resent-Bcc: headers when the message has Resent- headers); write it
 * to maildrop as {@link MaildropFile} (durable before we exit 0) and tell the daemon ("wakeup
 * pickup" on its control socket). When the daemon is down the message waits in maildrop and the
 * pickup service takes it at the next start. Lines may end in LF or CRLF (sendmail_fix_line_endings);
 * a leading "From " line is dropped. The sender is -f/-r, else the login name of the invoking user
 * (cleanup qualifies it with $myorigin); the full name is -F, else $NAME, else the password file.
 *
 * Other modes: -bp (mailq), -bi/-I (newaliases), -bs (SMTP on standard input and output: the SMTP
 * server's stand-alone session, each message into maildrop through {@link MaildropCleanup}),
 * -bd/-bl (postfix start), -q (flush), -qIID, -qRsite. Options Postfix ignores are accepted and
 * ignored.
 *
 * Failures are Postfix's: "sendmail: fatal: ..." on stderr and in the maillog, exit status 75
 * (EX_TEMPFAIL) as Postfix 3.7's sendmail uses for every fatal error, usage errors included.
 * Nothing is left in maildrop after a failure.
 */
public final class Sendmail {
    static final int EX_TEMPFAIL = 75;
    private static final String SPEC = "A:B:C:F:GIL:N:O:R:UV:X:b:c:e:f:h:imno:p:q::r:tvx";

    /** Options - what the command line asked for. */
    private static final class Options {
        String configDir;
        char mode = 'm';
        String modeWord = "-bm";
        String sender;
        String fullName;
        boolean extract;
        boolean dotIsEnd = true;
        int notify;
        String ret;
        String envid;
        String body;
        String flush;        // "" for -q, "I<id>", "R<site>"; null for -q with an interval
        List<String> recipients = new ArrayList<>();
    }

    private Sendmail() {
    }

    public static int run(String[] args) {
        return run(args, System.in);
    }

    static int run(String[] args, InputStream stdin) {
        Options o = new Options();
        String usageError = parse(args, o);
        if (usageError != null) {
            if (!usageError.isEmpty()) {
                System.err.println("sendmail: " + usageError);
            }
            return early(o, "usage: sendmail [options]");
        }
        switch (o.mode) {
            case 'p' -> {
                return mailq(o);
            }
            case 'i' -> {
                return o.configDir == null ? Newaliases.run(new String[0])
                        : Newaliases.run(new String[]{"-C", o.configDir});
            }
            case 'd' -> {
                return o.configDir == null ? Postfix.run(new String[]{"start"})
                        : Postfix.run(new String[]{"-c", o.configDir, "start"});
            }
            case 'm', 's', 'q' -> {
                // below
            }
            default -> {
                return early(o, "unsupported: " + o.modeWord);
            }
        }
        Tool t;
        try {
            t = Tool.open("sendmail", o.configDir);
        } catch (Tool.Unusable e) {
            System.err.println("sendmail: fatal: " + e.getMessage());
            return EX_TEMPFAIL;
        }
        try {
            if (o.mode == 'q') {
                return flush(t, o);
            }
            if (o.mode == 's') {
                return smtp(t, stdin);
            }
            return submit(t, o, stdin);
        } finally {
            t.close();
        }
    }

    /** parse - fill o from args; null when fine, else the getopt complaint ("" when there is none). */
    private static String parse(String[] args, Options o) {
        Getopt g = new Getopt(args, SPEC);
        for (char c = g.next(); c != Getopt.END; c = g.next()) {
            String a = g.arg();
            switch (c) {
                case Getopt.ERROR -> {
                    return g.error();
                }
                case 'C', 'c' -> o.configDir = configDirOf(a);
                case 'F' -> o.fullName = a;
                case 'f', 'r' -> o.sender = a;
                case 't' -> o.extract = true;
                case 'i' -> o.dotIsEnd = false;
                case 'I' -> setMode(o, 'i', "-I");
                case 'N' -> o.notify = notify(a);
                case 'R' -> o.ret = ret(a);
                case 'V' -> o.envid = a;
                case 'B' -> o.body = a;
                case 'b' -> setMode(o, a.isEmpty() ? '?' : a.charAt(0), "-b" + a);
                case 'o' -> option(g, o, a);
                case 'q' -> {
                    String w = a == null ? "" : a;
                    // -q, -qIid, -qRsite, -qSsite; "-q5m" is a queue run interval, ignored as in Postfix
                    o.flush = !w.isEmpty() && Character.isDigit(w.charAt(0)) ? null : w;
                    setMode(o, 'q', "-q" + w);
                }
                case 'X' -> {
                    // -XV[xy] asks for VERP: accepted; delivery does not do VERP yet (see the report)
                }
                default -> {
                    // -A -G -h -L -m -n -O -U -v -x -e -p: accepted and ignored, as in Postfix
                }
            }
        }
        for (String w : g.rest()) {
            if (w.startsWith("-")) {
                continue; // an option after the recipients: Postfix drops it too
            }
            o.recipients.addAll(AddressList.parse(w));
        }
        return null;
    }

    /** configDirOf - -C takes the main.cf file or its directory. */
    private static String configDirOf(String a) {
        Path p = Path.of(a);
        if (Files.isRegularFile(p)) {
            Path parent = p.toAbsolutePath().getParent();
            return parent == null ? a : parent.toString();
        }
        return a;
    }

    private static void setMode(Options o, char mode, String word) {
        o.mode = switch (mode) {
            case 'm' -> 'm';
            case 'p' -> 'p';
            case 's' -> 's';
            case 'i' -> 'i';
            case 'd', 'l' -> 'd';
            case 'q' -> 'q';
            case 'h', 'H' -> o.mode; // -bh, -bH: ignored
            default -> '?';
        };
        o.modeWord = word;
    }

    /** option - "-oi"; "-oAfile", "-oem", "-om", "-o7", ... and "-o x value" are accepted and ignored. */
    private static void option(Getopt g, Options o, String a) {
        if (a.equals("i")) {
            o.dotIsEnd = false;
        } else if (a.length() == 1 && "m78".indexOf(a.charAt(0)) < 0) {
            g.skip(); // "-o x value": the value is the next word
        }
    }

    private static int notify(String a) {
        int bits = 0;
        for (String w : a.split(",")) {
            String v = w.strip().toLowerCase(Locale.ROOT);
            switch (v) {
                case "never" -> bits |= CleanupStream.NOTIFY_NEVER;
                case "success" -> bits |= CleanupStream.NOTIFY_SUCCESS;
                case "failure" -> bits |= CleanupStream.NOTIFY_FAILURE;
                case "delay" -> bits |= CleanupStream.NOTIFY_DELAY;
                default -> {
                    System.err.println("sendmail: warning: unknown DSN NOTIFY command value \"" + w.strip() + "\" in \"" + a + "\"");
                    System.err.println("sendmail: warning: bad -N option value -- ignored");
                    return 0;
                }
            }
        }
        if ((bits & CleanupStream.NOTIFY_NEVER) != 0 && bits != CleanupStream.NOTIFY_NEVER) {
            System.err.println("sendmail: warning: bad -N option value -- ignored");
            return 0;
        }
        return bits;
    }

    private static String ret(String a) {
        if (a.equalsIgnoreCase("hdrs")) {
            return "HDRS";
        }
        if (a.equalsIgnoreCase("full")) {
            return "FULL";
        }
        System.err.println("sendmail: warning: bad -R option value -- ignored");
        return null;
    }

    /** early - a fatal error before main.cf is read (usage): stderr, and the maillog when there is one. */
    private static int early(Options o, String text) {
        System.err.println("sendmail: fatal: " + text);
        try {
            Tool t = Tool.open("sendmail", o.configDir);
            t.log.fatal(text);
            t.close();
        } catch (Tool.Unusable e) {
            // no maillog to tell
        }
        return EX_TEMPFAIL;
    }

    private static int mailq(Options o) {
        Tool t;
        try {
            t = Tool.open("postqueue", o.configDir);
        } catch (Tool.Unusable e) {
            System.err.println("postqueue: fatal: " + e.getMessage());
            return 1;
        }
        try {
            return Postqueue.list(t, false, System.out);
        } finally {
            t.close();
        }
    }

    /** flush - sendmail -q, -qIid, -qRsite, as Postfix runs postqueue -f, -i, -s. */
    private static int flush(Tool sendmail, Options o) {
        String f = o.flush;
        if (f == null) {
            return 0;
        }
        if (f.startsWith("S")) {
            return sendmail.fatal(EX_TEMPFAIL, "-qS is not implemented");
        }
        Tool t;
        try {
            t = Tool.open("postqueue", o.configDir);
        } catch (Tool.Unusable e) {
            return sendmail.fatal(EX_TEMPFAIL, e.getMessage());
        }
        try {
            if (f.isEmpty()) {
                return Postqueue.flush(t, "flush");
            }
            if (f.startsWith("I")) {
                String[] a = {"-i", f.substring(1)};
                return o.configDir == null ? Postqueue.run(a) : Postqueue.run(new String[]{"-c", o.configDir, a[0], a[1]});
            }
            if (f.startsWith("R")) {
                return Postqueue.flush(t, "flush site " + f.substring(1));
            }
            return sendmail.fatal(EX_TEMPFAIL, "unsupported: -q" + f);
        } finally {
            t.close();
        }
    }

    /**
     * smtp - sendmail -bs: one SMTP session on standard input and output through the SMTP server in
     * its stand-alone form, each message into maildrop (then the pickup service is woken). A client
     * silent for smtpd_timeout is timed out, as Postfix's smtpd does on standard input. The exit
     * status is 0 however the session ends, as Postfix's.
     */
    private static int smtp(Tool t, InputStream stdin) {
        MaildropCleanup maildrop = new MaildropCleanup(t.queue, Tool.uid(), t.config, () -> {
            try {
                t.request("wakeup pickup");
            } catch (IOException e) {
                // the daemon is down: the message waits in maildrop until it starts
            }
        });
        long timeout = Math.max(1, t.config.seconds("smtpd_timeout")) * 1000;
        SmtpServer.standAlone(t.config, t.logFor("smtpd"), maildrop).serve(new TimedInput(stdin, timeout), System.out);
        System.out.flush();
        return 0;
    }

    /** submit - the default mode: standard input into maildrop, then wake the pickup service. */
    private static int submit(Tool t, Options o, InputStream stdin) {
        int uid = Tool.uid();
        Passwd.Entry me = Passwd.byUid(uid);
        if (me == null) {
            return t.fatal(EX_TEMPFAIL, "no login name found for user ID " + uid);
        }
        String sender = o.sender == null ? me.name() : envelopeSender(o.sender);
        String who = (sender.isEmpty() ? "<>" : sender) + "(" + uid + ")";
        if (!o.extract && o.recipients.isEmpty()) {
            return t.fatal(EX_TEMPFAIL, who + ": Recipient addresses must be specified on the command line or via the -t option");
        }
        if (o.body != null && !o.body.equalsIgnoreCase("8BITMIME") && !o.body.equalsIgnoreCase("7BIT")) {
            return t.fatal(EX_TEMPFAIL, "-B option needs 8BITMIME or 7BIT");
        }
        String fullName = o.fullName;
        if (fullName == null) {
            String env = System.getenv("NAME");
            fullName = env != null ? env : me.fullName();
        }
        long limit = t.config.integer("message_size_limit");
        String fix = t.config.get("sendmail_fix_line_endings");
        MessageReader in = new MessageReader(new BufferedInputStream(stdin, 65536), o.dotIsEnd, fix,
                limit > 0 ? limit : Long.MAX_VALUE);
        try (MaildropFile f = MaildropFile.create(t.queue)) {
            List<byte[]> headers;
            try {
                headers = in.headers();
            } catch (MessageReader.TooBig e) {
                return t.fatal(EX_TEMPFAIL, who + ": message file too big");
            }
            List<MaildropFile.Rcpt> rcpts = new ArrayList<>();
            for (String r : o.recipients) {
                rcpts.add(new MaildropFile.Rcpt(r, "", o.notify));
            }
            if (o.extract) {
                for (String r : extract(headers)) {
                    rcpts.add(new MaildropFile.Rcpt(r, "", o.notify));
                }
                if (rcpts.isEmpty()) {
                    return t.fatal(EX_TEMPFAIL, who + ": No recipient addresses found in message header");
                }
            }
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("uid", Integer.toString(uid));
            if (fullName != null) {
                attrs.put("full_name", fullName);
            }
            if (o.envid != null) {
                attrs.put("envid", o.envid);
            }
            if (o.ret != null) {
                attrs.put("ret", o.ret);
            }
            if (o.body != null) {
                attrs.put("body", o.body.toUpperCase(Locale.ROOT));
            }
            f.envelope(System.currentTimeMillis(), attrs, sender, rcpts);
            for (byte[] h : headers) {
                f.line(h, 0, h.length);
            }
            if (in.sawEmptyLine()) {
                f.line(new byte[0], 0, 0);
                f.endHeaders();
            }
            try {
                in.body(f::line);
            } catch (MessageReader.TooBig e) {
                return t.fatal(EX_TEMPFAIL, who + ": message file too big");
            }
            f.commit();
        } catch (IOException e) {
            return t.fatal(EX_TEMPFAIL, who + ": queue file write error: " + Tool.describe(e));
        }
        try {
            t.request("wakeup pickup");
        } catch (IOException e) {
            // the daemon is down: the message waits in maildrop until it starts
        }
        return 0;
    }

    /** envelopeSender - a -f value: "<>" and "" are the null sender, "Name <a@b>" is a@b. */
    static String envelopeSender(String a) {
        String s = a.strip();
        if (s.equals("<>") || s.isEmpty()) {
            return "";
        }
        List<String> l = AddressList.parse(s);
        return l.isEmpty() ? "" : l.get(0);
    }

    /**
     * extract - the recipients of the To:, Cc:, Bcc: headers, or of the Resent-To:, Resent-Cc:,
     * Resent-Bcc: headers when there are Resent- headers, as Postfix's cleanup takes them for -t.
     */
    static List<String> extract(List<byte[]> headerLines) {
        List<String[]> headers = MessageReader.unfold(headerLines);
        boolean resent = false;
        for (String[] h : headers) {
            resent |= h[0].toLowerCase(Locale.ROOT).startsWith("resent-");
        }
        List<String> out = new ArrayList<>();
        for (String[] h : headers) {
            String n = h[0].toLowerCase(Locale.ROOT);
            boolean wanted = resent ? n.equals("resent-to") || n.equals("resent-cc") || n.equals("resent-bcc")
                    : n.equals("to") || n.equals("cc") || n.equals("bcc");
            if (wanted) {
                out.addAll(AddressList.parse(h[1]));
            }
        }
        return out;
    }

    /** bytes - text as UTF-8. */
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
