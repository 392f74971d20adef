package tern.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Netns - a private network and mount namespace for end-to-end tests that need DNS and port 25,
 * made as /work/shared/notes/test-network-namespace.md describes: "unshare -mn" brings up its own
 * loopback (all of 127.0.0.0/8 and port 25 are the test's alone; 127.0.0.2 to .9 are also
 * interface addresses, as Postfix's inet_interfaces needs), bind-mounts a resolv.conf naming
 * 127.0.0.1 and a small hosts file over the system's, and runs dnsmasq on 127.0.0.1:53 with the
 * records the test gives. The namespace lives as long as that dnsmasq (the holder process).
 *
 * The test itself stays outside: it starts daemons, sinks and clients inside with
 * "nsenter -t HOLDER -n -m" ({@link #wrap}), and reads their files and UNIX-domain sockets (the
 * daemon's control socket) directly, since those live in the shared file system. Nothing outside
 * can connect in over TCP, so every SMTP client of the test runs inside too ({@link #run}).
 *
 * Needs root, unshare, nsenter and dnsmasq; {@link #unavailable()} says why a test must skip.
 * close() ends what {@link #spawn} started, then the holder; daemons started with "postfix start"
 * must be stopped by the test before (TestInstance.close does).
 */
public final class Netns implements AutoCloseable {
    private final Path dir;
    private final Process holder;
    private final List<Process> children = new ArrayList<>();

    private Netns(Path dir, Process holder) {
        this.dir = dir;
        this.holder = holder;
    }

    /** unavailable - why this machine cannot run namespace tests, or null when it can. */
    public static String unavailable() {
        for (String b : List.of("/usr/bin/unshare", "/usr/bin/nsenter", "/usr/sbin/dnsmasq")) {
            if (!Files.isExecutable(Path.of(b))) {
                return b + " is missing";
            }
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "namespaces need root";
        }
        TestInstance.Result probe = TestInstance.run(List.of("/usr/bin/unshare", "-mn", "--", "true"), null);
        return probe.status() == 0 ? null : "unshare -mn is not permitted here: " + probe.err().strip();
    }

    /**
     * start - a namespace whose dnsmasq serves these records (dnsmasq options such as
     * "--mx-host=b.test,mx.b.test,10"). Names under .test and .internal and reverse names are
     * local (unknown ones NXDOMAIN); anything else is REFUSED.
     */
    public static Netns start(Path dir, String... records) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:2\n");
        Files.writeString(dir.resolve("hosts"), "127.0.0.1\tlocalhost\n");
        Path log = dir.resolve("dnsmasq.log");
        String script = "set -e\n"
                + "ip link set lo up\n"
                // Postfix's inet_interfaces wants an address of an interface, not just one routed to lo
                + "for i in 2 3 4 5 6 7 8 9; do ip addr add 127.0.0.$i/32 dev lo; done\n"
                + "mount --bind \"$D/resolv.conf\" /etc/resolv.conf\n"
                + "mount --bind \"$D/hosts\" /etc/hosts\n"
                + "exec /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --pid-file= "
                + "--listen-address=127.0.0.1 --bind-interfaces --port=53 --user=root --cache-size=0 --local-ttl=0 "
                + "--local=/test/ --local=/internal/ --local=/in-addr.arpa/ --log-queries --log-facility=\"$D/dnsmasq.log\" \"$@\"\n";
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/unshare", "-mn", "--", "sh", "-c", script, "netns"));
        cmd.addAll(List.of(records));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("netns.out").toFile());
        pb.environment().put("D", dir.toString());
        Netns ns = new Netns(dir, pb.start());
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            if (!ns.holder.isAlive()) {
                throw new IOException("namespace holder died: " + Files.readString(dir.resolve("netns.out")));
            }
            if (Files.exists(log) && Files.readString(log).contains("started, version")) {
                return ns;
            }
            Thread.sleep(50);
        }
        ns.close();
        throw new IOException("dnsmasq did not start in the namespace: " + Files.readString(dir.resolve("netns.out")));
    }

    /** wrap - the command line that runs cmd inside the namespace. */
    public List<String> wrap(List<String> cmd) {
        List<String> out = new ArrayList<>(prefix());
        out.addAll(cmd);
        return out;
    }

    /** prefix - what goes before a command to run it inside ("nsenter -t PID -n -m --"). */
    public List<String> prefix() {
        return List.of("/usr/bin/nsenter", "-t", Long.toString(holder.pid()), "-n", "-m", "--");
    }

    /** run - run a command inside, to completion (at most 120 s), with stdin. */
    public TestInstance.Result run(String stdin, String... cmd) {
        return TestInstance.run(wrap(List.of(cmd)), stdin);
    }

    /** spawn - start a long-running process inside (a sink); close() ends it. Output goes to dir/name.out. */
    public Process spawn(String name, String... cmd) throws IOException {
        Process p = new ProcessBuilder(wrap(List.of(cmd))).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile()).start();
        children.add(p);
        return p;
    }

    /**
     * sink - Postfix's smtp-sink on address:25 inside, dumping each message (with the X-Client-Addr:
     * it saw) into a new directory dumps/NAME, which the postfix user can write.
     */
    public Path sink(String name, String address) throws IOException, InterruptedException {
        Path dumps = dir.resolve("dumps").resolve(name);
        Files.createDirectories(dumps);
        Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(dumps.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        spawn("sink-" + name, "/usr/sbin/smtp-sink", "-u", "postfix", "-d", dumps + "/%M.", address + ":25", "20");
        awaitListening(address, 25);
        return dumps;
    }

    /** awaitListening - wait (at most 10 s) until something accepts on address:port inside. */
    public void awaitListening(String address, int port) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            TestInstance.Result r = run(null, "bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + port, "probe");
            if (r.status() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("nothing listens on " + address + ":" + port + " in the namespace");
    }

    /** dnsQueries - dnsmasq's query log lines so far. */
    public String dnsLog() throws IOException {
        Path log = dir.resolve("dnsmasq.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    @Override
    public void close() {
        for (int i = children.size() - 1; i >= 0; i--) {
            stop(children.get(i));
        }
        stop(holder);
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
