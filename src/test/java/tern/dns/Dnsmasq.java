package tern.dns;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Dnsmasq - a private dnsmasq on 127.0.0.1 and a free high port, serving the records a test gives
 * (dnsmasq option syntax: "--host-record=mx1.a.test,127.0.0.3", "--mx-host=a.test,mx1.a.test,10").
 * Names under .test and reverse names are local: unknown ones are NXDOMAIN; anything else is
 * REFUSED. Queries are logged to a file, for tests that check what was asked.
 *
 * A test points a {@link Resolver} at it with {@link #resolvConf()}; a daemon started by a test
 * can be pointed at it with the environment variable TERN_DNS_SERVERS=127.0.0.1:PORT (see
 * {@link ResolvConf}). Skipped tests when /usr/sbin/dnsmasq is missing: see {@link #available()}.
 */
public final class Dnsmasq implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    private final Process process;
    private final int port;
    private final Path log;

    private Dnsmasq(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    public static Dnsmasq start(Path dir, String... records) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freeUdpPort();
            Path log = dir.resolve("dnsmasq-" + port + ".log");
            List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--keep-in-foreground", "--conf-file=/dev/null",
                    "--no-resolv", "--no-hosts", "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + port,
                    "--user=root", "--pid-file=", "--cache-size=0", "--local-ttl=0", "--local=/test/",
                    "--local=/in-addr.arpa/", "--log-queries", "--log-facility=" + log));
            cmd.addAll(List.of(records));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dnsmasq-" + port + ".out").toFile()).start();
            Dnsmasq d = new Dnsmasq(p, port, log);
            if (d.awaitReady()) {
                return d;
            }
            d.close();
            last = new IOException("dnsmasq did not start on port " + port + ": "
                    + Files.readString(dir.resolve("dnsmasq-" + port + ".out")));
        }
        throw last;
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return s.getLocalPort();
        }
    }

    /** awaitReady - ask until dnsmasq answers (at most 5 s), false when it died. */
    private boolean awaitReady() throws InterruptedException {
        Resolver r = new Resolver(resolvConf(Duration.ofMillis(200)), new HostsFile(Path.of("/nonexistent")));
        for (int i = 0; i < 25; i++) {
            if (!process.isAlive()) {
                return false;
            }
            if (!r.a("ready.probe.test").temporary()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    public int port() {
        return port;
    }

    public ResolvConf resolvConf() {
        return resolvConf(Duration.ofSeconds(2));
    }

    public ResolvConf resolvConf(Duration timeout) {
        return ResolvConf.of(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)), timeout, 2);
    }

    /** queries - how many queries dnsmasq logged for name (any type). */
    public long queries(String name) throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        return Files.readAllLines(log).stream().filter(l -> l.contains("query[") && l.contains(" " + name + " from"))
                .count();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

}
