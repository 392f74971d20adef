package tern.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.config.Config;
import tern.config.MainCf;
import tern.tables.TableOpener;

/**
 * local_header_rewrite_clients, item by item, as Postfix 3.7 decides (checked with real Postfix:
 * with inet_interfaces = 127.0.0.1, mail from 127.0.0.1 gets Message-Id/Date/From added and mail
 * from 127.0.0.2 does not; static:all, inline:{127.0.0.2=ok} and check_address_map with it make
 * 127.0.0.2 local; an unknown word is "invalid request" and matches nothing).
 */
class LocalHeaderClientsTest {
    @TempDir
    Path tmp;
    final List<String> warnings = new ArrayList<>();

    LocalHeaderClients of(String... mainCf) throws Exception {
        Config c = Config.of(tmp, MainCf.parse(tmp.resolve("main.cf"),
                "myhostname = mx.example.test\ninet_interfaces = 127.0.0.1\nmynetworks = 127.0.0.0/8\n"
                        + String.join("\n", mainCf) + "\n"));
        return LocalHeaderClients.of(c, TableOpener.standalone(warnings::add), warnings::add);
    }

    static Origin from(String address) {
        return Origin.network("unknown", address, 40000, "client.test", "ESMTP", "smtp", null);
    }

    @Test
    void byDefaultOnlyThisMachinesOwnAddressesAndLocalSubmission() throws Exception {
        LocalHeaderClients d = of();
        assertThat(d.test(from("127.0.0.1"))).isTrue();
        assertThat(d.test(from("127.0.0.2"))).isFalse();
        assertThat(d.test(from("192.0.2.1"))).isFalse();
        assertThat(d.test(Origin.local("pickup", 1000))).isTrue();
        assertThat(d.test(Origin.internal("local"))).isFalse(); // Postfix adds nothing to what local(8) forwards
        assertThat(of("inet_interfaces = loopback-only").test(from("::1"))).isTrue();
        assertThat(of("inet_interfaces = all").test(from("127.0.0.1"))).isTrue();
        assertThat(of("inet_interfaces = all").test(from("192.0.2.1"))).isFalse();
        assertThat(warnings).isEmpty();
    }

    @Test
    void mynetworksSaslAndTables() throws Exception {
        assertThat(of("local_header_rewrite_clients = permit_mynetworks").test(from("127.0.0.2"))).isTrue();
        assertThat(of("local_header_rewrite_clients = permit_mynetworks").test(from("192.0.2.1"))).isFalse();
        LocalHeaderClients sasl = of("local_header_rewrite_clients = permit_sasl_authenticated");
        assertThat(sasl.test(from("192.0.2.1"))).isFalse();
        assertThat(sasl.test(Origin.network("unknown", "192.0.2.1", 1, "h", "ESMTPA", "submission", "lucas"))).isTrue();
        assertThat(of("local_header_rewrite_clients = static:all").test(from("192.0.2.1"))).isTrue();
        assertThat(of("local_header_rewrite_clients = inline:{127.0.0.2=ok}").test(from("127.0.0.2"))).isTrue();
        LocalHeaderClients map = of("local_header_rewrite_clients = permit_tls_clientcerts,",
                "  check_address_map inline:{ 192.0.2.7=pop-before-smtp }");
        assertThat(map.test(from("192.0.2.7"))).isTrue();
        assertThat(map.test(from("192.0.2.8"))).isFalse();
        assertThat(map.test(from("127.0.0.1"))).isFalse(); // the list replaces the default
        assertThat(of("local_header_rewrite_clients =").test(from("127.0.0.1"))).isFalse();
        assertThat(warnings).isEmpty();
    }

    @Test
    void anUnknownWordIsWarnedAboutAndMatchesNothing() throws Exception {
        LocalHeaderClients bad = of("local_header_rewrite_clients = bogus_word, permit_mynetworks");
        assertThat(bad.test(from("127.0.0.2"))).isTrue();
        assertThat(bad.test(from("192.0.2.1"))).isFalse();
        assertThat(warnings).containsExactly("parameter local_header_rewrite_clients: invalid request: bogus_word",
                "parameter local_header_rewrite_clients: invalid request: bogus_word");
    }
}
