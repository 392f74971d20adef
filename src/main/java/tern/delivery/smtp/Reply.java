package tern.delivery.smtp;

/**
 * Reply - one SMTP/LMTP server reply: the code of its last line, the enhanced status code (from the
 * reply, or made up as Postfix does: "X.0.0" from the code's first digit, "5.5.0" when the code is
 * not 2xx/4xx/5xx or missing), and its text: every line as received, code included, joined by
 * newlines (Postfix turns those into spaces when it logs "host X said: ...").
 *
 * @param code the three-digit reply code, 0 when no well-formed final line came
 * @param dsn  the enhanced status code
 * @param text the reply lines, newline-separated, non-printable characters replaced by '?'
 */
public record Reply(int code, String dsn, String text) {

    /** oneLine - the text with its line breaks turned into spaces, as it appears in logs and DSNs. */
    public String oneLine() {
        return text.replace('\n', ' ');
    }

    public int kind() {
        return code / 100;
    }

    /** parse - code and enhanced status of a final line "ddd text"; the text is all lines of the reply. */
    static Reply of(String finalLine, String allLines) {
        int code = 0;
        if (finalLine.length() >= 3 && isDigit(finalLine.charAt(0)) && isDigit(finalLine.charAt(1))
                && isDigit(finalLine.charAt(2))) {
            code = (finalLine.charAt(0) - '0') * 100 + (finalLine.charAt(1) - '0') * 10 + (finalLine.charAt(2) - '0');
        }
        String dsn;
        char first = finalLine.isEmpty() ? '0' : finalLine.charAt(0);
        if (code != 0 && (first == '2' || first == '4' || first == '5')) {
            int i = 4;
            while (i < finalLine.length() && finalLine.charAt(i) == ' ') {
                i++;
            }
            int len = finalLine.length() >= 4 ? dsnLength(finalLine, i) : 0;
            if (len > 0 && finalLine.charAt(i) == first) {
                dsn = finalLine.substring(i, i + len);
            } else {
                dsn = first + ".0.0";
            }
        } else {
            dsn = "5.5.0";
        }
        return new Reply(code, dsn, allLines);
    }

    /**
     * dsnLength - the length of an RFC 3463 status code "c.s.d" at s[from] (class 2, 4 or 5, subject
     * and detail of 1-3 digits) followed by white space or the end, else 0.
     */
    static int dsnLength(String s, int from) {
        int i = from;
        if (i >= s.length()) {
            return 0;
        }
        char c = s.charAt(i);
        if (c != '2' && c != '4' && c != '5') {
            return 0;
        }
        i++;
        for (int part = 0; part < 2; part++) {
            if (i >= s.length() || s.charAt(i) != '.') {
                return 0;
            }
            i++;
            int digits = 0;
            while (i < s.length() && isDigit(s.charAt(i)) && digits < 4) {
                i++;
                digits++;
            }
            if (digits < 1 || digits > 3) {
                return 0;
            }
        }
        if (i < s.length() && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
            return 0;
        }
        return i - from;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
