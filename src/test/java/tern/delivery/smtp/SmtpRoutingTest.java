package tern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.delivery.Fixture;
import tern.delivery.RecipientResult;
import tern.delivery.TestSmtpServer;
import tern.dns.Dnsmasq;
import tern.dns.HostsFile;
import tern.dns.Resolver;
import tern.queue.Envelope;

/**
 * SmtpRoutingTest - next hops that need DNS: MX records served by a private dnsmasq on a high
 * loopback port (the resolver is pointed at it directly), servers on 127.0.0.x at one shared port.
 */
class SmtpRoutingTest {
    @TempDir
    Path tmp;
    Fixture fx;
    Dnsmasq dns;
    Resolver resolver;
    SmtpAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Dnsmasq.available(), "dnsmasq is not installed");
        fx = new Fixture(tmp);
        dns = Dnsmasq.start(tmp,
                "--host-record=mx1.a.test,127.0.0.3", "--host-record=mx2.a.test,127.0.0.4",
                "--mx-host=a.test,mx1.a.test,10", "--mx-host=a.test,mx2.a.test,20",
                "--host-record=plain.test,127.0.0.1",
                "--host-record=mx.loop.test,127.0.0.1", "--mx-host=loop.test,mx.loop.test,10",
                "--mx-host=nohost.test,missing.nohost.test,10");
        Path hosts = tmp.resolve("hosts");
        Files.writeString(hosts, "::1 localhost\n127.0.0.1 localhost\n");
        resolver = new Resolver(dns.resolvConf(), new HostsFile(hosts));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (agent != null) {
            agent.close();
        }
        if (dns != null) {
            dns.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private SmtpAgent agent(String mainCf, List<InetSocketAddress> listening) throws Exception {
        agent = new SmtpAgent(fx.context(fx.config(mainCf, Map.of()), "smtp", "smtp", List.of()), resolver, listening);
        return agent;
    }

    private RecipientResult deliverOne(String rcpt, String nexthop) throws IOException {
        Envelope e = fx.write(new Fixture.Message("s@example.org", List.of(rcpt), Map.of(),
                List.of("Subject: x", "", "body")));
        Fixture.Results res = new Fixture.Results();
        agent.deliver(fx.request(e, "smtp", nexthop), res);
        assertThat(res.all).hasSize(1);
        return res.all.get(0);
    }

    @Test
    void mxPreferenceWithFallbackToTheNextExchanger() throws Exception {
        try (TestSmtpServer mx1 = TestSmtpServer.tcp("127.0.0.3")) {
            try (TestSmtpServer mx2 = bindSamePort("127.0.0.4", mx1.port())) {
                assumeTrue(mx2 != null, "port not free on 127.0.0.4");
                mx1.replies.put("RCPT", "451 4.3.0 try the backup");
                agent("", List.of());
                RecipientResult r = deliverOne("u@a.test", "a.test:" + mx1.port());
                assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
                assertThat(r.relay()).isEqualTo("mx2.a.test[127.0.0.4]:" + mx1.port());
                assertThat(mx1.messages).isEmpty();
                assertThat(mx2.messages).hasSize(1);
                assertThat(fx.log()).contains("host mx1.a.test[127.0.0.3] said: 451 4.3.0 try the backup"
                        + " (in reply to RCPT TO command)");
            }
        }
    }

    private static TestSmtpServer bindSamePort(String addr, int port) {
        try {
            return TestSmtpServer.tcp(addr, port);
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void bothExchangersDownDefersWithTheLastReason() throws Exception {
        int port = Fixture.freePort();
        agent("", List.of());
        RecipientResult r = deliverOne("u@a.test", "a.test:" + port);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.4.1");
        assertThat(r.relay()).isEqualTo("none");
        assertThat(r.text()).isEqualTo("connect to mx2.a.test[127.0.0.4]:" + port + ": Connection refused");
        assertThat(fx.log()).contains("connect to mx1.a.test[127.0.0.3]:" + port + ": Connection refused");
    }

    @Test
    void noMxFallsBackToTheAddress() throws Exception {
        try (TestSmtpServer s = TestSmtpServer.tcp()) {
            agent("", List.of());
            RecipientResult r = deliverOne("u@plain.test", "plain.test:" + s.port());
            assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(r.relay()).isEqualTo("plain.test[127.0.0.1]:" + s.port());
        }
    }

    @Test
    void unknownDomainBounces() throws Exception {
        agent("", List.of());
        RecipientResult r = deliverOne("u@nope.test", "nope.test");
        assertThat(r.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.4.4");
        assertThat(r.text()).isEqualTo(
                "Host or domain name not found. Name service error for name=nope.test type=A: Host not found");
        RecipientResult t = deliverOne("u@example.com", "example.com");
        assertThat(t.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(t.dsn()).isEqualTo("4.4.3");
        assertThat(t.text()).isEqualTo("Host or domain name not found. Name service error for name=example.com"
                + " type=MX: Host not found, try again");
        RecipientResult h = deliverOne("u@nohost.test", "nohost.test");
        assertThat(h.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(h.text()).isEqualTo("Host or domain name not found. Name service error for"
                + " name=missing.nohost.test type=A: Host not found");
    }

    @Test
    void aBrokenRelayhostIsAConfigurationProblemNotABounce() throws Exception {
        agent("relayhost = [nope.test]\n", List.of());
        RecipientResult r = deliverOne("u@example.com", "[nope.test]");
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.3.5");
        assertThat(r.text()).isEqualTo(
                "Host or domain name not found. Name service error for name=nope.test type=A: Host not found");
        assertThat(fx.log()).contains("warning: relayhost configuration problem");
    }

    @Test
    void mxPointingBackHereLoops() throws Exception {
        try (TestSmtpServer s = TestSmtpServer.tcp()) {
            agent("", List.of(new InetSocketAddress("127.0.0.1", s.port())));
            RecipientResult r = deliverOne("u@loop.test", "loop.test:" + s.port());
            assertThat(r.status()).isEqualTo(RecipientResult.Status.BOUNCED);
            assertThat(r.dsn()).isEqualTo("5.4.6");
            assertThat(r.text()).isEqualTo("mail for loop.test loops back to myself");
            assertThat(s.connections.get()).isZero();
        }
    }

    @Test
    void localhostFallsBackFromIpv6ToIpv4() throws Exception {
        // the seed's Mailman trouble: localhost is ::1 first, where nothing listens
        try (TestSmtpServer s = TestSmtpServer.tcp()) {
            agent("smtp_address_preference = ipv6\n", List.of());
            RecipientResult r = deliverOne("list@example.com", "[localhost]:" + s.port());
            assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(r.relay()).isEqualTo("localhost[127.0.0.1]:" + s.port());
            assertThat(fx.log()).contains("connect to localhost[::1]:" + s.port() + ": ");
        }
    }

    @Test
    void ipv4OnlyNeverTriesIpv6() throws Exception {
        try (TestSmtpServer s = TestSmtpServer.tcp()) {
            agent("inet_protocols = ipv4\n", List.of());
            RecipientResult r = deliverOne("list@example.com", "[localhost]:" + s.port());
            assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(fx.log()).doesNotContain("::1");
        }
    }
}
