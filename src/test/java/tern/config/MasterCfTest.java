package tern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** master.cf syntax (master(5)), the seed page's services, postconf -M layout and entry edits. */
class MasterCfTest {
    private static final Path P = Path.of("cf/master.cf");

    static final String SEED = """
            # service type  private unpriv  chroot  wakeup  maxproc command + args
            smtp      inet  n       -       y       -       -       smtpd
            submission inet n      -       -       -       -       smtpd
                    -o smtpd_etrn_restrictions=reject
                    -o smtpd_enforce_tls=yes
                    -o smtpd_sasl_auth_enable=yes
            smtps     inet  n       -       -       -       -       smtpd
              -o syslog_name=postfix/smtps
              -o smtpd_tls_wrappermode=yes
              -o smtpd_sasl_auth_enable=yes
              -o smtpd_client_restrictions=permit_sasl_authenticated,reject
              -o milter_macro_daemon_name=ORIGINATING
            127.0.0.1:40025      inet  n       -       -       -       -       smtpd
                -o smtpd_tls_security_level=none
            mailman unix  -       n       n       -       -       pipe
               flags=FR user=list
               argv=/var/lib/mailman/bin/postfix-to-mailman.py ${nexthop} ${user}
            smtpinternal      unix  -       -       -       -       -       smtp
                    -o smtp_bind_address=10.0.0.1
            tlsmgr    unix  -       -       y       1000?   1       tlsmgr
            postlog   unix-dgram n  -       n       -       1       postlogd
            """;

    @Test
    void theSeedPagesServices() throws ConfigException {
        MasterCf m = MasterCf.parse(P, SEED);
        assertThat(m.services()).extracting(Service::key).containsExactly("smtp/inet", "submission/inet", "smtps/inet",
                "127.0.0.1:40025/inet", "mailman/unix", "smtpinternal/unix", "tlsmgr/unix", "postlog/unix-dgram");
        Service submission = m.find("submission", "inet");
        assertThat(submission.overrides()).containsExactly(Map.entry("smtpd_etrn_restrictions", "reject"),
                Map.entry("smtpd_enforce_tls", "yes"), Map.entry("smtpd_sasl_auth_enable", "yes"));
        assertThat(submission.lineNumber()).isEqualTo(3);
        assertThat(m.find("smtps", "inet").overrides()).containsEntry("syslog_name", "postfix/smtps")
                .containsEntry("smtpd_client_restrictions", "permit_sasl_authenticated,reject");
        assertThat(m.find("127.0.0.1:40025", "inet").overrides()).containsExactly(
                Map.entry("smtpd_tls_security_level", "none"));
        Service mailman = m.find("mailman", "unix");
        assertThat(mailman.command()).isEqualTo("pipe");
        assertThat(mailman.privateCol()).isEqualTo("-");
        assertThat(mailman.unprivCol()).isEqualTo("n");
        assertThat(mailman.args()).containsExactly("flags=FR", "user=list",
                "argv=/var/lib/mailman/bin/postfix-to-mailman.py", "${nexthop}", "${user}");
        assertThat(m.find("smtpinternal", "unix").overrides()).containsEntry("smtp_bind_address", "10.0.0.1");
        assertThat(m.find("tlsmgr", "unix").wakeup()).isEqualTo("1000?");
        assertThat(m.entries().get(4).firstLine()).isEqualTo(15);
        assertThat(m.entries().get(4).lastLine()).isEqualTo(17);
    }

    @Test
    void bracesAndOptionForms() throws ConfigException {
        MasterCf m = MasterCf.parse(P, """
                smtp inet n - y - - smtpd
                  -o { smtpd_client_restrictions = permit_mynetworks, reject }
                  # a comment inside the entry

                  -o smtpd_helo_restrictions=
                  -osyslog_name=attached
                x unix - - - - - pipe flags=R argv=/bin/echo { a b } ${user}
                """);
        Service smtp = m.find("smtp", "inet");
        assertThat(smtp.overrides()).containsExactly(
                Map.entry("smtpd_client_restrictions", "permit_mynetworks, reject"),
                Map.entry("smtpd_helo_restrictions", ""), Map.entry("syslog_name", "attached"));
        assertThat(MasterCf.commandText(smtp.commandLine())).isEqualTo(
                "smtpd -o {smtpd_client_restrictions=permit_mynetworks, reject} -o smtpd_helo_restrictions= "
                        + "-o syslog_name=attached");
        assertThat(m.find("x", "unix").args()).containsExactly("flags=R", "argv=/bin/echo", "a b", "${user}");
    }

    @Test
    void structuralErrorsNameFileAndLine() {
        assertThatThrownBy(() -> MasterCf.parse(P, "smtp inet n - n - - smtpd\nbad unix - -\n"))
                .hasMessage("file cf/master.cf: line 2: bad field count");
        assertThatThrownBy(() -> MasterCf.parse(P, "smtp bogus n - n - - smtpd\n"))
                .hasMessage("cf/master.cf: line 1: invalid type field \"bogus\" in \"smtp bogus n - n - - smtpd\"");
        assertThatThrownBy(() -> MasterCf.parse(P, "smtp inet x - n - - smtpd\n"))
                .hasMessageContaining("invalid private field \"x\"");
        assertThatThrownBy(() -> MasterCf.parse(P, "smtp inet n - n z - smtpd\n"))
                .hasMessageContaining("invalid wakeup field \"z\"");
        assertThatThrownBy(() -> MasterCf.parse(P, "smtp inet n - n - z smtpd\n"))
                .hasMessageContaining("invalid process_limit field \"z\"");
    }

