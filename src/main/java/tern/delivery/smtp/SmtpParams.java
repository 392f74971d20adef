package tern.delivery.smtp;

import java.util.List;
import java.util.Locale;

import tern.config.Config;

/**
 * SmtpParams - the main.cf parameters one SMTP or LMTP transport uses, read once from the
 * transport service's view of the configuration (main.cf plus its master.cf -o overrides). The smtp
 * command reads smtp_* parameters, the lmtp command lmtp_* ones, as Postfix's smtp(8) and lmtp(8)
 * do; where the two differ in name (smtp_helo_* / lmtp_lhlo_*) the right one is taken.
 */
record SmtpParams(
        boolean lmtp,
        String heloName,
        long connectTimeout, long heloTimeout, long mailTimeout, long rcptTimeout,
        long dataInitTimeout, long dataXferTimeout, long dataDoneTimeout, long quitTimeout, long rsetTimeout,
        String bindAddress, String bindAddress6, boolean bindEnforce,
        boolean useDns, boolean hostLookupDns, boolean hostLookupNative,
        boolean v4, boolean v6, String addressPreference, boolean balanceProtocols, boolean randomizeAddresses,
        int mxAddressLimit, int mxSessionLimit, boolean deferIfNoMxAddress, boolean ignoreMxLookupError,
        List<String> fallbackRelay, String relayhost, int defaultPort,
        boolean cacheOnDemand, List<String> cacheDestinations, long cacheTimeLimit,
        long reuseTimeLimit, long reuseCountLimit,
        boolean skip5xxGreeting, boolean skipQuitResponse, boolean alwaysEhlo, boolean neverEhlo,
        boolean quoteEnvelope, int lineLimit, String myhostname) {

    static SmtpParams of(Config c, boolean lmtp) {
        String p = lmtp ? "lmtp_" : "smtp_";
        List<String> protocols = c.lowerList("inet_protocols");
        boolean all = protocols.isEmpty() || protocols.contains("all");
        boolean v4 = all || protocols.contains("ipv4");
        boolean v6 = all || protocols.contains("ipv6");
        // smtp_dns_support_level (empty: follow disable_dns_lookups) decides whether MX and host
        // lookups use DNS at all; "disabled" makes host lookups "native" (/etc/hosts, then DNS).
        String level = c.get(p + "dns_support_level").strip().toLowerCase(Locale.ROOT);
        boolean useDns = level.isEmpty() ? !c.bool("disable_dns_lookups") : !level.equals("disabled");
        List<String> lookup = c.lowerList(p + "host_lookup");
        boolean hostDns = useDns && (lookup.isEmpty() || lookup.contains("dns"));
        boolean hostNative = !useDns || lookup.contains("native");
        long port = lmtp ? c.integer("lmtp_tcp_port") : 25;
        return new SmtpParams(
                lmtp,
                c.get(lmtp ? "lmtp_lhlo_name" : "smtp_helo_name"),
                c.seconds(p + "connect_timeout"),
                c.seconds(lmtp ? "lmtp_lhlo_timeout" : "smtp_helo_timeout"),
                c.seconds(p + "mail_timeout"),
                c.seconds(p + "rcpt_timeout"),
                c.seconds(p + "data_init_timeout"),
                c.seconds(p + "data_xfer_timeout"),
                c.seconds(p + "data_done_timeout"),
                c.seconds(p + "quit_timeout"),
                c.seconds(p + "rset_timeout"),
                c.get(p + "bind_address").strip(),
                c.get(p + "bind_address6").strip(),
                c.bool(p + "bind_address_enforce"),
                useDns, hostDns, hostNative,
                v4, v6,
                c.get(p + "address_preference").strip().toLowerCase(Locale.ROOT),
                c.bool(p + "balance_inet_protocols"),
                c.bool(p + "randomize_addresses"),
                (int) Math.max(0, c.integer(p + "mx_address_limit")),
                (int) Math.max(0, c.integer(p + "mx_session_limit")),
                c.bool(p + "defer_if_no_mx_address_found"),
                c.bool("ignore_mx_lookup_error"),
                lmtp ? List.of() : c.list("smtp_fallback_relay"),
                c.get("relayhost").strip(),
                (int) (port > 0 && port < 65536 ? port : lmtp ? 24 : 25),
                c.bool(p + "connection_cache_on_demand"),
                c.lowerList(p + "connection_cache_destinations"),
                c.seconds(p + "connection_cache_time_limit"),
                c.seconds(p + "connection_reuse_time_limit"),
                c.integer(p + "connection_reuse_count_limit"),
                c.bool(p + "skip_5xx_greeting"),
                c.bool(p + "skip_quit_response"),
                lmtp || c.bool("smtp_always_send_ehlo"),
                !lmtp && c.bool("smtp_never_send_ehlo"),
                c.bool(p + "quote_rfc821_envelope"),
                (int) Math.max(0, Math.min(Integer.MAX_VALUE, c.integer(p + "line_length_limit"))),
                c.get("myhostname"));
    }

    /** command - the command name as logs and messages use it: "smtp" or "lmtp". */
    String command() {
        return lmtp ? "lmtp" : "smtp";
    }
}
