package tern.delivery.pipe;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import tern.config.Config;
import tern.delivery.DeliveryAgent;
import tern.delivery.DeliveryContext;
import tern.delivery.DeliveryRequest;
import tern.delivery.RecipientResult;
import tern.delivery.ResultSink;
import tern.log.Logger;
import tern.queue.ContentStream;
import tern.queue.Envelope;
import tern.queue.Recipient;

/**
 * PipeAgent - the pipe(8) delivery agent: runs the command of a master.cf pipe service with the
 * message on its standard input, as the service's user=, and turns the exit status into delivery
 * results the way Postfix does.
 *
 * <ul>
 * <li>argv= words are expanded per delivery ({@link ArgvExpander}); a word with $recipient (or
 *     $user, $extension, $mailbox, $domain, $original_recipient) becomes one word per recipient.</li>
 * <li>flags= F R O D prepend the From_ line, Return-Path:, X-Original-To:, Delivered-To: (in that
 *     order); "." doubles leading dots, "&gt;" quotes "From " lines, B appends an empty line; eol=
 *     ends each line.</li>
 * <li>Exit 0: sent, "delivered via SERVICE service". Output starting with an enhanced status code
 *     ("4.2.0 mailbox busy") decides; else sysexits codes (75 EX_TEMPFAIL and 71 EX_OSERR defer, the
 *     others bounce: "user unknown. Command output: ..."); other codes bounce: "Command died with
 *     status N: \"argv0\". Command output: ...". A signal defers; SERVICE_time_limit (or
 *     command_time_limit) kills the command and bounces: "Command time limit exceeded: \"argv0\"".</li>
 * </ul>
 * The command runs through setpriv(1) with the user's uid, gid and supplementary groups, in
 * directory= (default queue_directory), with an environment of PATH=/usr/bin:/bin and the
 * export_environment variables. A service entry that names root, the mail system owner, an unknown
 * user, or is otherwise malformed is refused when it is used: a "fatal:" log line and the delivery
 * deferred ("unknown mail transport error"), as a crashing Postfix pipe process would have it. An
 * entry that is never used (a stock master.cf's maildrop or uucp service) says nothing.
 */
