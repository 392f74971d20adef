package tern.smtpd;

import java.util.List;
import java.util.Locale;

/**
 * Ehlo - the EHLO keywords and smtpd_discard_ehlo_keywords. Each keyword Postfix knows has a bit in
 * the discard mask; the bit order is the order in which Postfix lists discarded keywords in its
 * "discarding EHLO keywords:" log line (which is not the order of the EHLO reply). Unknown names
 * in the list are ignored, as Postfix ignores them.
 */
final class Ehlo {
    static final int BIT_8BITMIME = 1;
    static final int AUTH = 1 << 1;
    static final int ETRN = 1 << 2;
    static final int PIPELINING = 1 << 3;
    static final int SIZE = 1 << 4;
    static final int VERB = 1 << 5;
    static final int VRFY = 1 << 6;
    static final int XCLIENT = 1 << 7;
    static final int XFORWARD = 1 << 8;
    static final int STARTTLS = 1 << 9;
    static final int ENHANCEDSTATUSCODES = 1 << 10;
    static final int DSN = 1 << 11;
    static final int SMTPUTF8 = 1 << 12;
    static final int CHUNKING = 1 << 13;
    static final int SILENT = 1 << 14;

    /** The names of the bits above, in bit order, as Postfix 3.7 writes them in its log line. */
    private static final List<String> LOG_NAMES = List.of("8BITMIME", "AUTH", "ETRN", "PIPELINING", "SIZE", "VERB",
            "VRFY", "XCLIENT", "XFORWARD", "STARTTLS", "ENHANCEDSTATUSCODES", "DSN", "EHLO_MASK_SMTPUTF8", "CHUNKING");

    private Ehlo() {
    }

    static int discardMask(List<String> names) {
        int mask = 0;
        for (String n : names) {
            mask |= switch (n.toLowerCase(Locale.ROOT)) {
                case "8bitmime" -> BIT_8BITMIME;
                case "auth" -> AUTH;
                case "etrn" -> ETRN;
                case "pipelining" -> PIPELINING;
                case "size" -> SIZE;
                case "verb" -> 0; // gone from Postfix: nothing to discard
                case "vrfy" -> VRFY;
                case "xclient" -> XCLIENT;
                case "xforward" -> XFORWARD;
                case "starttls" -> STARTTLS;
                case "enhancedstatuscodes" -> ENHANCEDSTATUSCODES;
                case "dsn" -> DSN;
                case "smtputf8" -> SMTPUTF8;
                case "chunking" -> CHUNKING;
                case "silent-discard" -> SILENT;
                default -> 0;
            };
        }
        return mask;
    }

    /**
     * logLine - "discarding EHLO keywords: ..." or null when nothing is logged. Postfix stays silent
     * with silent-discard, and also when ENHANCEDSTATUSCODES is discarded (observed with 3.7.11).
     */
    static String logLine(int mask) {
        if ((mask & ~SILENT) == 0 || (mask & (SILENT | ENHANCEDSTATUSCODES)) != 0) {
            return null;
        }
        StringBuilder s = new StringBuilder("discarding EHLO keywords:");
        for (int i = 0; i < LOG_NAMES.size(); i++) {
            if ((mask & (1 << i)) != 0) {
                s.append(' ').append(LOG_NAMES.get(i));
            }
        }
        return s.toString();
    }
}
