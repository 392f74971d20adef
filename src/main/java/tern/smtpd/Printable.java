package tern.smtpd;

/**
 * Printable - client text made safe for log lines, the three ways Postfix's smtpd does it:
 * <ul>
 * <li>{@link #escape}: raw input shown to the operator (pipelined input, non-SMTP commands) with C
 *     escapes: \r \n \t \\ and \ooo for every other byte outside printable ASCII.</li>
 * <li>{@link #printable}: names and addresses; each control character becomes '?'.</li>
 * <li>{@link #neuter}: the HELO name; also the characters that would confuse a log parser
 *     (white space and &lt;&gt;()\";@) become '?'.</li>
 * </ul>
 * None of them fails: every byte or character has an output.
 */
final class Printable {
    private static final String NEUTER = " <>()\\\";@";

    private Printable() {
    }

    /** escape - bytes [off, off+len) with C escapes. */
    static String escape(byte[] b, int off, int len) {
        StringBuilder s = new StringBuilder(len + 16);
        for (int i = off; i < off + len; i++) {
            int c = b[i] & 0xff;
            switch (c) {
                case '\r' -> s.append("\\r");
                case '\n' -> s.append("\\n");
                case '\t' -> s.append("\\t");
                case '\\' -> s.append("\\\\");
                default -> {
                    if (c >= 32 && c < 127) {
                        s.append((char) c);
                    } else {
                        s.append('\\').append((char) ('0' + (c >> 6))).append((char) ('0' + ((c >> 3) & 7)))
                                .append((char) ('0' + (c & 7)));
                    }
                }
            }
        }
        return s.toString();
    }

    /** printable - text with control characters replaced by '?'. */
    static String printable(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) {
                StringBuilder s = new StringBuilder(text);
                for (int j = i; j < s.length(); j++) {
                    if (isControl(s.charAt(j))) {
                        s.setCharAt(j, '?');
                    }
                }
                return s.toString();
            }
        }
        return text;
    }

    /** neuter - text with control characters and " <>()\";@" replaced by '?'. */
    static String neuter(String text) {
        StringBuilder s = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isControl(c) || NEUTER.indexOf(c) >= 0) {
                if (s == null) {
                    s = new StringBuilder(text);
                }
                s.setCharAt(i, '?');
            }
        }
        return s == null ? text : s.toString();
    }

    private static boolean isControl(char c) {
        return c < 32 || c == 127 || (c >= 0x80 && c < 0xa0) || c == '\ufffd';
    }
}
