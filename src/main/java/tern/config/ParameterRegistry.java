package tern.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ParameterRegistry - every main.cf parameter Tern implements, with its type and Postfix 3.7 default.
 *
 * Adding a parameter is one line in {@link #define}. Defaults are kept unexpanded, exactly as
 * "postconf -d" prints them; a null default is computed from the machine by {@link MachineDefaults}.
 * A name not listed here draws postconf's "unused parameter" warning.
 */
public final class ParameterRegistry {
    private static final ParameterRegistry STANDARD = new ParameterRegistry();

    private final Map<String, Parameter> byName;

    private ParameterRegistry() {
        Map<String, Parameter> m = new LinkedHashMap<>();
        define(m);
        this.byName = Collections.unmodifiableMap(m);
    }

    /** standard - the registry of this Tern version. */
    public static ParameterRegistry standard() {
        return STANDARD;
    }

    /** lookup - the parameter with this name, or null. */
    public Parameter lookup(String name) {
        return byName.get(name);
    }

    /** all - every parameter, in definition order. */
    public Iterable<Parameter> all() {
        return byName.values();
    }

    public boolean isKnown(String name) {
        return byName.containsKey(name);
    }

    private static void str(Map<String, Parameter> m, String name, String def) {
        m.put(name, new Parameter(name, ParameterType.STRING, def, (char) 0));
    }

    private static void bool(Map<String, Parameter> m, String name, String def) {
        m.put(name, new Parameter(name, ParameterType.BOOLEAN, def, (char) 0));
    }

    private static void num(Map<String, Parameter> m, String name, String def) {
        m.put(name, new Parameter(name, ParameterType.INTEGER, def, (char) 0));
    }

    private static void time(Map<String, Parameter> m, String name, String def, char unit) {
        m.put(name, new Parameter(name, ParameterType.TIME, def, unit));
    }

    private static void size(Map<String, Parameter> m, String name, String def) {
        m.put(name, new Parameter(name, ParameterType.SIZE, def, (char) 0));
    }

    private static void list(Map<String, Parameter> m, String name, String def) {
        m.put(name, new Parameter(name, ParameterType.LIST, def, (char) 0));
    }

    /** define - the table. One line per parameter; keep related ones together. */
    private static void define(Map<String, Parameter> m) {
        // Identity of the machine (null: computed, see MachineDefaults)
        str(m, "myhostname", null);
        str(m, "mydomain", null);
        str(m, "myorigin", "$myhostname");
        list(m, "mydestination", "$myhostname, localhost.$mydomain, localhost");
        list(m, "mynetworks", null);
        str(m, "mynetworks_style", "${{$compatibility_level} < {2} ? {subnet} : {host}}");
        list(m, "relay_domains", "${{$compatibility_level} < {2} ? {$mydestination} : {}}");
        str(m, "relayhost", "");
        list(m, "inet_interfaces", "all");
        list(m, "inet_protocols", "all");
        str(m, "mail_name", "Postfix");
        str(m, "mail_version", null);
        str(m, "compatibility_level", "0");
        str(m, "smtpd_banner", "$myhostname ESMTP $mail_name");

        // Directories and files
        str(m, "config_directory", null);
        str(m, "queue_directory", "/var/spool/postfix");
        str(m, "data_directory", "/var/lib/postfix");
        str(m, "command_directory", "/usr/sbin");
        str(m, "daemon_directory", "/usr/lib/postfix/sbin");
        str(m, "meta_directory", "/etc/postfix");
        str(m, "mail_owner", "postfix");
        str(m, "setgid_group", "postdrop");
        str(m, "sendmail_path", "/usr/sbin/sendmail");
        str(m, "newaliases_path", "/usr/bin/newaliases");
        str(m, "mailq_path", "/usr/bin/mailq");
        str(m, "manpage_directory", "/usr/share/man");
        str(m, "html_directory", "no");
        str(m, "readme_directory", "no");
        str(m, "sample_directory", "/etc/postfix");

        // Logging
        str(m, "maillog_file", "");
        list(m, "maillog_file_prefixes", "/var, /dev/stdout");
        str(m, "syslog_name", "${multi_instance_name?{$multi_instance_name}:{postfix}}");
        str(m, "syslog_facility", "mail");
        str(m, "multi_instance_name", "");

        // Aliases, rewriting and routing
        list(m, "alias_maps", "hash:/etc/aliases, nis:mail.aliases");
        list(m, "alias_database", "hash:/etc/aliases");
        list(m, "virtual_alias_maps", "$virtual_maps");
        list(m, "virtual_maps", "");
        list(m, "transport_maps", "");
        str(m, "home_mailbox", "");
        str(m, "mailbox_command", "");
        str(m, "mail_spool_directory", "/var/mail");

        // SMTP server
        list(m, "smtpd_client_restrictions", "");
        list(m, "smtpd_helo_restrictions", "");
        list(m, "smtpd_sender_restrictions", "");
        list(m, "smtpd_relay_restrictions",
                "${{$compatibility_level} < {1} ? {} : {permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}");
        list(m, "smtpd_recipient_restrictions", "");
        list(m, "smtpd_data_restrictions", "");
        list(m, "smtpd_end_of_data_restrictions", "");
        list(m, "smtpd_etrn_restrictions", "");
        bool(m, "smtpd_sasl_auth_enable", "no");
        bool(m, "smtpd_use_tls", "no");
        bool(m, "smtpd_enforce_tls", "no");
        str(m, "smtpd_tls_security_level", "");
        bool(m, "smtpd_tls_wrappermode", "no");
        bool(m, "smtp_use_tls", "no");
        str(m, "smtp_tls_CAfile", "");
        str(m, "smtp_bind_address", "");
        str(m, "smtp_bind_address6", "");
        str(m, "milter_macro_daemon_name", "$myhostname");
        size(m, "message_size_limit", "10240000");
        time(m, "smtpd_timeout", "${stress?{10}:{300}}s", 's');
        time(m, "maximal_queue_lifetime", "5d", 'd');
    }
}
