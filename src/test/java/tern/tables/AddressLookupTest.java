package tern.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Postfix's address lookup order (virtual(5), canonical(5)): full, without extension, localpart, @domain. */
class AddressLookupTest {
    private final List<String> warnings = new ArrayList<>();
    private final TableOpener opener = TableOpener.standalone(warnings::add);
    private final Predicate<String> local = d -> d.equals("mx.example.com");

    @TempDir
    Path dir;

    private AddressLookup lookup(String maps, String delimiter) throws Exception {
        return new AddressLookup(Maps.open("virtual_alias_maps", maps, opener), delimiter);
    }

    @Test
    void orderOfQueries() throws Exception {
        AddressLookup l = lookup("inline:{ {user+ext@example.com=full}, {user@example.com=bare}, {user+ext=local-ext},"
                + " {user=local}, {@example.com=domain}, {@mx.example.com=localdomain} }", "+");
        assertThat(l.find("user+ext@example.com", local)).isEqualTo(new AddressLookup.Result("full", "user+ext@example.com", null));
        assertThat(l.find("user+other@example.com", local)).isEqualTo(new AddressLookup.Result("bare", "user@example.com", "+other"));
        assertThat(l.find("joe@example.com", local)).isEqualTo(new AddressLookup.Result("domain", "@example.com", null));
        assertThat(l.find("user+ext@mx.example.com", local)).isEqualTo(new AddressLookup.Result("local-ext", "user+ext", null));
        assertThat(l.find("user+x@mx.example.com", local)).isEqualTo(new AddressLookup.Result("local", "user", "+x"));
        assertThat(l.find("user@elsewhere.org", local)).isNull();
        assertThat(l.find("nobody@mx.example.com", local).value()).isEqualTo("localdomain");
        assertThat(l.find("USER+EXT@EXAMPLE.COM", local).value()).as("keys folded").isEqualTo("full");
    }

    @Test
    void localpartOnlyForLocalDomains() throws Exception {
        AddressLookup l = lookup("inline:{ root=lucas }", "");
        assertThat(l.lookup("root@mx.example.com", local)).isEqualTo("lucas");
        assertThat(l.lookup("root@example.org", local)).isNull();
        assertThat(l.lookup("root", local)).as("no domain: the full key is the localpart").isEqualTo("lucas");
    }

    @Test
    void bareLocalpart() throws Exception {
        AddressLookup l = lookup("inline:{ root=lucas, joe=j }", "+");
        assertThat(l.lookup("root", d -> false)).isEqualTo("lucas");
        assertThat(l.find("joe+x", d -> false)).isEqualTo(new AddressLookup.Result("j", "joe", "+x"));
    }

    @Test
    void patternTablesSeeOnlyTheFullAddress() throws Exception {
        Path re = dir.resolve("re");
        Files.writeString(re, "/^user@/ regexp-user\n/^@example.com$/ regexp-domain\n/^user$/ regexp-local\n");
        AddressLookup l = lookup("regexp:" + re + " inline:{@example.com=fixed-domain}", "+");
        assertThat(l.lookup("user+x@example.com", local)).isEqualTo("fixed-domain");
        assertThat(l.lookup("user@example.com", local)).isEqualTo("regexp-user");
        assertThat(l.lookup("user+x@mx.example.com", local)).isNull();
    }

    @Test
    void firstTableWinsForEachQuery() throws Exception {
        AddressLookup l = lookup("inline:{@example.com=catchall} inline:{joe@example.com=joe}", "");
        assertThat(l.lookup("joe@example.com", local)).as("full address in table 2 beats @domain in table 1")
                .isEqualTo("joe");
    }

    @Test
    void delimiterRules() throws Exception {
        AddressLookup l = lookup("inline:{ a=x }", "+-");
        assertThat(l.extensionAt("user+foo")).isEqualTo(4);
        assertThat(l.extensionAt("user-foo")).isEqualTo(4);
        assertThat(l.extensionAt("owner-list")).isEqualTo(-1);
        assertThat(l.extensionAt("list-request")).isEqualTo(-1);
        assertThat(l.extensionAt("postmaster")).isEqualTo(-1);
        assertThat(l.extensionAt("MAILER-DAEMON")).isEqualTo(-1);
        assertThat(l.extensionAt("+foo")).isEqualTo(-1);
        assertThat(lookup("inline:{ a=x }", "+").extensionAt("owner-list+x")).isEqualTo(10);
    }

    @Test
    void failingTableEndsTheLookup() throws Exception {
        AddressLookup l = lookup("fail:broken inline:{joe@example.com=joe}", "");
        assertThatThrownBy(() -> l.lookup("joe@example.com", local)).isInstanceOf(TableException.class);
    }
}