public final class PipeAgent implements DeliveryAgent {
    static final int OUTPUT_LIMIT = 4096;
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy",
            Locale.ROOT);

    private final String service;
    private final Logger log;
    private final PipeAttributes attrs;
    private final String configError;
    private final long timeLimitSeconds;
    private final Path workDir;
    private final String recipientDelimiter;
    private final List<String> exportEnvironment;
    private final boolean asRoot;

    /** PipeAgent - an agent for one master.cf pipe service (its arguments carry flags=, user=, argv=). */
    public PipeAgent(DeliveryContext ctx) {
        Config c = ctx.config();
        this.service = ctx.service().name();
        this.log = ctx.log();
        PipeAttributes a = null;
        String error = null;
        try {
            a = PipeAttributes.parse(ctx.service().args(), c.get("mail_owner"), c.get("setgid_group"));
        } catch (PipeAttributes.PipeConfigException e) {
            error = e.getMessage(); // said at each delivery, as each Postfix pipe process would
        }
        this.attrs = a;
        this.configError = error;
        String raw = c.raw(service + "_time_limit");
        long limit = raw != null ? Config.parseSeconds(c.get(service + "_time_limit"), 's') : -1;
        this.timeLimitSeconds = limit > 0 ? limit : Math.max(1, c.seconds("command_time_limit"));
        String dir = a != null && a.directory() != null ? a.directory() : c.get("queue_directory");
        this.workDir = dir.isEmpty() ? Path.of("/") : Path.of(dir);
        this.recipientDelimiter = c.get("recipient_delimiter");
        this.exportEnvironment = c.list("export_environment");
        this.asRoot = "0".equals(currentUid());
    }

    private static String currentUid() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return String.valueOf(uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "";
        }
    }

    @Override
    public void deliver(DeliveryRequest req, ResultSink sink) {
        List<Recipient> rcpts = req.recipients();
        if (rcpts.isEmpty()) {
            return;
        }
        if (configError != null) {
            log.fatal(configError);
            all(sink, rcpts, RecipientResult.Status.DEFERRED, "4.3.0", "unknown mail transport error");
            return;
        }
        if (attrs.flag('D') && rcpts.size() > 1) {
            log.warning("pipe flag `D' requires " + service + "_destination_recipient_limit = 1");
            all(sink, rcpts, RecipientResult.Status.DEFERRED, "4.3.5", "mail system configuration error");
            return;
        }
        if (attrs.flag('O') && rcpts.size() > 1) {
            log.warning("pipe flag `O' requires " + service + "_destination_recipient_limit = 1");
            all(sink, rcpts, RecipientResult.Status.DEFERRED, "4.3.5", "mail system configuration error");
            return;
        }
        Envelope env = req.envelope();
        if (attrs.sizeLimit() != 0 && env.contentLength() > attrs.sizeLimit()) {
            all(sink, rcpts, RecipientResult.Status.BOUNCED, "5.2.3", "message too large");
            return;
        }
        FileChannel ch = null;
        try {
            ch = req.channel();
            if (attrs.flag('D') && deliveredToLoop(ch, env, rcpts.get(0).address())) {
                all(sink, rcpts, RecipientResult.Status.BOUNCED, "5.4.6",
                        "mail forwarding loop for " + rcpts.get(0).address());
                return;
            }
            String sender = env.sender().isEmpty() ? attrs.nullSender() : env.sender();
            List<String> argv;
            try {
                argv = new ArgvExpander(attrs.flags(), recipientDelimiter, macros(req, sender)).expand(attrs.argv(),
                        rcpts);
            } catch (ArgvExpander.UnknownMacroException e) {
                log.warning("unknown macro name: \"" + e.getMessage() + "\" in " + service + " argv");
                all(sink, rcpts, RecipientResult.Status.DEFERRED, "4.3.5", "mail system configuration error");
                return;
            }
            Outcome o = run(argv, ch, env, sender, rcpts.get(0));
            all(sink, rcpts, o.status(), o.dsn(), o.text());
        } catch (IOException e) {
            all(sink, rcpts, RecipientResult.Status.DEFERRED, "4.3.0", "mail system error: " + e.getMessage());
        } finally {
            req.release(ch);
        }
    }

    private void all(ResultSink sink, List<Recipient> rcpts, RecipientResult.Status st, String dsn, String text) {
        for (Recipient r : rcpts) {
            sink.result(new RecipientResult(r, st, dsn, service, text, 0));
        }
    }

    /** macros - the per-message macro values (the per-recipient ones are the expander's). */
    private Map<String, String> macros(DeliveryRequest req, String sender) {
        Envelope e = req.envelope();
        return Map.ofEntries(
                Map.entry("sender", sender),
                Map.entry("nexthop", req.nexthop() == null ? "" : req.nexthop()),
                Map.entry("size", Long.toString(e.contentLength())),
                Map.entry("queue_id", e.id()),
                Map.entry("client_address", e.attribute("client_address")),
                Map.entry("client_hostname", e.attribute("client_name")),
                Map.entry("client_port", e.attribute("client_port")),
                Map.entry("client_helo", e.attribute("helo_name")),
                Map.entry("client_protocol", e.attribute("protocol_name")),
                Map.entry("sasl_method", e.attribute("sasl_method")),
                Map.entry("sasl_sender", e.attribute("sasl_sender")),
                Map.entry("sasl_username", e.attribute("sasl_username")));
    }

    /** deliveredToLoop - whether the header already has "Delivered-To: address" (any case). */
    private static boolean deliveredToLoop(FileChannel ch, Envelope env, String address) throws IOException {
        byte[] head = ContentStream.headers(ch, env).readNBytes((int) Math.min(env.headerLength(), 4 << 20));
        String text = new String(head, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (line.regionMatches(true, 0, "Delivered-To:", 0, 13)
                    && line.substring(13).strip().equalsIgnoreCase(address)) {
                return true;
            }
        }
        return false;
    }

    /** Outcome - what the command's run amounts to. */
    record Outcome(RecipientResult.Status status, String dsn, String text) {
    }

    private Outcome run(List<String> argv, FileChannel ch, Envelope env, String sender, Recipient first)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        if (asRoot) {
            cmd.add("setpriv");
            cmd.add("--reuid=" + attrs.uid());
            cmd.add("--regid=" + attrs.gid());
            cmd.add("--init-groups");
            cmd.add("--");
        }
        cmd.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (Files.isDirectory(workDir)) {
            pb.directory(workDir.toFile());
        } else {
            return new Outcome(RecipientResult.Status.DEFERRED, "4.3.0", "system resource problem. Command output: "
                    + "pipe: fatal: cannot change directory to \"" + workDir + "\" for uid=" + attrs.uid() + " gid="
                    + attrs.gid() + ": No such file or directory");
        }
        Map<String, String> env2 = pb.environment();
        Map<String, String> parent = System.getenv();
        env2.clear();
        for (String name : exportEnvironment) {
            String v = parent.get(name);
            if (v != null) {
                env2.put(name, v);
            }
        }
        env2.put("PATH", "/usr/bin:/bin");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Outcome(RecipientResult.Status.DEFERRED, "4.3.0", "temporary failure. Command output: "
                    + "pipe: fatal: pipe_command: execvp " + argv.get(0) + ": No such file or directory");
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        long deadline = System.nanoTime() + timeLimitSeconds * 1_000_000_000L;
        Thread killer = Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    timedOut.set(true);
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                // the command finished in time
            }
        });
        byte[][] output = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> output[0] = readOutput(p.getInputStream()));
        try (OutputStream stdin = new BufferedOutputStream(p.getOutputStream(), 65536)) {
            new MessageWriter(attrs, sender, first).write(ContentStream.of(ch, env), stdin);
        } catch (IOException e) {
            // EPIPE: the command stopped reading; its exit status tells what happened
        }
        int status;
        try {
            status = p.waitFor();
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Outcome(RecipientResult.Status.DEFERRED, "4.3.0", "system resource problem");
        } finally {
            killer.interrupt();
        }
        String out = printable(output[0] == null ? new byte[0] : output[0]);
        return evaluate(status, timedOut.get(), out, argv.get(0));
    }

    private static byte[] readOutput(InputStream in) {
        try (in) {
            byte[] keep = in.readNBytes(OUTPUT_LIMIT);
            in.transferTo(OutputStream.nullOutputStream()); // let the command finish writing
            return keep;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** printable - tabs and newlines to spaces, other unprintable bytes to '_', as Postfix logs output. */
    static String printable(byte[] b) {
        String s = new String(b, StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\t' || c == '\n') {
                sb.append(' ');
            } else if (c < 0x20 || c == 0x7f || c == '\uFFFD') {
                sb.append('_');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** evaluate - Postfix's reading of a command's end: time limit, signal, D.S.N text, sysexits. */
    Outcome evaluate(int status, boolean timedOut, String out, String command) {
        String tail = out.isEmpty() ? "" : ". Command output: " + out;
        if (timedOut) {
            return new Outcome(RecipientResult.Status.BOUNCED, "5.3.0",
                    "Command time limit exceeded: \"" + command + "\"" + tail);
        }
        if (status == 0) {
            return new Outcome(RecipientResult.Status.SENT, "2.0.0", "delivered via " + service + " service");
        }
        if (asRoot && status == 127 && out.startsWith("setpriv: failed to execute")) {
            // the command could not be executed: Postfix's child exits EX_TEMPFAIL in that case
            String why = out.contains(":") ? out.substring(out.lastIndexOf(':') + 1).strip() : out;
            return new Outcome(RecipientResult.Status.DEFERRED, "4.3.0", "temporary failure. Command output: "
                    + "pipe: fatal: pipe_command: execvp " + command + ": " + why);
        }
        if (status > 128 && status < 128 + 65) {
            return new Outcome(RecipientResult.Status.DEFERRED, "4.3.0",
                    "Command died with signal " + (status - 128) + ": \"" + command + "\"" + tail);
        }
        int dsnLen = dsnLength(out);
        if (dsnLen > 0) {
            String dsn = out.substring(0, dsnLen);
            String text = out.substring(dsnLen).stripLeading(); // trailing space stays, as in Postfix
            return new Outcome(dsn.startsWith("4") ? RecipientResult.Status.DEFERRED : RecipientResult.Status.BOUNCED,
                    dsn, text);
        }
        SysExits.Detail d = SysExits.detail(status);
        if (d != null) {
            return new Outcome(d.dsn().startsWith("4") ? RecipientResult.Status.DEFERRED
                    : RecipientResult.Status.BOUNCED, d.dsn(), d.text() + tail);
        }
        return new Outcome(RecipientResult.Status.BOUNCED, "5.3.0",
                "Command died with status " + status + ": \"" + command + "\"" + tail);
    }

    /** dsnLength - length of a leading "4.x.y" or "5.x.y" status followed by white space or the end. */
    static int dsnLength(String s) {
        int i = 0;
        if (s.isEmpty() || (s.charAt(0) != '4' && s.charAt(0) != '5')) {
            return 0;
        }
        i++;
        for (int part = 0; part < 2; part++) {
            if (i >= s.length() || s.charAt(i) != '.') {
                return 0;
            }
            i++;
            int digits = 0;
            while (i < s.length() && Character.isDigit(s.charAt(i)) && digits < 4) {
                i++;
                digits++;
            }
            if (digits < 1 || digits > 3) {
                return 0;
            }
        }
        if (i < s.length() && s.charAt(i) != ' ') {
            return 0;
        }
        return i;
    }

    /** fromLine - the From_ line's date, asctime(3) style in local time. */
    static String asctime(LocalDateTime t) {
        return t.format(ASCTIME);
    }
}
