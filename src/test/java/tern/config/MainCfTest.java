package tern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** main.cf syntax as Postfix 3.7 reads it (each case checked with its postconf -n). */
class MainCfTest {
    private static final Path P = Path.of("cf/main.cf");

    @TempDir
    Path tmp;

    @Test
    void commentsContinuationsAndValues() throws ConfigException {
        MainCf m = MainCf.parse(P, """
                # comment
                myorigin = example.org
                relay_domains = a.example,
                    b.example
                  # a comment inside the entry does not end it

                    c.example
                smtpd_banner = $myhostname   ESMTP # not a comment
                empty =
                tight=value
                crlf = x\r
                """);
        assertThat(m.settings()).containsEntry("myorigin", "example.org")
                .containsEntry("relay_domains", "a.example,    b.example    c.example")
                .containsEntry("smtpd_banner", "$myhostname   ESMTP # not a comment")
                .containsEntry("empty", "")
                .containsEntry("tight", "value")
                .containsEntry("crlf", "x");
        assertThat(m.entries()).extracting(MainCf.Entry::name)
                .containsExactly("myorigin", "relay_domains", "smtpd_banner", "empty", "tight", "crlf");
        MainCf.Entry relay = m.entries().get(1);
        assertThat(relay.firstLine()).isEqualTo(3);
        assertThat(relay.lastLine()).isEqualTo(7);
        assertThat(m.lineOf("smtpd_banner")).isEqualTo(8);
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void laterSettingWinsWithPostfixWarning() throws ConfigException {
        MainCf m = MainCf.parse(P, "dup = 1\nother = x\ndup = 2\n");
        assertThat(m.settings()).containsEntry("dup", "2");
        assertThat(m.lineOf("dup")).isEqualTo(3);
        assertThat(m.warnings()).containsExactly("cf/main.cf, line 3: overriding earlier entry: dup=1");
    }

    @Test
    void leadingWhiteSpaceIsAWarningAndSkipped() throws ConfigException {
        MainCf m = MainCf.parse(P, "  indented = 1\nmydomain = x\n# c\n  continued\n");
        assertThat(m.settings()).containsOnlyKeys("mydomain");
        assertThat(m.settings().get("mydomain")).isEqualTo("x continued".replace(" ", "  "));
        assertThat(m.warnings()).containsExactly(
                "cf/main.cf: logical line must not start with whitespace: \"  indented = 1\"");
    }

    @Test
    void garbageIsAnErrorNamingFileAndLine() {
        assertThatThrownBy(() -> MainCf.parse(P, "mydomain = x\ngarbage line\n"))
                .hasMessage("cf/main.cf, line 2: missing '=' after attribute name: \"garbage line\"");
        assertThatThrownBy(() -> MainCf.parse(P, "a = 1\ngarbage\n  more\n  more2\n"))
                .hasMessage("cf/main.cf, line 2: missing '=' after attribute name: \"garbage  more  more2\"");
        assertThatThrownBy(() -> MainCf.parse(P, "= value\n"))
                .hasMessage("cf/main.cf, line 1: missing attribute name: \"= value\"");
        assertThatThrownBy(() -> MainCf.parse(P, "a b = c\n"))
                .hasMessage("cf/main.cf, line 1: missing '=' after attribute name: \"a b = c\"");
    }

    @Test
    void splitNameValueAsPostconfDoesForArguments() {
        assertThat(MainCf.splitNameValue("  spaced  =   v  w  ")).containsExactly("spaced", "v  w");
        assertThat(MainCf.splitNameValue("myorigin =")).containsExactly("myorigin", "");
        assertThat(MainCf.splitNameValue("a=b=c")).containsExactly("a", "b=c");
        assertThat(MainCf.splitNameValue("smtpd_use_tls"))
                .containsExactly(null, "missing '=' after attribute name: \"smtpd_use_tls\"");
        assertThat(MainCf.splitNameValue("")).containsExactly(null, "missing attribute name: \"\"");
    }

    @Test
    void missingFileIsEmptyForDaemonsAndAnErrorForPostconf() throws ConfigException {
        assertThat(MainCf.load(tmp.resolve("main.cf")).settings()).isEmpty();
        assertThatThrownBy(() -> MainCf.loadExisting(tmp.resolve("main.cf")))
                .hasMessage("open " + tmp.resolve("main.cf") + ": No such file or directory");
    }

    @Test
    void aDirectoryInPlaceOfTheFileIsAClearError() throws IOException {
        Files.createDirectory(tmp.resolve("main.cf"));
        assertThatThrownBy(() -> MainCf.load(tmp.resolve("main.cf")))
                .hasMessage("read " + tmp.resolve("main.cf") + ": Is a directory");
    }

    @Test
    void bytesThatAreNotUtf8AreKept() throws IOException, ConfigException {
        Path p = tmp.resolve("main.cf");
        Files.write(p, new byte[] {'a', ' ', '=', ' ', (byte) 0xe9, '\n'});
        assertThat(MainCf.load(p).settings().get("a")).isEqualTo("\u00e9");
        Map<String, String> edit = new LinkedHashMap<>();
        edit.put("b", "2");
        MainCfEditor.edit(p, MainCfEditor.Mode.EDIT, edit);
        assertThat(Files.readAllBytes(p)).isEqualTo(new byte[] {'a', ' ', '=', ' ', (byte) 0xe9, '\n', 'b', ' ', '=', ' ',
                '2', '\n'});
    }

    @Test
    void editorKeepsLayoutAndChangesOnlyWhatIsAsked() {
        List<String> lines = List.of("# top", "myorigin = example.org", "relay_domains = a,", "    b",
                "  # inner", "    c", "dup = 1", "dup = 2", "# tail");
        Map<String, String> set = new LinkedHashMap<>();
        set.put("relay_domains", "x");
        set.put("dup", "3");
        set.put("new_one", "");
        List<String> warnings = new java.util.ArrayList<>();
        assertThat(MainCfEditor.apply(P, lines, MainCfEditor.Mode.EDIT, set, warnings)).isEqualTo("""
                # top
                myorigin = example.org
                relay_domains = x
                  # inner
                dup = 3
                dup = 3
                # tail
                new_one = \n""");
        assertThat(warnings).containsExactly("cf/main.cf: multiple entries for \"dup\"");
        Map<String, String> names = Map.of("relay_domains", "");
        assertThat(MainCfEditor.apply(P, lines, MainCfEditor.Mode.COMMENT, names, new java.util.ArrayList<>()))
                .isEqualTo("# top\nmyorigin = example.org\n#relay_domains = a,\n#    b\n  # inner\n#    c\n"
                        + "dup = 1\ndup = 2\n# tail\n");
        assertThat(MainCfEditor.apply(P, lines, MainCfEditor.Mode.REMOVE, names, new java.util.ArrayList<>()))
                .isEqualTo("# top\nmyorigin = example.org\n  # inner\ndup = 1\ndup = 2\n# tail\n");
    }
}
