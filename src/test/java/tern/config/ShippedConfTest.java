package tern.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The default conf/main.cf and conf/master.cf that ship with Tern load cleanly, without warnings. */
class ShippedConfTest {
    private static final Path CONF = Path.of(System.getProperty("tern.home", ".")).resolve("conf").toAbsolutePath();

    @Test
    void loadStrictlyWithoutWarnings() throws ConfigException {
        MainCf main = MainCf.load(CONF.resolve("main.cf"));
        MasterCf master = MasterCf.load(CONF.resolve("master.cf"));
        assertThat(main.warnings()).isEmpty();
        assertThat(master.warnings()).isEmpty();
        Config c = Config.of(CONF, main, master);
        ParameterUsage u = ParameterUsage.analyze(c.registry(), c.serviceParameters(), main, Map.of(), master);
        assertThat(u.mainScanWarnings()).isEmpty();
        assertThat(u.masterScanWarnings()).isEmpty();
        assertThat(u.mainUnused()).isEmpty();
        assertThat(u.masterUnused()).isEmpty();
        assertThat(c.get("smtpd_relay_restrictions")).contains("defer_unauth_destination");
        assertThat(master.find("smtp", "inet").command()).isEqualTo("smtpd");
        assertThat(c.forService(master.find("relay", "unix")).get("syslog_name")).isEqualTo("postfix/relay");
        for (MainCf.Entry e : main.entries()) {
            assertThat(c.parameter(e.name())).as(e.name() + " is a parameter Tern knows").isNotNull();
        }
    }
}
