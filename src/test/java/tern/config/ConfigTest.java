package tern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config snapshots: defaults, machine-derived names, typed getters, validation, per-service views. */
class ConfigTest {
    @TempDir
    Path tmp;

    private Config config(String mainCf) throws ConfigException {
        return Config.of(tmp, MainCf.parse(tmp.resolve("main.cf"), mainCf));
    }

    @Test
    void defaultsAndMainCf() throws ConfigException {
        Config c = config("myhostname = mx.example.test\nmydestination = $myhostname, localhost\n");
        assertThat(c.get("mydestination")).isEqualTo("mx.example.test, localhost");
        assertThat(c.list("mydestination")).containsExactly("mx.example.test", "localhost");
        assertThat(c.get("mail_name")).isEqualTo("Postfix");
        assertThat(c.get("smtpd_banner")).isEqualTo("mx.example.test ESMTP Postfix");
        assertThat(c.raw("smtpd_banner")).isEqualTo("$myhostname ESMTP $mail_name");
        assertThat(c.integer("smtpd_recipient_limit")).isEqualTo(1000);
        assertThat(c.seconds("smtpd_timeout")).isEqualTo(300);
        assertThat(c.seconds("maximal_queue_lifetime")).isEqualTo(5 * 86400);
        assertThat(c.seconds("delay_warning_time")).isZero();
        assertThat(c.bool("disable_vrfy_command")).isFalse();
        assertThat(c.integer("message_size_limit")).isEqualTo(10240000);
        assertThat(c.get("config_directory")).isEqualTo(tmp.toString());
        assertThat(c.get("nosuch")).isEmpty();
        assertThat(c.isSet("myhostname")).isTrue();
        assertThat(c.isSet("mydomain")).isFalse();
    }

    @Test
    void compatibilityLevelDrivesDefaults() throws ConfigException {
        assertThat(config("").get("mynetworks_style")).isEqualTo("subnet");
        assertThat(config("compatibility_level = 3.6\n").get("mynetworks_style")).isEqualTo("host");
        assertThat(config("compatibility_level = 3.6\n").bool("append_dot_mydomain")).isFalse();
        assertThat(config("").get("relay_domains")).isEqualTo(config("").get("mydestination"));
    }

    @Test
    void namesDeriveAsPostfixDerivesThem() throws ConfigException {
        assertThat(config("myhostname = a.b.c.d\n").get("mydomain")).isEqualTo("b.c.d");
        assertThat(config("myhostname = foo\n").get("mydomain")).isEqualTo("localdomain");
        assertThat(config("myhostname = foo.\n").get("mydomain")).isEmpty();
        String host = MachineDefaults.hostName();
        Config c = config("mydomain = x.example\n");
        assertThat(c.get("myhostname")).isEqualTo(host.contains(".") ? host : host + ".x.example");
        Config d = config("");
        assertThat(d.get("myhostname")).isEqualTo(host.contains(".") ? host : host + ".localdomain");
        assertThat(d.get("mydomain")).isEqualTo(MachineDefaults.mydomain(d.get("myhostname")));
    }

    @Test
    void typesAreCheckedWithFileAndLine() {
        assertThatThrownBy(() -> config("myhostname = x.test\nbiff = true\n"))
                .hasMessage(tmp.resolve("main.cf") + ", line 2: bad boolean configuration: biff = true");
        assertThatThrownBy(() -> config("line_length_limit = 10x\n"))
                .hasMessage(tmp.resolve("main.cf") + ", line 1: bad numerical configuration: line_length_limit = 10x");
        assertThatThrownBy(() -> config("line_length_limit = 2147483648\n"))
                .hasMessageContaining("bad numerical configuration");
        assertThatThrownBy(() -> config("smtpd_timeout = 10q\n"))
                .hasMessage(tmp.resolve("main.cf") + ", line 1: parameter smtpd_timeout: bad time value or unit: 10q");
        assertThatThrownBy(() -> config("smtpd_timeout = 1H\n")).hasMessageContaining("bad time value or unit: 1H");
        assertThatThrownBy(() -> config("mynetworks_style = bogus\n"))
                .hasMessage(tmp.resolve("main.cf") + ", line 1: unknown mynetworks mask style value \"bogus\" in \"bogus\"");
    }

    @Test
    void timesAndNumbers() {
        assertThat(Config.parseSeconds("10", 's')).isEqualTo(10);
        assertThat(Config.parseSeconds("10", 'd')).isEqualTo(864000);
        assertThat(Config.parseSeconds("+5m", 's')).isEqualTo(300);
        assertThat(Config.parseSeconds("2w", 's')).isEqualTo(1209600);
        assertThat(Config.parseSeconds("1.5m", 's')).isEqualTo(-1);
        assertThat(Config.parseSeconds("-5", 's')).isEqualTo(-1);
        assertThat(Config.parseSeconds("", 's')).isEqualTo(-1);
        assertThat(Config.parseSeconds("99999999999999d", 's')).isEqualTo(-1);
    }

