package tern.tables;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** aliases(5) forms as real postalias 3.7 stores them (checked with postalias -s). */
class AliasSourceTest {
    private final List<String> warnings = new ArrayList<>();

    private String value(String line) {
        List<TableBuilder.Entry> e = TableBuilder.parse(line + "\n", "aliases", TableBuilder.Format.ALIASES, warnings::add);
        return e.isEmpty() ? null : e.getFirst().key() + " => " + e.getFirst().value();
    }

    @Test
    void forms() {
        assertThat(value("root: lucas")).isEqualTo("root => lucas");
        assertThat(value("list: a, b,\n   c,\n\td")).isEqualTo("list => a, b, c, d");
        assertThat(value("prog: \"|/usr/bin/foo bar\", /var/mail/file")).isEqualTo("prog => \"|/usr/bin/foo bar\", /var/mail/file");
        assertThat(value("x6: |/bin/cmd arg")).isEqualTo("x6 => |/bin/cmd arg");
        assertThat(value("inc: :include: /etc/postfix/list")).isEqualTo("inc => :include:/etc/postfix/list");
        assertThat(value("\"with space\": x")).isEqualTo("with space => x");
        assertThat(value("x1: a,b")).isEqualTo("x1 => a, b");
        assertThat(value("x3: user (comment), other")).isEqualTo("x3 => user (comment), other");
        assertThat(value("x4: <a@b>, Name <c@d>")).isEqualTo("x4 => <a@b>, Name <c@d>");
        assertThat(value("x13: \"a\\\"b\" , \"a\\\\b\"")).isEqualTo("x13 => \"a\\\"b\", \"a\\\\b\"");
        assertThat(value("x14: trailing,")).isEqualTo("x14 => trailing, ");
        assertThat(value("x15 : spaced")).isEqualTo("x15 => spaced");
        assertThat(value("x18: a\\,b")).isEqualTo("x18 => \"a,b\"");
        assertThat(value("x22: [1.2.3.4], a@[1.2.3.4]")).isEqualTo("x22 => [1.2.3.4], a@[1.2.3.4]");
        assertThat(value("x24: \"unterminated")).isEqualTo("x24 => \"unterminated\"");
        assertThat(value("x25: (open comment")).isEqualTo("x25 => (open comment)");
        assertThat(warnings).isEmpty();
    }

    @Test
    void malformedLinesAreWarningsWithFileAndLine() {
        assertThat(value("noval:")).isNull();
        assertThat(value("nocolon value")).isNull();
        assertThat(value(": novalue")).isNull();
        assertThat(value("\"x21 a\"@b: c")).isNull();
        assertThat(warnings).containsExactly("aliases, line 1: need name:value pair", "aliases, line 1: need name:value pair",
                "aliases, line 1: need name:value pair", "aliases, line 1: name must be local");
    }
}
