package tern.delivery.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tern.delivery.mailbox.ChannelSink;
import tern.delivery.mailbox.Maildir;

/**
 * CommandRunner - delivery to an external command as local(8) does it: the command runs directly
 * when it holds no shell magic and does not start with a shell built-in ("exit 75"), else
 * through /bin/sh -c (or local_command_shell); it gets a clean
 * environment, the message on standard input, a working directory, and at most
 * command_time_limit to finish. Standard output and error are captured (the first
 * {@link #OUTPUT_LIMIT} bytes) for the delivery status text.
 *
 * The outcome follows Postfix: exit 0 is delivered; output that begins with an enhanced status
 * code ("5.7.1 text") decides by itself; otherwise the exit status is read as sysexits.h says
 * (75 and 71 defer, the others bounce with their words); another status bounces as
 * "Command died with status N"; a signal defers ("Command died with signal N"); the time limit
 * bounces ("Command time limit exceeded"). A command that cannot be started at all defers, as
 * Postfix's delivery child does when execvp fails.
 *
 * The caller supplies the words that switch to the recipient's identity (setpriv), see
 * {@link tern.delivery.mailbox.Privileges#commandPrefix}.
 */
final class CommandRunner {
    static final int OUTPUT_LIMIT = 2048;
    private static final String SHELL_MAGIC = "~`!$^&*()=|\\[]{};'\"<>?#\n\r";
    private static final java.util.Set<String> SHELL_BUILTINS = java.util.Set.of(".", ":", "alias", "bg", "break",
            "cd", "command", "continue", "eval", "exec", "exit", "export", "fc", "fg", "getopts", "hash", "jobs",
            "local", "read", "readonly", "return", "set", "shift", "times", "trap", "type", "ulimit", "umask",
            "unalias", "unset", "wait");
    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?:\\s+|$)");

    /** Outcome - what happened: a status class ('2' sent, '4' deferred, '5' bounced), dsn and text. */
    record Outcome(char status, String dsn, String text) {
    }

    private CommandRunner() {
    }

    /**
     * run - run command with prefix (identity switch), env, cwd and a time limit, feeding it
     * the message through input.
     */
    static Outcome run(String command, String shell, String[] prefix, Map<String, String> env, Path cwd,
                       long timeLimitSeconds, int bufferSize, Maildir.Content input,
                       java.util.function.Consumer<String> warnings) {
        List<String> argv = new ArrayList<>(List.of(prefix));
        if (!shell.isEmpty() || needsShell(command)) {
            argv.add(shell.isEmpty() ? "/bin/sh" : shell);
            argv.add("-c");
            argv.add(command);
        } else {
            for (String w : command.strip().split("[ \t]+")) {
                if (!w.isEmpty()) {
                    argv.add(w);
                }
            }
        }
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return cannotExecute(argv.get(prefix.length), startFailure(e));
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> readBounded(p.getInputStream(), output));
        AtomicReference<IOException> inputFailure = new AtomicReference<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            PipeChannel pipe = new PipeChannel(p.getOutputStream());
            try (pipe) {
                ChannelSink sink = new ChannelSink(pipe, bufferSize, Long.MAX_VALUE);
                input.writeTo(sink);
                sink.flush();
            } catch (IOException e) {
                // A command that exits without reading all of its input closes the pipe: its exit
                // status decides, as in Postfix. A failure to read the message is ours: defer.
                if (!pipe.failed) {
                    inputFailure.set(e);
                }
            }
        });
        boolean finished;
        try {
            finished = p.waitFor(Math.max(1, timeLimitSeconds), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writer.interrupt();
            warnings.accept("pipe_command_read: read time limit exceeded");
            return new Outcome('5', "5.3.0", "Command time limit exceeded: \"" + command + "\"");
        }
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (inputFailure.get() != null) {
            return new Outcome('4', "4.3.0", "cannot read message: " + inputFailure.get().getMessage());
        }
        String out;
        synchronized (output) {
            out = printable(output.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        String setprivFailed = "setpriv: failed to execute ";
        if (prefix.length > 0 && p.exitValue() == 127 && out.startsWith(setprivFailed)) {
            // setpriv could not start the command: as Postfix's child when execvp fails
            String rest = out.substring(setprivFailed.length()).strip();
            int colon = rest.lastIndexOf(": ");
            return cannotExecute(colon < 0 ? rest : rest.substring(0, colon), colon < 0 ? "" : rest.substring(colon + 2));
        }
        return outcome(command, p.exitValue(), out);
    }

    /**
     * startFailure - the system's words in the JDK's "cannot run program" message: "...: Exec
     * failed, error: 2 (No such file or directory)" or "...: error=2, No such file or directory".
     */
    static String startFailure(IOException e) {
        String why = (e.getMessage() == null ? e.toString() : e.getMessage()).strip();
        int open = why.lastIndexOf('(');
        if (why.endsWith(")") && open >= 0) {
            return why.substring(open + 1, why.length() - 1);
        }
        int k = why.indexOf("error=");
        int comma = k < 0 ? -1 : why.indexOf(", ", k);
        return comma < 0 ? why : why.substring(comma + 2);
    }

    /**
     * cannotExecute - the command could not be started at all: deferred, in the words Postfix's
     * delivery child leaves behind when execvp fails.
     */
    static Outcome cannotExecute(String program, String reason) {
        return new Outcome('4', "4.3.0", "temporary failure. Command output: local: fatal: execvp " + program + ": "
                + printable(reason) + " ");
    }

    /** outcome - the delivery status for an exit status and the (printable) command output. */
    static Outcome outcome(String command, int exit, String out) {
        if (exit == 0) {
            return new Outcome('2', "2.0.0", "delivered to command: " + command);
        }
        Matcher m = ENHANCED.matcher(out);
        if (m.find() && (m.group(1).equals("4") || m.group(1).equals("5"))) {
            String dsn = m.group(1) + "." + m.group(2) + "." + m.group(3);
            return new Outcome(m.group(1).charAt(0), dsn, out.substring(m.end()));
        }
        String withOutput = out.isEmpty() ? "" : ". Command output: " + out;
        SysExit s = SysExit.of(exit);
        if (s != null) {
            return new Outcome(s.dsn().charAt(0), s.dsn(), s.text() + withOutput);
        }
        if (exit > 128 && exit < 128 + 65) {
            // the JDK reports death by signal N as 128 + N
            return new Outcome('4', "4.3.0", "Command died with signal " + (exit - 128) + ": \"" + command + "\""
                    + withOutput);
        }
        return new Outcome('5', "5.3.0", "Command died with status " + exit + ": \"" + command + "\"" + withOutput);
    }

    /** PipeChannel - a command's standard input that remembers whether writing to it failed. */
    private static final class PipeChannel implements WritableByteChannel {
        private final OutputStream out;
        volatile boolean failed;
        private boolean open = true;

        PipeChannel(OutputStream out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            try {
                out.write(src.array(), src.arrayOffset() + src.position(), n);
            } catch (IOException e) {
                failed = true;
                throw e;
            }
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
            try {
                out.close();
            } catch (IOException e) {
                failed = true;
            }
        }
    }

    /** needsShell - shell magic characters, or a first word that only the shell knows (exit, cd, ...). */
    static boolean needsShell(String command) {
        for (int i = 0; i < command.length(); i++) {
            if (SHELL_MAGIC.indexOf(command.charAt(i)) >= 0) {
                return true;
            }
        }
        String first = command.strip().split("[ \t]+", 2)[0];
        return SHELL_BUILTINS.contains(first);
    }

    private static void readBounded(InputStream in, ByteArrayOutputStream out) {
        byte[] b = new byte[4096];
        try (in) {
            for (int n; (n = in.read(b)) >= 0; ) {
                synchronized (out) {
                    int room = OUTPUT_LIMIT - out.size();
                    if (room > 0) {
                        out.write(b, 0, Math.min(room, n));
                    }
                }
            }
        } catch (IOException e) {
            // the command is gone; what we have is what it said
        }
    }

    /** printable - command output as one line: line ends and tabs become spaces, other controls '_'. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == '\t') {
                b.append(' ');
            } else if (c < 32 || c == 127) {
                b.append('_');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** SysExit - the sysexits.h codes and their delivery status, as Postfix reads them. */
    record SysExit(int code, String dsn, String text) {
        private static final SysExit[] TABLE = {
                new SysExit(64, "5.3.0", "command line usage error"),
                new SysExit(65, "5.6.0", "data format error"),
                new SysExit(66, "5.3.0", "cannot open input"),
                new SysExit(67, "5.1.1", "user unknown"),
                new SysExit(68, "5.1.2", "host name unknown"),
                new SysExit(69, "5.3.0", "service unavailable"),
                new SysExit(70, "5.3.0", "internal software error"),
                new SysExit(71, "4.3.0", "system resource problem"),
                new SysExit(72, "5.3.0", "critical OS file missing"),
                new SysExit(73, "5.2.0", "can't create user output file"),
                new SysExit(74, "5.3.0", "input/output error"),
                new SysExit(75, "4.3.0", "temporary failure"),
                new SysExit(76, "5.5.0", "remote error in protocol"),
                new SysExit(77, "5.7.0", "permission denied"),
                new SysExit(78, "5.3.5", "local configuration error"),
        };

        static SysExit of(int code) {
            return code >= 64 && code <= 78 ? TABLE[code - 64] : null;
        }
    }
}
