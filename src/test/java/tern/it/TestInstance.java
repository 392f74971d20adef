package tern.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * TestInstance - a private Tern instance for integration tests: a directory with its own main.cf
 * (queue, data and log inside it), a master.cf whose SMTP service listens on a free loopback
 * port, and helpers to run the bin/ commands against it ("-c dir") and to wait for log lines.
 * Always stop it (close()) so that no daemon outlives the test.
 */
public final class TestInstance implements AutoCloseable {
    /** Result - what a command did. */
    public record Result(int status, String out, String err) {
    }

    private static final Path HOME = Path.of(System.getProperty("tern.home", ".")).toAbsolutePath().normalize();

    private final Path dir;
    private final int smtpPort;
    /** What goes before every command (nsenter into a test namespace), or nothing. */
    private final List<String> prefix;

    private TestInstance(Path dir, int smtpPort, List<String> prefix) {
        this.dir = dir;
        this.smtpPort = smtpPort;
        this.prefix = prefix;
    }

    /** create - a new instance in dir with the standard test settings plus extra main.cf lines. */
    public static TestInstance create(Path dir, String... mainCfLines) throws IOException {
        int port = freePort();
        Files.createDirectories(dir);
        List<String> main = new ArrayList<>(List.of(
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydomain = example.test",
                "mydestination = $myhostname, localhost.$mydomain, localhost",
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "mynetworks = 127.0.0.0/8",
                "queue_directory = " + dir.resolve("spool"),
                "data_directory = " + dir.resolve("data"),
                "maillog_file = " + dir.resolve("maillog"),
                "maillog_file_prefixes = /",
                "alias_maps =",
                "alias_database ="));
        // a test's setting replaces the standard one of the same name (no "overriding" warnings)
        for (String extra : mainCfLines) {
            String name = extra.split("=", 2)[0].strip();
            main.removeIf(l -> l.split("=", 2)[0].strip().equals(name));
        }
        main.addAll(List.of(mainCfLines));
        Files.write(dir.resolve("main.cf"), main, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("master.cf"), masterCf(port), StandardCharsets.UTF_8);
        return new TestInstance(dir, port, List.of());
    }

    /**
     * inside - the same instance with every command run inside a test namespace (see Netns), so
     * that the daemon it starts listens, resolves and connects there.
     */
    public TestInstance inside(Netns ns) {
        return new TestInstance(dir, smtpPort, ns.prefix());
    }

    /** masterCf - the test master.cf with the SMTP service on 127.0.0.1:port. */
    public static String masterCf(int port) {
        return masterCf("127.0.0.1:" + port);
    }

    /** masterCf - the test master.cf with the SMTP service on endpoint ("127.0.0.3:25"). */
    public static String masterCf(String endpoint) {
        return endpoint + " inet n - n - - smtpd\n"
                + "pickup unix n - n 60 1 pickup\n"
                + "cleanup unix n - n - 0 cleanup\n"
                + "qmgr unix n - n 300 1 qmgr\n"
                + "rewrite unix - - n - - trivial-rewrite\n"
                + "bounce unix - - n - 0 bounce\n"
                + "defer unix - - n - 0 bounce\n"
                + "smtp unix - - n - - smtp\n"
                + "relay unix - - n - - smtp\n"
                + "local unix - n n - - local\n"
                + "virtual unix - n n - - virtual\n"
                + "error unix - - n - - error\n"
                + "retry unix - - n - - error\n"
                + "discard unix - - n - - discard\n";
    }

    public Path dir() {
        return dir;
    }

    public int smtpPort() {
        return smtpPort;
    }

    public Path maillog() {
        return dir.resolve("maillog");
    }

    /** command - run bin/NAME -c dir args..., with a time limit. */
    public Result command(String name, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(HOME.resolve("bin").resolve(name).toString());
        cmd.add("-c");
        cmd.add(dir.toString());
        cmd.addAll(List.of(args));
        return run(cmd, null);
    }

    /** run - run any command line, stdin from the given text (or empty), with a 120 s limit. */
    public static Result run(List<String> cmd, String stdin) {
        try {
            Path out = Files.createTempFile("tern-out", ".txt");
            Path err = Files.createTempFile("tern-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + cmd);
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** postfix - bin/postfix -c dir args. */
    public Result postfix(String... args) {
        return command("postfix", args);
    }

    /** start - postfix start, failing the test when it fails. */
    public TestInstance start() {
        Result r = postfix("start");
        if (r.status() != 0) {
            throw new IllegalStateException("postfix start failed: " + r + "\nlog:\n" + log());
        }
        return this;
    }

    /** log - the whole maillog so far ("" when none). */
    public String log() {
        try {
            return Files.exists(maillog()) ? Files.readString(maillog()) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** awaitLog - wait (at most timeoutMillis) for a log line that matches; returns it, or null. */
    public String awaitLog(Predicate<String> match, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        do {
            for (String line : log().split("\n")) {
                if (match.test(line)) {
                    return line;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        } while (System.currentTimeMillis() < deadline);
        return null;
    }

    /** freePort - a loopback port nobody listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** close - stop the daemon if it runs (abort when stop does not work). */
    @Override
    public void close() {
        Result r = postfix("status");
        if (r.status() == 0) {
            Result s = postfix("stop");
            if (s.status() != 0) {
                postfix("abort");
            }
        }
    }
}
