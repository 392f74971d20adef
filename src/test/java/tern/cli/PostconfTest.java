package tern.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** postconf's option handling and output layout, in-process (PostconfIT runs bin/postconf against golden files). */
class PostconfTest {
    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {
    }

    private Run postconf(String mailConfig, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new Postconf(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), mailConfig).main(args);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Postconf.Options options(String... args) throws Postconf.Fatal {
        Postconf p = new Postconf(System.out, System.err, null);
        Postconf.Options o = p.parse(args);
        Postconf.checkConflicts(o);
        return o;
    }

    @Test
    void optionsEndAtTheFirstOperand() throws Postconf.Fatal {
        Postconf.Options o = options("-c", "dir", "-nf", "myhostname", "-h");
        assertThat(o.configDir).isEqualTo("dir");
        assertThat(o.has('n')).isTrue();
        assertThat(o.has('f')).isTrue();
        assertThat(o.has('h')).isFalse();
        assertThat(o.operands).containsExactly("myhostname", "-h");
        assertThat(options("-cdir", "-o", "a=b", "-oc=d").overrides).containsEntry("a", "b").containsEntry("c", "d");
        assertThat(options("--", "-h").operands).containsExactly("-h");
        assertThat(options("mydomain=x").has('e')).as("name=value implies -e").isTrue();
    }

    @Test
    void conflictsInPostfixWords() throws Postconf.Fatal {
        assertThatThrownBy(() -> options("-d", "-n")).hasMessage("specify one of -d -n");
        assertThatThrownBy(() -> options("-h", "-H")).hasMessage("specify one of -h -H");
        assertThatThrownBy(() -> options("-M", "-P")).hasMessage("specify one of -M -P");
        assertThatThrownBy(() -> options("-a", "-M")).hasMessage("specify one of -a -M");
        assertThatThrownBy(() -> options("-b", "-t")).hasMessage("specify one of -b and -t");
        assertThatThrownBy(() -> options("-M", "-n")).hasMessage("with option -M, do not specify -n");
        assertThatThrownBy(() -> options("-F", "-X", "x")).hasMessage("with option -F, do not specify -X");
        assertThatThrownBy(() -> options("-P", "-#", "x")).hasMessage("with option -P, do not specify -#");
        assertThatThrownBy(() -> options("-l", "-x")).hasMessage("with option -l, do not specify -x");
        assertThatThrownBy(() -> options("-X", "mydomain=1")).hasMessage("specify one of -e -X");
        assertThatThrownBy(() -> options("-#", "a=1")).hasMessage("specify one of -e -#");
        assertThatThrownBy(() -> options("-e")).hasMessage("-e requires name=value argument");
        assertThatThrownBy(() -> options("-X")).hasMessage("missing service argument");
        assertThat(options("-M", "-e", "x/unix=x unix - - - - - smtp").has('e')).isTrue();
    }

    @Test
    void badOptionsPrintUsage() {
        Run r = postconf(null, "-Z");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).startsWith("postconf: invalid option -- 'Z'\npostconf: fatal: usage: postconf [-a (server SASL types)]");
        Run c = postconf(null, "-c");
        assertThat(c.err()).startsWith("postconf: option requires an argument -- 'c'\npostconf: fatal: usage:");
        assertThat(postconf(null, "-o", "foo").err())
                .isEqualTo("postconf: fatal: invalid parameter override: foo: missing '=' after attribute name\n");
        assertThat(postconf(null, "-C", "bogus").err())
                .isEqualTo("postconf: fatal: unknown -C option value \"bogus\" in \"bogus\"\n");
    }

    @Test
    void lineLayoutAndFolding() {
        assertThat(Postconf.line("relayhost", "", false)).isEqualTo("relayhost =");
        assertThat(Postconf.line("smtpd_banner", "  a    b\t c ", false)).isEqualTo("smtpd_banner = a b c");
        assertThat(Postconf.line(null, "a  b", false)).isEqualTo("a b");
        String a65 = "a".repeat(65);
        assertThat(Postconf.line("smtpd_banner", a65, true)).as("80 columns fit").isEqualTo("smtpd_banner = " + a65);
        assertThat(Postconf.line("smtpd_banner", a65 + "a", true)).isEqualTo("smtpd_banner =\n    " + a65 + "a");
        assertThat(Postconf.line("smtpd_banner", "a".repeat(63) + " b c", true))
                .isEqualTo("smtpd_banner = " + "a".repeat(63) + " b\n    c");
    }

    @Test
    void mailConfigAndDashC() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("cf"));
        Files.writeString(d.resolve("main.cf"), "myhostname = mx.example.test\n");
        Files.writeString(d.resolve("master.cf"), "smtp inet n - n - - smtpd\n");
        Run r = postconf(d.toString(), "-n");
        assertThat(r.out()).isEqualTo("config_directory = " + d + "\nmyhostname = mx.example.test\n");
        assertThat(r.err()).isEmpty();
        assertThat(postconf(null, "-c", d.toString(), "-h", "myhostname", "mydomain").out())
                .isEqualTo("mx.example.test\nexample.test\n");
        assertThat(postconf("/nowhere", "-c", d.toString(), "-h", "config_directory").out()).isEqualTo(d + "\n");
        Run missing = postconf(null, "-c", tmp.resolve("nowhere").toString(), "-n");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("postconf: fatal: open " + tmp.resolve("nowhere/main.cf")
                + ": No such file or directory\n");
    }

    @Test
    void seedPageEditsKeepTheFile() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("cf"));
        Files.writeString(d.resolve("main.cf"), "# mine\nrelay_domains = a\n    b\nmyorigin = x\n");
        assertThat(postconf(null, "-c", d.toString(), "-e", "myorigin =").status()).isZero();
        assertThat(postconf(null, "-c", d.toString(), "-e", "relay_domains =,,").status()).isZero();
        assertThat(postconf(null, "-c", d.toString(), "-e", "home_mailbox = Maildir/").status()).isZero();
        Run bad = postconf(null, "-c", d.toString(), "-e", "smtpd_use_tls");
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).isEqualTo("postconf: fatal: missing '=' after attribute name: \"smtpd_use_tls\"\n");
        assertThat(Files.readString(d.resolve("main.cf")))
                .isEqualTo("# mine\nrelay_domains = ,,\nmyorigin = \nhome_mailbox = Maildir/\n");
        assertThat(Files.exists(d.resolve("main.cf.tmp"))).isFalse();
    }
}