    @Test
    void serviceProblemsStopTheDaemonButNotPostconf() throws ConfigException {
        String text = "smtp inet n - n - - smtpd -o x\nsub inet n - n - - smtpd -o {a=b\n";
        assertThatThrownBy(() -> MasterCf.parse(P, text))
                .hasMessage("cf/master.cf: line 1: missing '=' after attribute name: \"x\"");
        MasterCf lenient = MasterCf.parseLenient(P, text);
        assertThat(lenient.services()).hasSize(2);
        assertThat(lenient.problems()).containsExactly("cf/master.cf: line 1: missing '=' after attribute name: \"x\"",
                "cf/master.cf: line 2: missing '}' in \"{a=b\"");
        assertThat(lenient.find("sub", "inet").overrides()).containsEntry("a", "b");
    }

    @Test
    void theStockDebianMasterCfParses() throws IOException, ConfigException {
        Path stock = Path.of("/usr/share/postfix/master.cf.dist");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(stock), "Debian's postfix is not installed");
        MasterCf m = MasterCf.load(stock);
        assertThat(m.services()).extracting(Service::command).contains("smtpd", "pickup", "cleanup", "qmgr", "tlsmgr",
                "trivial-rewrite", "bounce", "verify", "flush", "proxymap", "smtp", "showq", "error", "discard", "local",
                "virtual", "lmtp", "anvil", "scache", "postlogd", "pipe");
        assertThat(m.find("relay", "unix").overrides()).containsEntry("syslog_name", "postfix/$service_name");
    }

    @Test
    void postconfLayout() throws ConfigException {
        MasterCf m = MasterCf.parse(P, SEED);
        Service postlog = m.find("postlog", "unix-dgram");
        assertThat(MasterCf.format(postlog, postlog.commandLine(), false))
                .isEqualTo("postlog    unix-dgram n  -       n       -       1       postlogd");
        Service local = m.find("127.0.0.1:40025", "inet");
        assertThat(MasterCf.format(local, local.commandLine(), false)).isEqualTo(
                "127.0.0.1:40025 inet n   -       -       -       -       smtpd -o smtpd_tls_security_level=none");
        Service mailman = m.find("mailman", "unix");
        assertThat(MasterCf.format(mailman, mailman.commandLine(), true)).isEqualTo("""
                mailman    unix  -       n       n       -       -       pipe flags=FR
                    user=list argv=/var/lib/mailman/bin/postfix-to-mailman.py ${nexthop}
                    ${user}""");
        Service sub = m.find("submission", "inet");
        assertThat(MasterCf.format(sub, sub.commandLine(), true)).isEqualTo("""
                submission inet  n       -       -       -       -       smtpd
                    -o smtpd_etrn_restrictions=reject
                    -o smtpd_enforce_tls=yes
                    -o smtpd_sasl_auth_enable=yes""");
    }

    @Test
    void foldingLimitIs79Columns() throws ConfigException {
        // measured with Postfix 3.7: a 79-column entry stays on one line, an 80-column one folds
        String fits = "s79 unix - - - - - pipe " + "a".repeat(15) + " b";
        String folds = "s80 unix - - - - - pipe " + "a".repeat(16) + " b";
        Service a = MasterCf.parse(P, fits + "\n").services().get(0);
        Service b = MasterCf.parse(P, folds + "\n").services().get(0);
        assertThat(MasterCf.format(a, a.commandLine(), true)).hasSize(79).doesNotContain("\n");
        assertThat(MasterCf.format(b, b.commandLine(), true)).endsWith("a\n    b");
    }

    @Test
    void editorActions() throws ConfigException {
        MasterCf m = MasterCf.parse(P, """
                # comment
                smtp      inet  n       -       y       -       -       smtpd
                  -o zzz=1
                  # inner comment
                  -o aaa=2
                x unix - - - - - pipe
                  flags=R argv=/bin/true
                # before y
                y unix - - - - - smtp
                # end
                """);
        assertThat(MasterCfEditor.apply(m, Map.of(0, new MasterCfEditor.Replace("NEW", false)), List.of("APPENDED")))
                .isEqualTo("# comment\nNEW\n  # inner comment\nx unix - - - - - pipe\n  flags=R argv=/bin/true\n"
                        + "# before y\ny unix - - - - - smtp\n# end\nAPPENDED\n");
        assertThat(MasterCfEditor.apply(m, Map.of(2, new MasterCfEditor.Replace("NEW Y", true)), List.of()))
                .as("a -P/-F edit lands after the lines that follow the entry")
                .isEqualTo("# comment\nsmtp      inet  n       -       y       -       -       smtpd\n  -o zzz=1\n"
                        + "  # inner comment\n  -o aaa=2\nx unix - - - - - pipe\n  flags=R argv=/bin/true\n"
                        + "# before y\n# end\nNEW Y\n");
        assertThat(MasterCfEditor.apply(m, Map.of(0, new MasterCfEditor.CommentOut()), List.of()))
                .startsWith("# comment\n#smtp      inet  n       -       y       -       -       smtpd\n#  -o zzz=1\n"
                        + "  # inner comment\n#  -o aaa=2\nx unix");
        assertThat(MasterCfEditor.apply(m, Map.of(1, new MasterCfEditor.Remove()), List.of()))
                .contains("  -o aaa=2\n# before y\n");
    }
}
