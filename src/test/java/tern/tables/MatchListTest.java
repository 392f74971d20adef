package tern.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MatchListTest {
    private final List<String> warnings = new ArrayList<>();
    private final TableOpener opener = TableOpener.standalone(warnings::add);

    @TempDir
    Path dir;

    @Test
    void domainMatchesItselfAnyCase() throws Exception {
        MatchList l = MatchList.domains("mydestination", "mx.example.com, localhost.example.com localhost", opener);
        assertThat(l.matchesDomain("MX.Example.COM")).isTrue();
        assertThat(l.matchesDomain("localhost")).isTrue();
        assertThat(l.matchesDomain("sub.mx.example.com")).isFalse();
        assertThat(l.matchesDomain("example.com")).isFalse();
    }

    @Test
    void dotFormMatchesSubdomainsWithoutParentFlag() throws Exception {
        MatchList l = MatchList.domains("mydestination", ".example.com", opener);
        assertThat(l.matchesDomain("a.example.com")).isTrue();
        assertThat(l.matchesDomain("a.b.example.com")).isTrue();
        assertThat(l.matchesDomain("example.com")).isFalse();
        assertThat(l.matchesDomain("badexample.com")).isFalse();
    }

    @Test
    void parentFlagMakesDomainMatchSubdomains() throws Exception {
        MatchList relay = MatchList.domains("relay_domains", "example.com", opener);
        assertThat(relay.matchesDomain("example.com")).isTrue();
        assertThat(relay.matchesDomain("a.b.example.com")).isTrue();
        assertThat(relay.matchesDomain("badexample.com")).isFalse();
        MatchList virt = MatchList.domains("virtual_alias_domains", "example.com", opener);
        assertThat(virt.matchesDomain("a.example.com")).isFalse();
        MatchList none = MatchList.domains("relay_domains", "example.com",
                opener.withParentDomainMatches(List.of()));
        assertThat(none.matchesDomain("a.example.com")).isFalse();
    }

    @Test
    void negationStopsTheSearch() throws Exception {
        MatchList l = MatchList.domains("relay_domains", "!bad.example.com, example.com", opener);
        assertThat(l.matchesDomain("bad.example.com")).isFalse();
        assertThat(l.matchesDomain("x.bad.example.com")).isFalse();
        assertThat(l.matchesDomain("good.example.com")).isTrue();
    }

    @Test
    void tableLookupsTryParentDomains() throws Exception {
        MatchList withParent = MatchList.domains("relay_domains", "inline:{example.com=x}", opener);
        assertThat(withParent.matchesDomain("a.b.EXAMPLE.com")).isTrue();
        MatchList withoutParent = MatchList.domains("virtual_mailbox_domains", "inline:{example.com=x, .sub.org=y}", opener);
        assertThat(withoutParent.matchesDomain("example.com")).isTrue();
        assertThat(withoutParent.matchesDomain("a.example.com")).isFalse();
        assertThat(withoutParent.matchesDomain("a.b.sub.org")).isTrue();
        assertThat(withoutParent.matchesDomain("sub.org")).isFalse();
    }

    @Test
    void fileIsReplacedByItsPatternsAndNegatedAsAWhole() throws Exception {
        Path f = dir.resolve("domains");
        Files.writeString(f, "# local domains\none.example, two.example\n  three.example\n");
        MatchList l = MatchList.domains("mydestination", f.toString(), opener);
        assertThat(l.matchesDomain("three.example")).isTrue();
        MatchList neg = MatchList.domains("mydestination", "!" + f + " .example", opener);
        assertThat(neg.matchesDomain("two.example")).isFalse();
        assertThat(neg.matchesDomain("four.example")).isTrue();
    }

    @Test
    void brokenPatternsFailTheMatchThatReachesThem() throws Exception {
        // As Postfix: logged once, the list is built, a match reaching the pattern is an error.
        MatchList l = MatchList.domains("mydestination", "example.com " + dir.resolve("nope"), opener);
        assertThat(l.matchesDomain("example.com")).isTrue();
        assertThatThrownBy(() -> l.matchesDomain("other.com"))
                .isInstanceOf(TableException.class)
                .hasMessage("mydestination: open " + dir.resolve("nope") + ": No such file or directory");
        MatchList t = MatchList.domains("relay_domains", "foo:bar", opener);
        assertThatThrownBy(() -> t.matchesDomain("example.com"))
                .hasMessage("relay_domains: foo:bar is unavailable. unsupported dictionary type: foo");
        assertThat(warnings).containsExactly("mydestination: open " + dir.resolve("nope") + ": No such file or directory",
                "unsupported dictionary type: foo");
    }

    @Test
    void tableErrorDuringMatchIsAnError() throws Exception {
        MatchList l = MatchList.domains("relay_domains", "fail:x", opener);
        assertThatThrownBy(() -> l.matchesDomain("example.com")).isInstanceOf(TableException.class);
        MatchList missing = MatchList.domains("relay_domains", "texthash:" + dir.resolve("none"), opener);
        assertThatThrownBy(() -> missing.matchesDomain("example.com")).hasMessageContaining("No such file");
    }

    @Test
    void mynetworksAddressesAndNetworks() throws Exception {
        MatchList l = MatchList.hosts("mynetworks",
                "127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 !192.168.1.7, 192.168.0.0/16 10.1.2.3 [2001:db8::]/32", opener);
        assertThat(l.matchesClient("localhost", "127.0.0.1")).isTrue();
        assertThat(l.matchesClient("unknown", "::1")).isTrue();
        assertThat(l.matchesClient("unknown", "192.168.44.1")).isTrue();
        assertThat(l.matchesClient("unknown", "192.168.1.7")).isFalse();
        assertThat(l.matchesClient("unknown", "10.1.2.3")).isTrue();
        assertThat(l.matchesClient("unknown", "10.1.2.4")).isFalse();
        assertThat(l.matchesClient("unknown", "2001:DB8:0::55")).isTrue();
        assertThat(l.matchesClient("unknown", "2001:db9::1")).isFalse();
        assertThat(l.matchesClient("unknown", "8.8.8.8")).isFalse();
    }

    @Test
    void hostNamesMatchWithParentDomains() throws Exception {
        MatchList l = MatchList.hosts("debug_peer_list", "example.com", opener);
        assertThat(l.matchesClient("mail.example.com", "192.0.2.1")).isTrue();
        assertThat(l.matchesClient("unknown", "192.0.2.1")).isFalse();
        MatchList strict = MatchList.hosts("smtpd_client_event_limit_exceptions", ".example.com, host.org", opener
                .withParentDomainMatches(List.of()));
        assertThat(strict.matchesClient("mail.example.com", "192.0.2.1")).isTrue();
        assertThat(strict.matchesClient("example.com", "192.0.2.1")).isFalse();
        assertThat(strict.matchesClient("HOST.org", "192.0.2.1")).isTrue();
    }

    @Test
    void hostTablesSeeNameThenAddress() throws Exception {
        MatchList l = MatchList.hosts("mynetworks", "inline:{192.0.2.9=ok, example.net=ok}", opener);
        assertThat(l.matchesClient("unknown", "192.0.2.9")).isTrue();
        assertThat(l.matchesClient("a.example.net", "192.0.2.1")).isTrue();
        assertThat(l.matchesClient("unknown", "192.0.2.1")).isFalse();
        Path cidr = dir.resolve("nets.cidr");
        Files.writeString(cidr, "192.0.2.0/24 ok\n");
        MatchList c = MatchList.hosts("mynetworks", "cidr:" + cidr, opener);
        assertThat(c.matchesClient("unknown", "192.0.2.200")).isTrue();
        assertThat(c.matchesClient("unknown", "198.51.100.1")).isFalse();
    }

    @Test
    void badNetworksAreErrorsWithPostfixWording() throws Exception {
        MatchList l = MatchList.hosts("mynetworks", "127.0.0.0/8, 192.168.1.1/24, 10.0.0.0/33", opener);
        assertThat(l.matchesClient("localhost", "127.0.0.1")).isTrue();
        assertThatThrownBy(() -> l.matchesClient("unknown", "192.168.1.1"))
                .hasMessage("mynetworks: non-null host address bits in \"192.168.1.1/24\", perhaps you should use "
                        + "\"192.168.1.0/24\" instead");
        assertThat(warnings).containsExactly(
                "mynetworks: non-null host address bits in \"192.168.1.1/24\", perhaps you should use "
                        + "\"192.168.1.0/24\" instead",
                "mynetworks: bad mask length in \"10.0.0.0/33\"");
        // A bare IPv6 address reads as type:table, as in Postfix.
        MatchList v6 = MatchList.hosts("mynetworks", "2001:db8::/32", opener);
        assertThatThrownBy(() -> v6.matchesClient("unknown", "2001:db8::1"))
                .hasMessage("mynetworks: 2001:db8::/32 is unavailable. unsupported dictionary type: 2001");
        // An unterminated "[" is no address: a name pattern that matches nothing, as in Postfix.
        MatchList odd = MatchList.hosts("mynetworks", "[1.2.3.4 127.0.0.0/8", opener);
        assertThat(odd.matchesClient("unknown", "127.0.0.1")).isTrue();
    }

    @Test
    void ipv6FilePatterns() throws Exception {
        Path f = dir.resolve("nets");
        Files.writeString(f, "[2001:db8:1::]/48\n[::1]\n");
        MatchList l = MatchList.hosts("mynetworks", f.toString(), opener);
        assertThat(l.matchesClient("unknown", "2001:db8:1:2::3")).isTrue();
        assertThat(l.matchesClient("unknown", "::1")).isTrue();
        assertThat(l.matchesClient("unknown", "::2")).isFalse();
    }
}
