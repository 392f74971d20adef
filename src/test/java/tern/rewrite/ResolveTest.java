package tern.rewrite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolveTest {
    @TempDir
    Path tmp;

    @Test
    void localClassByMydestination() throws Exception {
        RewriteFixture f = new RewriteFixture(tmp);
        assertThat(f.resolve("lucas@mx.example.test"))
                .isEqualTo(new Resolution("local", "mx.example.test", "lucas@mx.example.test", AddressClass.LOCAL));
        assertThat(f.resolve("root@LOCALHOST")).extracting(Resolution::addressClass).isEqualTo(AddressClass.LOCAL);
        // a bare name is local after the standard form
        assertThat(f.resolve("lucas")).isEqualTo(
                new Resolution("local", "mx.example.test", "lucas@mx.example.test", AddressClass.LOCAL));
    }

    @Test
    void localClassByInterfaceAddress() throws Exception {
        RewriteFixture f = new RewriteFixture(tmp, "proxy_interfaces = 192.0.2.7");
        assertThat(f.resolve("u@[127.0.0.1]").addressClass()).isEqualTo(AddressClass.LOCAL);
        assertThat(f.resolve("u@[192.0.2.7]").addressClass()).isEqualTo(AddressClass.LOCAL);
        Resolution other = f.resolve("u@[192.0.2.8]");
        assertThat(other).isEqualTo(new Resolution("smtp", "[192.0.2.8]", "u@[192.0.2.8]", AddressClass.DEFAULT));
    }

    @Test
    void localTransportWithoutNexthopUsesMyhostname() throws Exception {
        RewriteFixture f = new RewriteFixture(tmp, "local_transport = local");
        assertThat(f.resolve("u@mx.example.test").nexthop()).isEqualTo("mx.example.test");
    }

    @Test
    void virtualMailboxAndRelayAndDefaultClasses() throws Exception {
        RewriteFixture f = new RewriteFixture(tmp, "virtual_mailbox_domains = vmail.test",
                "relay_domains = relay.test", "relayhost = [smarthost.test]:587");
        assertThat(f.resolve("u@vmail.test"))
                .isEqualTo(new Resolution("virtual", "vmail.test", "u@vmail.test", AddressClass.VIRTUAL_MAILBOX));
        assertThat(f.resolve("u@relay.test"))
                .isEqualTo(new Resolution("relay", "[smarthost.test]:587", "u@relay.test", AddressClass.RELAY));
        assertThat(f.resolve("u@elsewhere.test"))
                .isEqualTo(new Resolution("smtp", "[smarthost.test]:587", "u@elsewhere.test", AddressClass.DEFAULT));
    }

    @Test
    void withoutRelayhostTheDomainIsTheNexthop() throws Exception {
        RewriteFixture f = new RewriteFixture(tmp, "relay_domains = relay.test");
        assertThat(f.resolve("u@relay.test").nexthop()).isEqualTo("relay.test");
        assertThat(f.resolve("u@Elsewhere.test").nexthop()).isEqualTo("Elsewhere.test");
    }

    @Test
    void transportNexthopsWin() throws Exception {
        RewriteFixture f = new RewriteFixture(tmp, "default_transport = smtp:[outbound.test]",
                "relay_transport = relay:[inbound.test]:2525", "relay_domains = relay.test", "relayhost = ignored.test");
        assertThat(f.resolve("u@x.test").nexthop()).isEqualTo("[outbound.test]");
        assertThat(f.resolve("u@relay.test").nexthop()).isEqualTo("[inbound.test]:2525");
    }

    @Test
    void virtualAliasDomainIsUserUnknown() throws Exception {
        Path v = RewriteFixture.file(tmp, "virtual", "valias.test anything", "known@valias.test lucas");
        RewriteFixture f = new RewriteFixture(tmp, "virtual_alias_maps = texthash:" + v);
        assertThat(f.resolve("nobody@valias.test")).isEqualTo(new Resolution("error",
                "5.1.1 User unknown in virtual alias table", "nobody@valias.test", AddressClass.VIRTUAL_ALIAS));
        assertThat(f.resolve("u@other.test").addressClass()).isEqualTo(AddressClass.DEFAULT);
    }

    @Test
    void transportMapsForms() throws Exception {
        Path t = RewriteFixture.file(tmp, "transport",
                "special@example.com    smtp:[special.test]",
                "example.com            uucp:example",
                ".example.com           uucp:sub",
                "keepnexthop.test       slow:",
                "keeptransport.test     :[gateway.test]",
                "unchanged.test         :",
                "err.test               error:5.1.2 no such domain here",
                "err2.test              error:",
                "retry.test             retry:4.3.2 try later",
                "mx.example.test        discard:",
                "*                      smtp:[fallback.test]");
        RewriteFixture f = new RewriteFixture(tmp, "transport_maps = texthash:" + t, "recipient_delimiter = +");
        assertThat(f.resolve("special@example.com").transport()).isEqualTo("smtp");
        assertThat(f.resolve("special@example.com").nexthop()).isEqualTo("[special.test]");
        assertThat(f.resolve("special+ext@example.com").nexthop()).isEqualTo("[special.test]");
        assertThat(f.resolve("other@example.com")).extracting(Resolution::transport, Resolution::nexthop)
                .containsExactly("uucp", "example");
        assertThat(f.resolve("u@a.b.example.com")).extracting(Resolution::transport, Resolution::nexthop)
                .containsExactly("uucp", "sub");
        assertThat(f.resolve("u@keepnexthop.test")).extracting(Resolution::transport, Resolution::nexthop)
                .containsExactly("slow", "keepnexthop.test");
        assertThat(f.resolve("u@keeptransport.test")).extracting(Resolution::transport, Resolution::nexthop)
                .containsExactly("smtp", "[gateway.test]");
        assertThat(f.resolve("u@unchanged.test")).extracting(Resolution::transport, Resolution::nexthop)
                .containsExactly("smtp", "unchanged.test");
        assertThat(f.resolve("u@err.test")).extracting(Resolution::transport, Resolution::nexthop)
                .containsExactly("error", "5.1.2 no such domain here");
        assertThat(f.resolve("u@err2.test")).extracting(Resolution::transport, Resolution::nexthop)
                .containsExactly("error", "");
        assertThat(f.resolve("u@retry.test").transport()).isEqualTo("retry");
        // the local class keeps its class; the table only changes the route
        assertThat(f.resolve("u@mx.example.test")).isEqualTo(
                new Resolution("discard", "mx.example.test", "u@mx.example.test", AddressClass.LOCAL));
        assertThat(f.resolve("u@anything.test")).extracting(Resolution::transport, Resolution::nexthop)
                .containsExactly("smtp", "[fallback.test]");
    }

    @Test
    void parentDomainMatchesSubdomainsForTransportMaps() throws Exception {
        Path t = RewriteFixture.file(tmp, "transport", "example.com  uucp:example");
        RewriteFixture f = new RewriteFixture(tmp, "transport_maps = texthash:" + t,
                "parent_domain_matches_subdomains = transport_maps");
        assertThat(f.resolve("u@deep.sub.example.com").transport()).isEqualTo("uucp");
        RewriteFixture g = new RewriteFixture(tmp, "transport_maps = texthash:" + t);
        assertThat(g.resolve("u@deep.sub.example.com").transport()).isEqualTo("smtp");
    }

    @Test
    void percentHackAndBangPathThroughALocalDomain() throws Exception {
        RewriteFixture f = new RewriteFixture(tmp);
        assertThat(f.resolve("user%remote.test@mx.example.test"))
                .isEqualTo(new Resolution("smtp", "remote.test", "user@remote.test", AddressClass.DEFAULT));
        assertThat(f.resolve("remote.test!user@mx.example.test").recipient()).isEqualTo("user@remote.test");
        RewriteFixture off = new RewriteFixture(tmp, "allow_percent_hack = no");
        assertThat(off.resolve("user%remote.test@mx.example.test").addressClass()).isEqualTo(AddressClass.LOCAL);
    }

    @Test
    void nullRecipientNumericAndNullDomains() throws Exception {
        RewriteFixture f = new RewriteFixture(tmp);
        assertThat(f.resolve("").recipient()).isEqualTo("MAILER-DAEMON@mx.example.test");
        assertThat(f.resolve("u@192.0.2.1")).extracting(Resolution::transport, Resolution::nexthop)
                .containsExactly("error", "5.1.3 bad address syntax");
        RewriteFixture g = new RewriteFixture(tmp, "resolve_numeric_domain = yes");
        assertThat(g.resolve("u@127.0.0.1")).extracting(Resolution::addressClass, Resolution::recipient)
                .containsExactly(AddressClass.LOCAL, "u@[127.0.0.1]");
    }

    @Test
    void aTableThatFailsMakesTheResolverFail() throws Exception {
        RewriteFixture f = new RewriteFixture(tmp, "transport_maps = fail:broken");
        assertThatThrownBy(() -> f.resolve("u@x.test")).isInstanceOf(IOException.class)
                .hasMessageContaining("fail:broken");
        RewriteFixture g = new RewriteFixture(tmp, "transport_maps = nosuchtype:/x");
        assertThatThrownBy(() -> g.resolve("u@x.test")).isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported dictionary type: nosuchtype");
        assertThat(g.warnings).anySatisfy(w -> assertThat(w).contains("nosuchtype"));
        RewriteFixture h = new RewriteFixture(tmp, "mydestination = $myhostname, fail:dest");
        assertThat(h.resolve("u@mx.example.test").addressClass()).isEqualTo(AddressClass.LOCAL);
        assertThatThrownBy(() -> h.resolve("u@other.test")).isInstanceOf(IOException.class);
    }
}
