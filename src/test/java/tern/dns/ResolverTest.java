package tern.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ResolverTest - the resolver against a private dnsmasq on a high loopback port. */
class ResolverTest {
    @TempDir
    static Path tmp;
    static Dnsmasq dns;
    static Resolver resolver;
    static Path hosts;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Dnsmasq.available(), "dnsmasq is not installed");
        dns = Dnsmasq.start(tmp,
                "--host-record=mx1.a.test,127.0.0.3",
                "--host-record=mx2.a.test,127.0.0.4",
                "--mx-host=a.test,mx2.a.test,20",
                "--mx-host=a.test,mx1.a.test,10",
                "--host-record=dual.test,127.0.0.5,::5",
                "--host-record=cached.test,127.0.0.6,300",
                "--txt-record=txt.test,v=spf1 -all",
                "--cname=alias.test,mx1.a.test");
        hosts = tmp.resolve("hosts");
        Files.writeString(hosts, "127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.1.1 box.example box\n");
        resolver = new Resolver(dns.resolvConf(), new HostsFile(hosts));
    }

    @AfterAll
    static void stop() {
        if (dns != null) {
            dns.close();
        }
    }

    private static InetAddress ip(String s) {
        return Addresses.parseNumeric(s);
    }

    @Test
    void mxRecords() {
        DnsAnswer<Mx> a = resolver.mx("a.test");
        assertThat(a.status()).isEqualTo(DnsAnswer.Status.FOUND);
        assertThat(a.records()).containsExactlyInAnyOrder(new Mx(10, "mx1.a.test"), new Mx(20, "mx2.a.test"));
    }

    @Test
    void addressesOfBothFamilies() {
        assertThat(resolver.addresses("dual.test", true, true).records()).containsExactly(ip("127.0.0.5"), ip("::5"));
        assertThat(resolver.addresses("dual.test", false, true).records()).containsExactly(ip("::5"));
        assertThat(resolver.a("mx1.a.test").records()).containsExactly(ip("127.0.0.3"));
    }

    @Test
    void notFoundNoDataAndTemporaryFailures() {
        DnsAnswer<InetAddress> nx = resolver.a("nope.test");
        assertThat(nx.status()).isEqualTo(DnsAnswer.Status.NOT_FOUND);
        assertThat(nx.error()).isEqualTo("Name service error for name=nope.test type=A: Host not found");
        DnsAnswer<Mx> noData = resolver.mx("mx1.a.test");
        assertThat(noData.status()).isEqualTo(DnsAnswer.Status.NO_DATA);
        DnsAnswer<InetAddress> refused = resolver.a("example.com");
        assertThat(refused.status()).isEqualTo(DnsAnswer.Status.TRY_AGAIN);
        assertThat(refused.error()).isEqualTo("Name service error for name=example.com type=A: Host not found, try again");
        assertThat(resolver.a("bad..name").status()).isEqualTo(DnsAnswer.Status.FAIL);
    }

    @Test
    void silentServerIsATemporaryFailure() throws Exception {
        int port;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = s.getLocalPort();
            Resolver r = new Resolver(ResolvConf.of(List.of(new InetSocketAddress("127.0.0.1", port)),
                    Duration.ofMillis(200), 2), new HostsFile(hosts));
            long t0 = System.nanoTime();
            assertThat(r.mx("a.test").status()).isEqualTo(DnsAnswer.Status.TRY_AGAIN);
            assertThat(System.nanoTime() - t0).isLessThan(3_000_000_000L);
        }
    }

    @Test
    void txtPtrAndCname() {
        assertThat(resolver.txt("txt.test").records()).containsExactly("v=spf1 -all");
        assertThat(resolver.ptr(ip("127.0.0.3")).records()).containsExactly("mx1.a.test");
        assertThat(resolver.a("alias.test").records()).containsExactly(ip("127.0.0.3"));
    }

    @Test
    void answersAreCachedForTheirTtl() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(resolver.a("cached.test").records()).containsExactly(ip("127.0.0.6"));
            assertThat(resolver.a("mx2.a.test").records()).containsExactly(ip("127.0.0.4"));
        }
        Thread.sleep(300); // dnsmasq writes its log asynchronously
        assertThat(dns.queries("cached.test")).isEqualTo(1);
        assertThat(dns.queries("mx2.a.test")).isGreaterThanOrEqualTo(3); // TTL 0: never kept
    }

    @Test
    void hostLookupHonoursEtcHostsAndLocalhost() throws Exception {
        // localhost never goes to DNS, and gets every address /etc/hosts lists for it
        assertThat(resolver.host("localhost", true, false, true, true).records())
                .containsExactly(ip("127.0.0.1"), ip("::1"));
        assertThat(resolver.host("localhost", true, false, true, false).records()).containsExactly(ip("127.0.0.1"));
        // "dns" alone does not read /etc/hosts; "dns, native" does after DNS said no
        assertThat(resolver.host("box.example", true, false, true, true).status()).isEqualTo(DnsAnswer.Status.TRY_AGAIN);
        assertThat(resolver.host("box", true, true, true, true).status()).isEqualTo(DnsAnswer.Status.TRY_AGAIN);
        assertThat(resolver.host("box", false, true, true, true).records()).containsExactly(ip("127.0.1.1"));
        assertThat(resolver.host("mx1.a.test", true, true, true, false).records()).containsExactly(ip("127.0.0.3"));
        assertThat(resolver.host("192.0.2.1", true, true, true, true).records()).containsExactly(ip("192.0.2.1"));
        Thread.sleep(300);
        assertThat(dns.queries("localhost")).isZero();
    }

    @Test
    void resolvConfParsing() throws Exception {
        Path rc = tmp.resolve("resolv.conf");
        Files.writeString(rc, "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver ::1\n"
                + "nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions ndots:2 timeout:3 attempts:4\n");
        ResolvConf c = ResolvConf.read(rc);
        assertThat(c.servers()).containsExactly(new InetSocketAddress(ip("192.0.2.53"), 53),
                new InetSocketAddress(ip("::1"), 53), new InetSocketAddress(ip("10.0.0.1"), 53));
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.attempts()).isEqualTo(4);
        assertThat(ResolvConf.read(tmp.resolve("missing")).servers())
                .containsExactly(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
        assertThat(ResolvConf.parseServers("127.0.0.1:5353, [::1]:54 10.1.1.1 junk"))
                .containsExactly(new InetSocketAddress(ip("127.0.0.1"), 5353), new InetSocketAddress(ip("::1"), 54),
                        new InetSocketAddress(ip("10.1.1.1"), 53));
    }

    @Test
    void addressText() {
        assertThat(Addresses.text(ip("::1"))).isEqualTo("::1");
        assertThat(Addresses.text(ip("2001:db8:0:0:0:0:0:1"))).isEqualTo("2001:db8::1");
        assertThat(Addresses.text(ip("2001:db8:1:0:0:1:0:0"))).isEqualTo("2001:db8:1::1:0:0");
        assertThat(Addresses.parseNumeric("300.1.1.1")).isNull();
        assertThat(Addresses.parseNumeric("example.com")).isNull();
    }
}
