package tern.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostfixInstance - a private instance of real Postfix (the reference), set up as
 * /work/shared/notes/postfix-reference-instance.md describes: its own config, queue and data
 * directories under a test directory, smtpd on 127.0.0.1 and a free high port, maillog_file in the
 * directory, no chroot. Extra main.cf settings come from the test. Needs root and /usr/sbin/postfix;
 * {@link #available()} says whether a test can use it. Stopped by close().
 */
public final class PostfixInstance implements AutoCloseable {
    private final Path dir;
    private final int port;

    private PostfixInstance(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static boolean available() {
        try {
            return Files.isExecutable(Path.of("/usr/sbin/postfix")) && Files.exists(Path.of("/etc/postfix/master.cf"))
                    && "0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** start - set up and start an instance in dir (under /tmp) with these main.cf settings. */
    public static PostfixInstance start(Path dir, List<String> settings) throws IOException, InterruptedException {
        return start(dir, settings, List.of());
    }

    /** start - the same, with extra master.cf lines (transport services). */
    public static PostfixInstance start(Path dir, List<String> settings, List<String> masterCf)
            throws IOException, InterruptedException {
        int port = Fixture.freePort();
        Path etc = dir.resolve("etc");
        Files.createDirectories(etc);
        // the postfix user must reach data_directory: open up the test directories on the way
        for (Path p = dir; p != null && p.startsWith(Path.of("/tmp")) && !p.equals(Path.of("/tmp")); p = p.getParent()) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.createDirectories(dir.resolve("spool"));
        Files.createDirectories(dir.resolve("data"));
        run("chown", "postfix", dir.resolve("data").toString());
        Files.copy(Path.of("/etc/postfix/master.cf"), etc.resolve("master.cf"));
        Files.writeString(etc.resolve("main.cf"), "");
        List<String> cmd = new ArrayList<>(List.of("postconf", "-c", etc.toString(), "-e",
                "queue_directory = " + dir.resolve("spool"), "data_directory = " + dir.resolve("data"),
                "maillog_file = " + dir.resolve("maillog"), "maillog_file_prefixes = /tmp",
                "compatibility_level = 3.6", "inet_interfaces = 127.0.0.1", "inet_protocols = ipv4",
                "myhostname = mx.example.test", "mydestination =", "alias_maps =", "alias_database =",
                "smtp_dns_support_level = disabled", "mynetworks = 127.0.0.0/8"));
        cmd.addAll(settings);
        run(cmd.toArray(new String[0]));
        // master.cf: smtpd on our port, no chroot, postlog for maillog_file
        List<String> lines = new ArrayList<>();
        Pattern chroot = Pattern.compile("^(\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+)[-y](\\s.*)$");
        for (String l : Files.readAllLines(etc.resolve("master.cf"))) {
            if (l.startsWith("smtp      inet")) {
                l = "127.0.0.1:" + port + l.substring(4);
            } else if (l.startsWith("#postlog")) {
                l = l.substring(1);
            }
            Matcher m = chroot.matcher(l);
            if (!l.startsWith("#") && !l.isBlank() && !Character.isWhitespace(l.charAt(0)) && m.matches()) {
                l = m.group(1) + "n" + m.group(2);
            }
            lines.add(l);
        }
        lines.addAll(masterCf);
        Files.write(etc.resolve("master.cf"), lines);
        try {
            run("postfix", "-c", etc.toString(), "start");
        } catch (IOException e) {
            Path log = dir.resolve("maillog");
            throw new IOException(e.getMessage() + (Files.exists(log) ? Files.readString(log) : ""), e);
        }
        PostfixInstance p = new PostfixInstance(dir, port);
        Fixture.awaitListening("127.0.0.1", port);
        return p;
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + new String(out));
        }
    }

    public int port() {
        return port;
    }

    public String maillog() throws IOException {
        Path l = dir.resolve("maillog");
        return Files.exists(l) ? Files.readString(l) : "";
    }

    /** awaitLog - the first maillog line matching regex, waiting up to timeoutSeconds; null if none. */
    public String awaitLog(String regex, int timeoutSeconds) throws IOException, InterruptedException {
        Pattern p = Pattern.compile(regex);
        long end = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (true) {
            for (String l : maillog().split("\n")) {
                if (p.matcher(l).find()) {
                    return l;
                }
            }
            if (System.nanoTime() > end) {
                return null;
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("postfix", "-c", dir.resolve("etc").toString(), "stop");
    }
}