    @Test
    void expansionErrorsNameFileLineAndParameter() {
        assertThatThrownBy(() -> config("compatibility_level = 3.6\nsmtpd_banner = ${myhostname ESMTP\n"))
                .hasMessage(tmp.resolve("main.cf") + ", line 2: parameter smtpd_banner: truncated macro reference: "
                        + "\"${myhostname ESMTP\"");
        assertThatThrownBy(() -> config("a = $b\nb = $a\nmyorigin = $a\n"))
                .hasMessageStartingWith(tmp.resolve("main.cf") + ", line ")
                .hasMessageContaining("unreasonable macro call nesting");
    }

    @Test
    void serviceViews() throws ConfigException {
        MasterCf master = MasterCf.parse(tmp.resolve("master.cf"), MasterCfTest.SEED + """
                relay     unix  -       -       y       -       -       smtp
                        -o syslog_name=postfix/$service_name
                """);
        Config main = Config.of(tmp, MainCf.parse(tmp.resolve("main.cf"), "myhostname = mx.example.test\n"), master);
        Config smtps = main.forService(master.find("smtps", "inet"));
        assertThat(smtps.get("syslog_name")).isEqualTo("postfix/smtps");
        assertThat(smtps.bool("smtpd_tls_wrappermode")).isTrue();
        assertThat(smtps.list("smtpd_client_restrictions")).containsExactly("permit_sasl_authenticated", "reject");
        assertThat(main.get("syslog_name")).as("the main view is unchanged").isEqualTo("postfix");
        Config relay = main.forService(master.find("relay", "unix"));
        assertThat(relay.get("syslog_name")).isEqualTo("postfix/relay");
        assertThat(relay.get("process_name")).isEqualTo("smtp");
        Config internal = main.withOverrides(master.find("smtpinternal", "unix").overrides());
        assertThat(internal.get("smtp_bind_address")).isEqualTo("10.0.0.1");
        assertThatThrownBy(() -> main.withOverrides(Map.of("smtpd_timeout", "soon")))
                .hasMessage("parameter smtpd_timeout: bad time value or unit: soon");
    }

    @Test
    void serviceDefinedParameters() throws ConfigException {
        MasterCf master = MasterCf.parse(tmp.resolve("master.cf"), MasterCfTest.SEED);
        Config c = Config.of(tmp, MainCf.parse(tmp.resolve("main.cf"), "mailman_destination_recipient_limit = 1\n"),
                master);
        assertThat(c.integer("mailman_destination_recipient_limit")).isEqualTo(1);
        assertThat(c.integer("smtpinternal_destination_concurrency_limit")).isEqualTo(20);
        assertThat(c.seconds("mailman_time_limit")).isEqualTo(1000);
        assertThat(c.parameter("smtpinternal_time_limit")).as("only pipe and spawn have _time_limit").isNull();
        assertThat(c.integer("local_destination_recipient_limit")).as("built-in wins").isEqualTo(1);
        assertThatThrownBy(() -> Config.of(tmp, MainCf.parse(tmp.resolve("main.cf"),
                "mailman_destination_recipient_limit = one\n"), master))
                .hasMessageContaining("bad numerical configuration: mailman_destination_recipient_limit = one");
    }

    @Test
    void loadReadsMasterCfForServiceNames() throws IOException, ConfigException {
        Files.writeString(tmp.resolve("main.cf"), "myhostname = mx.example.test\n");
        Files.writeString(tmp.resolve("master.cf"), MasterCfTest.SEED);
        Config c = Config.load(tmp);
        assertThat(c.get("mailman_destination_recipient_limit")).isEqualTo("50");
        assertThat(c.services()).hasSize(8);
        assertThatThrownBy(() -> Config.load(tmp.resolve("nowhere")))
                .hasMessage("open " + tmp.resolve("nowhere/main.cf") + ": No such file or directory");
    }

    @Test
    void mynetworksIsComputedWhenNotSet() throws ConfigException {
        Config c = config("compatibility_level = 3.6\ninet_interfaces = 127.0.0.1\n");
        assertThat(c.get("mynetworks")).isEqualTo("127.0.0.1/32");
        assertThat(config("inet_interfaces = 127.0.0.1\n").get("mynetworks")).isEqualTo("127.0.0.0/8");
        assertThat(config("mynetworks = 10.0.0.0/8, $myhostname\nmyhostname = h.test\n").list("mynetworks"))
                .containsExactly("10.0.0.0/8", "h.test");
        assertThat(config("mynetworks_style = class\ninet_interfaces = 127.0.0.1\n").get("mynetworks"))
                .isEqualTo("127.0.0.0/8");
    }

    @Test
    void listsKeepBracedGroups() {
        assertThat(Config.splitList("a, b  c,,d")).containsExactly("a", "b", "c", "d");
        assertThat(Config.splitList("inline:{ a=b, c=d }, static:{ x y }"))
                .containsExactly("inline:{ a=b, c=d }", "static:{ x y }");
        assertThat(Config.splitList("")).isEqualTo(List.of());
    }
}
