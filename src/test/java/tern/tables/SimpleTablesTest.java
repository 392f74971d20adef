package tern.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inline:, static:, texthash:, unix:, nis:, fail:, proxy: - expectations from real postmap 3.7. */
class SimpleTablesTest {
    private final List<String> warnings = new ArrayList<>();
    private final TableOpener opener = TableOpener.standalone(warnings::add);

    @TempDir
    Path dir;

    private static Map<String, String> dump(Table t) throws TableException {
        Map<String, String> m = new TreeMap<>();
        t.forEach(m::put);
        return m;
    }

    @Test
    void inline() throws Exception {
        Table t = opener.open("inline:{ K=v, { k2 = v 2 } ,k3=}");
        assertThat(t.lookup("k")).isEqualTo("v");
        assertThat(t.lookup("K2")).isEqualTo("v 2");
        assertThat(warnings).isEmpty();
        // An empty result is still a result, with Postfix's two warnings.
        assertThat(t.lookup("k3")).isEmpty();
        assertThat(warnings).containsExactly(
                "table inline:{ K=v, { k2 = v 2 } ,k3=}: key k3: empty string result is not allowed",
                "table inline:{ K=v, { k2 = v 2 } ,k3=} should return NO RESULT in case of NOT FOUND");
        assertThat(dump(t)).containsExactly(Map.entry("k", "v"), Map.entry("k2", "v 2"), Map.entry("k3", ""));
        assertThatThrownBy(() -> opener.open("inline:{ K }"))
                .hasMessage("missing '=' after attribute name: \"inline:{ K }\"; need \"inline:{name=value...}\"");
        assertThatThrownBy(() -> opener.open("inline:K=v"))
                .hasMessage("bad syntax: \"inline:K=v\"; need \"inline:{name=value...}\"");
        assertThatThrownBy(() -> opener.open("inline:{ {K=v}"))
                .hasMessage("bad syntax: \"inline:{ {K=v}\"; need \"inline:{name=value...}\"");
    }

    @Test
    void staticTable() throws Exception {
        assertThat(opener.open("static:{ a b }").lookup("x")).isEqualTo("a b");
        assertThat(opener.open("static:OK").lookup("anything")).isEqualTo("OK");
        assertThatThrownBy(() -> opener.open("static:"))
                .hasMessage("open dictionary: expecting \"type:name\" form instead of \"static:\"");
        assertThatThrownBy(() -> opener.open("static:{a}x"))
                .hasMessage("bad static:name syntax: syntax error after '}' in \"{a}x\"");
        assertThatThrownBy(() -> opener.open("static:x").forEach((k, v) -> { }))
                .hasMessage("table static:x: sequence operation is not supported");
    }

    @Test
    void texthash() throws Exception {
        Path f = dir.resolve("m");
        Files.writeString(f, "Key1 value one\n# comment\nkey2   value\n   continued here\n\nkey3\nKEY1 other\n"
                + "key4\tv4\n  # indented comment\n\tmore4\n\"a b\" quoted\n");
        Table t = opener.open("texthash:" + f);
        assertThat(t.lookup("KEY1")).isEqualTo("value one");
        assertThat(t.lookup("key2")).isEqualTo("value   continued here");
        assertThat(t.lookup("key4")).isEqualTo("v4\tmore4");
        assertThat(t.lookup("key3")).isNull();
        assertThat(t.lookup("\"a b\"")).isEqualTo("quoted");
        assertThat(t.lookup("a b")).isNull();
        assertThat(warnings).containsExactly(
                f + ", line 6: expected format: key whitespace value -- ignoring this line",
                f + ", line 7: duplicate entry: \"KEY1\"");
        Table unfolded = opener.open("texthash:" + f, new TableOpener.Options(false, true));
        assertThat(unfolded.lookup("KEY1")).isEqualTo("other");
        assertThat(unfolded.lookup("key1")).isNull();
    }

    @Test
    void texthashMissingFileFailsLookupsUntilItAppears() throws Exception {
        Path f = dir.resolve("late");
        Table t = opener.withCheckInterval(Duration.ZERO).open("texthash:" + f);
        assertThatThrownBy(() -> t.lookup("a")).isInstanceOf(TableException.class)
                .hasMessage("open " + f + ": No such file or directory");
        Files.writeString(f, "a b\n");
        assertThat(t.lookup("a")).isEqualTo("b");
    }

    @Test
    void unixPasswd() throws Exception {
        Table t = opener.open("unix:passwd.byname");
        assertThat(t.lookup("root")).startsWith("root:x:0:0:");
        assertThat(t.lookup("ROOT")).startsWith("root:");
        assertThat(t.lookup("no-such-user-here")).isNull();
        assertThat(opener.open("proxy:unix:passwd.byname").lookup("root")).startsWith("root:");
        assertThat(opener.open("unix:group.byname").lookup("root")).startsWith("root:x:0:");
        assertThatThrownBy(() -> opener.open("unix:foo")).hasMessage("unknown table: unix:foo");
    }

    @Test
    void nisFailAndUnknown() throws Exception {
        assertThat(opener.open("nis:mail.aliases").lookup("root")).isNull();
        assertThat(warnings).containsExactly("dict_nis_init: NIS domain name not set - NIS lookups disabled");
        assertThatThrownBy(() -> opener.open("fail:foo").lookup("x"))
                .hasMessage("table fail:foo: query error: Application error");
        assertThatThrownBy(() -> opener.open("foo:bar")).hasMessage("unsupported dictionary type: foo");
    }

    @Test
    void openedTablesAreShared() throws Exception {
        assertThat(opener.open("inline:{a=b}")).isSameAs(opener.open("inline:{a=b}"));
    }
}
