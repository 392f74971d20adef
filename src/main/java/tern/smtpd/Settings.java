package tern.smtpd;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import tern.config.Config;

/**
 * Settings - the main.cf values one smtpd service uses, read once from its Config snapshot so that
 * a session never parses configuration. Every value has passed the snapshot's own validation; the
 * few that Postfix constrains further are clamped here (a line_length_limit below 80 would make no
 * sense of SMTP, so it is raised to 80).
 */
record Settings(
        String myhostname,
        String banner,
        String doubleBounceSender,
        String serviceName,
        long messageSizeLimit,
        int lineLengthLimit,
        int recipientLimit,
        int recipientOvershootLimit,
        int softErrorLimit,
        int hardErrorLimit,
        long errorSleepMillis,
        int junkCommandLimit,
        long timeoutMillis,
        int connectionCountLimit,
        boolean disableVrfy,
        boolean forbidUnauthPipelining,
        int discardMask,
        boolean delayReject,
        boolean heloRequired,
        boolean smtputf8Enable,
        boolean rejectUnlistedRecipient,
        boolean peernameLookup,
        boolean delayOpenUntilValidRcpt,
        boolean clientPortLogging,
        boolean softBounce,
        Set<String> forbiddenCommands,
        boolean forbidNonLetterCommands,
        int bareNewline,
        int bareNewlineRejectCode) {

    /** smtpd_forbid_bare_newline: no, normalize (or yes), reject. */
    static final int BARE_LF_ALLOWED = 0;
    static final int BARE_LF_NORMALIZE = 1;
    static final int BARE_LF_REJECT = 2;

    static Settings of(Config c, String serviceName) {
        Set<String> forbidden = new HashSet<>();
        boolean nonLetter = false;
        for (String w : c.list("smtpd_forbidden_commands")) {
            if (w.indexOf(':') > 0) {
                // The only table Postfix ships here is its default "regexp:{{/^[^A-Z]/ Bogus}}"; regexp
                // tables are case-insensitive, so it catches commands that do not start with a letter.
                if (w.replace(" ", "").equalsIgnoreCase("regexp:{{/^[^A-Z]/Bogus}}")) {
                    nonLetter = true;
                }
                continue;
            }
            forbidden.add(w.toUpperCase(Locale.ROOT));
        }
        return new Settings(
                c.get("myhostname"),
                c.get("smtpd_banner"),
                c.get("double_bounce_sender"),
                serviceName,
                c.integer("message_size_limit"),
                (int) Math.max(80, Math.min(Integer.MAX_VALUE - 16, c.integer("line_length_limit"))),
                clampInt(c.integer("smtpd_recipient_limit")),
                clampInt(c.integer("smtpd_recipient_overshoot_limit")),
                clampInt(c.integer("smtpd_soft_error_limit")),
                (int) Math.max(1, clampInt(c.integer("smtpd_hard_error_limit"))),
                Math.max(0, c.seconds("smtpd_error_sleep_time")) * 1000,
                clampInt(c.integer("smtpd_junk_command_limit")),
                Math.max(1, c.seconds("smtpd_timeout")) * 1000,
                clampInt(c.integer("smtpd_client_connection_count_limit")),
                c.bool("disable_vrfy_command"),
                c.bool("smtpd_forbid_unauth_pipelining"),
                Ehlo.discardMask(c.list("smtpd_discard_ehlo_keywords")),
                c.bool("smtpd_delay_reject"),
                c.bool("smtpd_helo_required"),
                c.bool("smtputf8_enable"),
                c.bool("smtpd_reject_unlisted_recipient"),
                c.bool("smtpd_peername_lookup"),
                c.bool("smtpd_delay_open_until_valid_rcpt"),
                c.bool("smtpd_client_port_logging"),
                c.bool("soft_bounce"),
                Set.copyOf(forbidden),
                nonLetter,
                switch (c.get("smtpd_forbid_bare_newline").toLowerCase(Locale.ROOT)) {
                    case "yes", "normalize" -> BARE_LF_NORMALIZE;
                    case "reject" -> BARE_LF_REJECT;
                    default -> BARE_LF_ALLOWED;
                },
                clampInt(c.integer("smtpd_forbid_bare_newline_reject_code")));
    }

    private static int clampInt(long v) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, v));
    }
}
