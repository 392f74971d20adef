package tern.delivery.error;

/**
 * DsnText - a reason as the error, retry and discard transports take it from the next-hop field
 * ("5.1.2 no such domain here"): an optional RFC 3463 detail code, then the text. The code is
 * recognised only when it is a whole first word of the form class.subject.detail with class 2, 4
 * or 5 and at most three digits per part; anything else is part of the text.
 *
 * @param dsn  the code found, or the default given
 * @param text the rest, without the code and the spaces after it (may be empty)
 */
public record DsnText(String dsn, String text) {

    /** parse - split reason into code and text; defaultDsn when it starts with no code. */
    public static DsnText parse(String reason, String defaultDsn) {
        String r = reason == null ? "" : reason.strip();
        int sp = 0;
        while (sp < r.length() && r.charAt(sp) != ' ' && r.charAt(sp) != '\t') {
            sp++;
        }
        String first = r.substring(0, sp);
        if (isDsn(first)) {
            return new DsnText(first, r.substring(sp).strip());
        }
        return new DsnText(defaultDsn, r);
    }

    /** isDsn - whether s looks like "4.3.2". */
    public static boolean isDsn(String s) {
        if (s.length() < 5 || (s.charAt(0) != '2' && s.charAt(0) != '4' && s.charAt(0) != '5') || s.charAt(1) != '.') {
            return false;
        }
        int dots = 0;
        int digits = 0;
        for (int i = 2; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (digits == 0) {
                    return false;
                }
                dots++;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (++digits > 3) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return dots == 1 && digits > 0;
    }
}
