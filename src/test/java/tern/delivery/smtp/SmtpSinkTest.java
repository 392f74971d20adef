package tern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.delivery.Fixture;
import tern.delivery.RecipientResult;
import tern.dns.HostsFile;
import tern.dns.ResolvConf;
import tern.dns.Resolver;
import tern.queue.Envelope;

/**
 * SmtpSinkTest - the SMTP client against Postfix's own smtp-sink: what the receiver saw (dump files
 * with X-Client-Addr, X-Mail-Args, X-Rcpt-Args), the bind address, and that a burst of messages to
 * one destination reuses a few connections instead of opening one per message (smtp-sink -c counts
 * the sessions).
 */
class SmtpSinkTest {
    static final Path SINK = Path.of("/usr/sbin/smtp-sink");
    @TempDir
    Path tmp;
    Fixture fx;
    Process sink;
    Path dumps;
    Path counters;
    int port;
    SmtpAgent agent;
    final Resolver dns = new Resolver(ResolvConf.of(List.of(new java.net.InetSocketAddress("127.0.0.1", 9)),
            java.time.Duration.ofMillis(200), 1), new HostsFile(Path.of("/nonexistent")));

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.isExecutable(SINK), "smtp-sink is not installed");
        assumeTrue("0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))),
                "smtp-sink is run as root with -u postfix");
        fx = new Fixture(tmp);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        dumps = tmp.resolve("dumps");
        Files.createDirectories(dumps);
        Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
        counters = tmp.resolve("sink.out");
        port = Fixture.freePort();
        sink = new ProcessBuilder(SINK.toString(), "-u", "postfix", "-c", "-d", dumps + "/%M.", "127.0.0.1:" + port,
                "100").redirectErrorStream(true).redirectOutput(counters.toFile()).start();
        Fixture.awaitListening("127.0.0.1", port);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (sink != null) {
            sink.destroy();
            sink.waitFor();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private Envelope message(String... rcpts) throws IOException {
        return fx.write(new Fixture.Message("sender@example.org", List.of(rcpts), Map.of("body", "8BITMIME"),
                List.of("From: sender@example.org", "Subject: sink test", "", "Hello, sink.")));
    }

    private List<String> dumpFiles() throws IOException {
        try (Stream<Path> s = Files.list(dumps)) {
            List<String> out = new ArrayList<>();
            for (Path p : s.toList()) {
                out.add(Files.readString(p));
            }
            return out;
        }
    }

    @Test
    void theReceiverSeesTheEnvelopeAndTheBindAddress() throws Exception {
        agent = new SmtpAgent(fx.context(fx.config("smtp_bind_address = 127.0.0.2\n", Map.of()), "smtpinternal",
                "smtp", List.of()), dns, List.of());
        Envelope e = message("a@example.com", "b@example.com");
        Fixture.Results res = new Fixture.Results();
        agent.deliver(fx.request(e, "smtpinternal", "[127.0.0.1]:" + port), res);
        for (RecipientResult r : res.all) {
            assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(r.relay()).isEqualTo("127.0.0.1[127.0.0.1]:" + port);
            assertThat(r.text()).isEqualTo("250 2.0.0 Ok");
        }
        agent.close();
        List<String> d = awaitDumps(1);
        assertThat(d.get(0)).startsWith("X-Client-Addr: 127.0.0.2\nX-Client-Proto: ESMTP\nX-Helo-Args: tern.test\n"
                + "X-Mail-Args: <sender@example.org> BODY=8BITMIME\n" // smtp-sink offers no SIZE
                + "X-Rcpt-Args: <a@example.com>\nX-Rcpt-Args: <b@example.com>\n");
        assertThat(d.get(0)).contains("\nFrom: sender@example.org\nSubject: sink test\n\nHello, sink.\n");
    }

    @Test
    void aBurstReusesConnections() throws Exception {
        agent = new SmtpAgent(fx.context(fx.config("", Map.of()), "smtp", "smtp", List.of()), dns, List.of());
        int messages = 200;
        int threads = 4;
        List<Envelope> envs = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            envs.add(message("r" + i + "@example.com"));
        }
        Fixture.Results res = new Fixture.Results();
        long t0 = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            workers.add(Thread.ofVirtual().start(() -> {
                for (int i = first; i < messages; i += threads) {
                    agent.deliver(fx.request(envs.get(i), "smtp", "[127.0.0.1]:" + port), res);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(res.all).hasSize(messages);
        assertThat(res.all).allMatch(r -> r.status() == RecipientResult.Status.SENT);
        agent.close();
        int sessions = awaitSessions() - 1; // the first session was setUp's check that the sink listens
        System.out.println("smtp-sink burst: " + messages + " messages in " + millis + " ms over " + sessions
                + " sessions");
        assertThat(sessions).isBetween(1, threads);
    }

    private List<String> awaitDumps(int n) throws Exception {
        for (int i = 0; i < 50; i++) {
            List<String> d = dumpFiles();
            if (d.size() >= n && d.stream().allMatch(s -> s.endsWith("\n"))) {
                return d;
            }
            Thread.sleep(100);
        }
        return dumpFiles();
    }

    /** awaitSessions - the last "sess=N" count smtp-sink printed, once it stops changing. */
    private int awaitSessions() throws Exception {
        Pattern p = Pattern.compile("sess=(\\d+) quit=(\\d+) mesg=(\\d+)");
        int last = -1;
        for (int i = 0; i < 30; i++) {
            Thread.sleep(100);
            Matcher m = p.matcher(Files.readString(counters));
            int sess = -1;
            int mesg = -1;
            while (m.find()) {
                sess = Integer.parseInt(m.group(1));
                mesg = Integer.parseInt(m.group(3));
            }
            if (mesg >= 200 && sess == last && sess > 0) {
                return sess;
            }
            last = sess;
        }
        return last;
    }
}
