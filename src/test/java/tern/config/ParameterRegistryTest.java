package tern.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The registry data: complete, consistent, and typed where Tern implements a parameter. */
class ParameterRegistryTest {
    private final ParameterRegistry r = ParameterRegistry.standard();

    @Test
    void loadsEveryPostfixParameterAndNoConflicts() {
        assertThat(r.problems()).isEmpty();
        assertThat(r.isPostfixBuiltin("myhostname")).isTrue();
        assertThat(r.lookup("mail_version").defaultValue()).isEqualTo("3.7.11");
        assertThat(r.lookup("myhostname").defaultValue()).as("computed from the machine").isNull();
        assertThat(r.lookup("config_directory").defaultValue()).isEqualTo("/etc/postfix");
        int count = 0;
        for (Parameter p : r.all()) {
            if (r.isPostfixBuiltin(p.name())) {
                count++;
            }
        }
        assertThat(count).as("postconf -d with an empty master.cf lists 831").isEqualTo(831);
        assertThat(r.isPostfixBuiltin("mailman_destination_recipient_limit")).as("service-defined").isFalse();
    }

    @Test
    void legacyNamesThatDefaultsReferToAreKnownButNotListed() {
        assertThat(r.defaultReferences()).contains("virtual_maps", "fallback_relay",
                "smtpd_client_connection_limit_exceptions").doesNotContain("rbl_code", "home", "extension");
        assertThat(r.isKnown("fallback_relay")).isTrue();
        assertThat(r.lookup("fallback_relay").defaultValue()).isEmpty();
        assertThat(r.isPostfixBuiltin("fallback_relay")).isFalse();
    }

    @Test
    void parametersTheSeedPageDesignAndIssuesNameAreTyped() {
        List<String> named = List.of("myhostname", "mydomain", "myorigin", "mydestination", "mynetworks",
                "mynetworks_style", "relay_domains", "relayhost", "inet_interfaces", "inet_protocols", "alias_maps",
                "alias_database", "virtual_alias_maps", "transport_maps", "home_mailbox", "mailbox_command",
                "mail_spool_directory", "smtpd_banner", "smtpd_client_restrictions", "smtpd_helo_restrictions",
                "smtpd_sender_restrictions", "smtpd_relay_restrictions", "smtpd_recipient_restrictions",
                "smtpd_etrn_restrictions", "message_size_limit", "queue_directory", "data_directory",
                "config_directory", "command_directory", "maillog_file", "syslog_name", "compatibility_level",
                "process_id", "process_name", "smtp_bind_address", "smtpd_recipient_limit", "line_length_limit",
                "smtpd_timeout", "smtpd_soft_error_limit", "smtpd_hard_error_limit", "smtpd_junk_command_limit",
                "smtpd_client_connection_count_limit", "disable_vrfy_command", "smtpd_discard_ehlo_keywords",
                "smtpd_reject_unlisted_recipient", "always_add_missing_headers", "append_dot_mydomain",
                "swap_bangpath", "allow_percent_hack", "canonical_maps", "masquerade_domains", "local_transport",
                "virtual_transport", "relay_transport", "default_transport", "local_recipient_maps",
                "default_process_limit", "default_destination_concurrency_limit",
                "default_destination_recipient_limit", "minimal_backoff_time", "maximal_backoff_time",
                "queue_run_delay", "maximal_queue_lifetime", "bounce_queue_lifetime", "delay_warning_time",
                "2bounce_notice_recipient", "notify_classes", "forward_path", "mailbox_transport",
                "fallback_transport", "luser_relay", "allow_mail_to_commands", "allow_mail_to_files",
                "virtual_mailbox_domains", "virtual_mailbox_maps", "virtual_mailbox_base", "virtual_uid_maps",
                "virtual_gid_maps", "virtual_minimum_uid", "smtp_mx_address_limit", "smtp_mx_session_limit",
                "smtp_fallback_relay", "smtp_address_preference", "smtp_bind_address6", "smtp_connect_timeout",
                "smtp_helo_timeout", "smtp_connection_cache_on_demand", "smtp_connection_cache_destinations",
                "command_time_limit");
        List<String> untyped = new ArrayList<>();
        for (String n : named) {
            Parameter p = r.lookup(n);
            if (p == null || !p.implemented()) {
                untyped.add(n);
            }
        }
        assertThat(untyped).isEmpty();
        assertThat(r.lookup("smtpd_tls_security_level").implemented()).as("TLS stays known-only").isFalse();
    }

    @Test
    void typedDefaultsAreValidForTheirType() throws ConfigException {
        // Defaults may refer to other parameters: check them expanded, in a snapshot of defaults only.
        Config c = Config.of(Path.of("/nonexistent"), MainCf.parse(Path.of("main.cf"), ""));
        List<String> bad = new ArrayList<>();
        for (Parameter p : r.all()) {
            if (p.implemented()) {
                String problem = Config.check(p, c.get(p.name()));
                if (problem != null) {
                    bad.add(problem);
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void serviceDefinedNamesFollowTheCommand() throws ConfigException {
        MasterCf m = MasterCf.parse(Path.of("master.cf"), """
                mailman unix - n n - - pipe argv=/bin/true
                policy unix - n n - 0 spawn argv=/bin/true
                disc unix - - - - - discard
                local unix - n n - - local
                """);
        var defined = r.serviceDefined(m.services());
        assertThat(defined).containsKeys("mailman_destination_recipient_limit", "mailman_time_limit",
                "policy_time_limit", "local_destination_rate_delay");
        assertThat(defined).doesNotContainKeys("disc_destination_recipient_limit", "policy_destination_recipient_limit",
                "local_destination_recipient_limit");
        assertThat(defined).hasSize(17 + 1 + 14);
        assertThat(defined.get("mailman_destination_recipient_limit").defaultValue())
                .isEqualTo("$default_destination_recipient_limit");
    }
}
