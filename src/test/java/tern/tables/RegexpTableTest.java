package tern.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** regexp: and pcre: tables; expectations checked with real postmap 3.7 where Postfix defines them. */
class RegexpTableTest {
    private final List<String> warnings = new ArrayList<>();
    private final TableOpener opener = TableOpener.standalone(warnings::add);

    @TempDir
    Path dir;

    private Table table(String type, String text) throws Exception {
        Path f = Files.createTempFile(dir, type, "");
        Files.writeString(f, text);
        return opener.open(type + ":" + f);
    }

    @Test
    void manualExamples() throws Exception {
        for (String type : List.of("regexp", "pcre")) {
            Table t = table(type, """
                    # Disallow sender-specified routing.
                    /[%!@].*[%!@]/       550 Sender-specified routing rejected
                    /^postmaster@/       OK
                    if !/^owner-/
                    /^(.*)-outgoing@(.*)$/  550 Use ${1}@${2} instead
                    endif
                    """);
            assertThat(t.lookup("a%b@c")).as(type).isEqualTo("550 Sender-specified routing rejected");
            assertThat(t.lookup("PostMaster@example.com")).as(type).isEqualTo("OK");
            assertThat(t.lookup("list-outgoing@example.com")).as(type).isEqualTo("550 Use list@example.com instead");
            assertThat(t.lookup("owner-list-outgoing@example.com")).as(type).isNull();
            assertThat(t.isFixed()).isFalse();
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void flagsToggle() throws Exception {
        Table r = table("regexp", "/^CaSe$/i sensitive\n/^case$/ insensitive\n/^c d$/x basic\n/^a.b$/ dot\n"
                + "/^x$/m multi\n/^q$/ end\n");
        assertThat(r.lookup("CaSe")).isEqualTo("sensitive");
        assertThat(r.lookup("CASE")).isEqualTo("insensitive");
        assertThat(r.lookup("c d")).isEqualTo("basic");
        assertThat(r.lookup("a\nb")).as("newline is ordinary without m").isEqualTo("dot");
        assertThat(r.lookup("y\nx\nz")).isEqualTo("multi");
        assertThat(r.lookup("q\n")).as("POSIX $ is the very end").isNull();
        assertThat(r.lookup("q")).isEqualTo("end");
        Table p = table("pcre", "/^c d$/x ext\n/^a.b$/s nodotall\n/^z+/ zero [$0]\n/^x$/ end\n"
                + "/^y$/E endonly\n/b/A anchored\n");
        assertThat(p.lookup("cd")).isEqualTo("ext");
        assertThat(p.lookup("a\nb")).isNull();
        assertThat(p.lookup("x\n")).as("PCRE $ before a final newline").isEqualTo("end");
        assertThat(p.lookup("y\n")).isNull();
        assertThat(p.lookup("y")).isEqualTo("endonly");
        assertThat(p.lookup("abc")).isNull();
        assertThat(p.lookup("bc")).isEqualTo("anchored");
        String where = "pcre map " + p.spec().substring(5) + ", line 3: ";
        assertThat(warnings).containsExactly(where + "out of range replacement index \"0\"",
                where + "bad replacement syntax: skipping this rule");
    }

    @Test
    void ungreedyFlag() throws Exception {
        Table p = table("pcre", "/^(a+)(a*)$/U [$1][$2]\n/^(b+?)(b*)$/U [$1][$2]\n");
        assertThat(p.lookup("aaa")).isEqualTo("[a][aa]");
        assertThat(p.lookup("bbb")).isEqualTo("[bbb][]");
    }

    @Test
    void posixBracketsAndBasicSyntax() throws Exception {
        Table r = table("regexp", "~^[[:alnum:]+/]{5,}$~ alnum\n/^[]x]+$/ bracket\n/^a\\(b\\)c$/x basic $1\n"
                + "/^[^a]$/m notnl\n/^x{,2}y$/ interval\n/\\<word\\>/ word\n/^[\\]+$/ backslash\n");
        assertThat(r.lookup("ab+/12")).isEqualTo("alnum");
        assertThat(r.lookup("]x]")).isEqualTo("bracket");
        assertThat(r.lookup("abc")).isEqualTo("basic b");
        assertThat(r.lookup("\n")).isNull();
        assertThat(r.lookup("xxy")).isEqualTo("interval");
        assertThat(r.lookup("a word here")).isEqualTo("word");
        assertThat(r.lookup("\\\\")).isEqualTo("backslash");
        assertThat(warnings).isEmpty();
    }

    @Test
    void substitutionForms() throws Exception {
        Table r = table("regexp", "/^(a)(b)?(c)$/ $1-$(2)-${3}-$$\n");
        assertThat(r.lookup("ac")).isEqualTo("a--c-$");
        assertThat(r.lookup("abc")).isEqualTo("a-b-c-$");
    }

    @Test
    void substitutionCanBeRefused() throws Exception {
        Path f = dir.resolve("vmailbox");
        Files.writeString(f, "/^(.*)@example\\.com$/ example.com/$1/\n/^x@/ fixed/\n");
        Table t = opener.open("regexp:" + f, new TableOpener.Options(true, false));
        assertThat(t.lookup("joe@example.com")).isNull();
        assertThat(t.lookup("x@y")).isEqualTo("fixed/");
        assertThat(warnings).containsExactly("regexp map " + f
                + ", line 1: regular expression substitution is not allowed: skipping this rule");
    }

    @Test
    void inlineRules() throws Exception {
        Table t = opener.open("pcre:{ {/^a/ A}, {/^b/ B} }");
        assertThat(t.lookup("bee")).isEqualTo("B");
    }

    @Test
    void badPatternIsSkippedWithAWarning() throws Exception {
        Table t = table("pcre", "/(unclosed/ x\n/ok/ fine\n");
        assertThat(t.lookup("ok")).isEqualTo("fine");
        assertThat(warnings).hasSize(1);
        assertThat(warnings.getFirst()).contains(", line 1: ").endsWith(": skipping this rule");
    }

    @Test
    void catastrophicBacktrackingIsBoundedAndAnError() throws Exception {
        for (String type : List.of("regexp", "pcre")) {
            // java.util.regex memoizes "(a+)+" but not this one: n^12 steps on a non-matching key.
            Table t = table(type, "/^(.*a){12}$/ evil\n/^ok$/ fine\n");
            String key = "a".repeat(40) + "!";
            long start = System.nanoTime();
            assertThatThrownBy(() -> t.lookup(key)).isInstanceOf(TableException.class)
                    .hasMessageContaining(", line 1: pattern matching gave up");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(t.lookup("ok")).isEqualTo("fine");
            assertThat(t.lookup("a".repeat(12))).isEqualTo("evil");
        }
    }

    @Test
    void longOrdinaryHeadersStayWithinBudget() throws Exception {
        Table t = table("regexp", "/^Subject:.*viagra/ REJECT\n/^Received: from .* by .* with .*$/ seen\n");
        String header = "Received: from " + "x".repeat(5000) + " by y with ESMTP";
        assertThat(t.lookup(header)).isEqualTo("seen");
        assertThat(t.lookup("Subject: " + "spam ".repeat(2000) + "viagra")).isEqualTo("REJECT");
    }

    @Test
    void missingFileIsALookupError() throws Exception {
        Table t = opener.open("regexp:" + dir.resolve("none"));
        assertThatThrownBy(() -> t.lookup("x")).hasMessage("open " + dir.resolve("none") + ": No such file or directory");
    }
}
