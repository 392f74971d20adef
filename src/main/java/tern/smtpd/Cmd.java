package tern.smtpd;

/**
 * Cmd - the SMTP commands smtpd knows, in the order Postfix 3.7 lists them in its "disconnect from"
 * statistics line, with the two properties the session loop needs:
 * <ul>
 * <li>junk: counts against smtpd_junk_command_limit (commands that deliver nothing);</li>
 * <li>last: RFC 2920 allows it only at the end of a pipelined group, so input pending after it is
 *     "improper command pipelining".</li>
 * </ul>
 */
enum Cmd {
    HELO("helo", true, true),
    EHLO("ehlo", true, true),
    XCLIENT("xclient", false, false),
    XFORWARD("xforward", false, false),
    STARTTLS("starttls", false, false),
    AUTH("auth", false, false),
    MAIL("mail", false, false),
    RCPT("rcpt", false, false),
    DATA("data", false, true),
    BDAT("bdat", false, false),
    RSET("rset", true, false),
    NOOP("noop", true, true),
    VRFY("vrfy", true, true),
    ETRN("etrn", true, false),
    QUIT("quit", false, false),
    UNKNOWN("unknown", false, false);

    final String statName;
    final boolean junk;
    final boolean last;

    Cmd(String statName, boolean junk, boolean last) {
        this.statName = statName;
        this.junk = junk;
        this.last = last;
    }

    /** of - the command for a verb in any case, or UNKNOWN. */
    static Cmd of(String verb) {
        if (verb.length() < 4 || verb.length() > 8) {
            return UNKNOWN;
        }
        return switch (verb.toUpperCase(java.util.Locale.ROOT)) {
            case "HELO" -> HELO;
            case "EHLO" -> EHLO;
            case "XCLIENT" -> XCLIENT;
            case "XFORWARD" -> XFORWARD;
            case "STARTTLS" -> STARTTLS;
            case "AUTH" -> AUTH;
            case "MAIL" -> MAIL;
            case "RCPT" -> RCPT;
            case "DATA" -> DATA;
            case "BDAT" -> BDAT;
            case "RSET" -> RSET;
            case "NOOP" -> NOOP;
            case "VRFY" -> VRFY;
            case "ETRN" -> ETRN;
            case "QUIT" -> QUIT;
            default -> UNKNOWN;
        };
    }
}
