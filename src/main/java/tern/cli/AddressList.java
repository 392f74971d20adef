package tern.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * AddressList - the addresses in an RFC 5322 address list, as sendmail -t takes recipients from
 * To:, Cc: and Bcc: and as sendmail takes its command-line recipients: display names, comments
 * and group names are dropped, "Name <addr>" gives addr, a group "list: a, b;" gives a and b,
 * "<>" and empty members give nothing. Quoted local parts are unquoted into the internal form
 * Postfix uses ("\"john doe\"@example.com" becomes john doe@example.com).
 *
 * Lenient like Postfix: what is not well-formed is taken as written rather than refused, and the
 * cleanup step decides what to do with it. Input length is bounded by the caller (header_size_limit).
 */
final class AddressList {
    private AddressList() {
    }

    /** parse - the addresses in one header value or argument, in order. */
    static List<String> parse(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder unit = new StringBuilder();
        int depth = 0;          // comment nesting
        boolean quoted = false;
        boolean angle = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                unit.append(c);
                if (c == '\\' && i + 1 < value.length()) {
                    unit.append(value.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            if (depth > 0) {
                if (c == '\\' && i + 1 < value.length()) {
                    i++;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
                unit.append(depth == 0 ? ' ' : "");
                continue;
            }
            switch (c) {
                case '"' -> {
                    quoted = true;
                    unit.append(c);
                }
                case '(' -> depth = 1;
                case '<' -> {
                    angle = true;
                    unit.append(c);
                }
                case '>' -> {
                    angle = false;
                    unit.append(c);
                }
                case ':' -> {
                    if (angle) {
                        unit.append(c);
                    } else {
                        unit.setLength(0); // a group's display name
                    }
                }
                case ',', ';' -> {
                    if (angle) {
                        unit.append(c);
                    } else {
                        add(out, unit.toString());
                        unit.setLength(0);
                    }
                }
                default -> unit.append(c);
            }
        }
        add(out, unit.toString());
        return out;
    }

    private static void add(List<String> out, String unit) {
        String u = unit.strip();
        if (u.isEmpty()) {
            return;
        }
        int lt = lastUnquoted(u, '<');
        String addr;
        if (lt >= 0) {
            int gt = u.indexOf('>', lt);
            addr = u.substring(lt + 1, gt < 0 ? u.length() : gt).strip();
            int colon = addr.startsWith("@") ? addr.indexOf(':') : -1;
            if (colon >= 0) {
                addr = addr.substring(colon + 1); // drop an obsolete source route "@a,@b:"
            }
        } else {
            addr = u;
        }
        addr = internal(addr);
        if (!addr.isEmpty()) {
            out.add(addr);
        }
    }

    private static int lastUnquoted(String s, char want) {
        boolean q = false;
        int at = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && q) {
                i++;
            } else if (c == '"') {
                q = !q;
            } else if (c == want && !q) {
                at = i;
            }
        }
        return at;
    }

    /** internal - quotes and quoting backslashes removed, white space outside quotes dropped. */
    static String internal(String addr) {
        StringBuilder b = new StringBuilder(addr.length());
        boolean q = false;
        for (int i = 0; i < addr.length(); i++) {
            char c = addr.charAt(i);
            if (c == '"') {
                q = !q;
            } else if (c == '\\' && i + 1 < addr.length()) {
                b.append(addr.charAt(++i));
            } else if (q || !Character.isWhitespace(c)) {
                b.append(c);
            }
        }
        return b.toString();
    }
}
