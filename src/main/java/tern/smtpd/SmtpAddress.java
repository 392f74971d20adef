package tern.smtpd;

import java.util.ArrayList;
import java.util.List;

/**
 * SmtpAddress - the address syntax of MAIL FROM, RCPT TO and VRFY, as lenient and as strict as
 * Postfix's smtpd:
 * <ul>
 * <li>{@link #split} cuts the command's arguments at white space, except inside &lt;...&gt; and
 *     "..." (so "&lt;a b@c&gt;" is one argument); an argument left open at the end of the line is
 *     {@link Args#unbalanced}, which smtpd answers with "Bad ... address syntax" and no warning.</li>
 * <li>{@link #extract} reads an address argument the way an RFC 822 parser does: comments go, a
 *     phrase before &lt; is ignored, a source route "@a,@b:" is dropped, quoted strings are unquoted.
 *     More than one address, words without a dot or @ between them, other specials, or a domain
 *     that is not a host name or address literal make it {@link Status#ILLEGAL} (smtpd logs "Illegal
 *     address syntax").</li>
 * </ul>
 * Nothing here throws; every input has a result. The returned address is the internal form
 * (unquoted); {@link #external} quotes a local part again for log lines, as Postfix logs it.
 */
final class SmtpAddress {
    /** Status - the outcome of {@link #extract}. */
    enum Status { OK, ILLEGAL }

    /** Extracted - an address in internal form ("" for the null address) and its status. */
    record Extracted(Status status, String address) {
    }

    /** Args - the arguments of a command line, and whether the last one never closed its &lt; or ". */
    record Args(List<String> list, boolean unbalanced) {
    }

    private SmtpAddress() {
    }

    /** split - the arguments of text from index from on, cut at white space outside &lt;&gt; and quotes. */
    static Args split(String text, int from) {
        List<String> out = new ArrayList<>(4);
        int n = text.length();
        int i = from;
        boolean unbalanced = false;
        while (i < n) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            int start = i;
            int level = 0;
            boolean quoted = false;
            while (i < n) {
                c = text.charAt(i);
                if (quoted) {
                    if (c == '\\' && i + 1 < n) {
                        i++;
                    } else if (c == '"') {
                        quoted = false;
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == '<') {
                    level++;
                } else if (c == '>') {
                    if (level > 0) {
                        level--;
                    }
                } else if ((c == ' ' || c == '\t') && level == 0) {
                    break;
                }
                i++;
            }
            out.add(text.substring(start, i));
            if (quoted || level > 0) {
                unbalanced = true;
            }
        }
        return new Args(out, unbalanced);
    }

    // token kinds of the RFC 822 scanner
    private static final int WORD = 0;      // atom or quoted string
    private static final int LITERAL = 1;   // [domain literal]
    private static final int SPECIAL = 2;   // one of < > @ , ; : . ( ) [ ] \

    private record Token(int kind, String text) {
        boolean is(char c) {
            return kind == SPECIAL && text.charAt(0) == c;
        }
    }

    /**
     * extract - the address in one argument.
     *
     * @param smtputf8 whether the client asked for SMTPUTF8 (then the domain may be UTF-8)
     */
    static Extracted extract(String arg, boolean smtputf8) {
        List<Token> tokens = scan(arg);
        // the address is what stands between the first '<' and the '>' after it, if there is one
        int open = -1;
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).is('<')) {
                open = i;
                break;
            }
        }
        List<Token> addr = new ArrayList<>(tokens.size());
        if (open >= 0) {
            int close = -1;
            for (int i = open + 1; i < tokens.size(); i++) {
                if (tokens.get(i).is('>')) {
                    close = i;
                    break;
                }
                addr.add(tokens.get(i));
            }
            if (close >= 0) {
                for (int i = close + 1; i < tokens.size(); i++) {
                    if (!tokens.get(i).is('>')) {
                        return new Extracted(Status.ILLEGAL, internal(addr)); // a second address after it
                    }
                }
            }
        } else {
            for (Token t : tokens) {
                if (!t.is('>')) {
                    addr.add(t);
                }
            }
        }
        // a source route "@a,@b:" goes
        if (!addr.isEmpty() && addr.get(0).is('@')) {
            for (int i = 0; i < addr.size(); i++) {
                if (addr.get(i).is(':')) {
                    addr = new ArrayList<>(addr.subList(i + 1, addr.size()));
                    break;
                }
            }
        }
        int prev = -1;
        for (Token t : addr) {
            if (t.kind == SPECIAL && !t.is('.') && !t.is('@')) {
                return new Extracted(Status.ILLEGAL, internal(addr));
            }
            if (t.kind != SPECIAL && prev >= 0 && prev != SPECIAL) {
                return new Extracted(Status.ILLEGAL, internal(addr)); // "a b": two words, two addresses
            }
            prev = t.kind;
        }
        String address = internal(addr);
        if (!address.isEmpty() && !validDomainPart(address, smtputf8)) {
            return new Extracted(Status.ILLEGAL, address);
        }
        return new Extracted(Status.OK, address);
    }

    private static String internal(List<Token> addr) {
        if (addr.size() == 1) {
            return addr.get(0).text;
        }
        StringBuilder s = new StringBuilder();
        for (Token t : addr) {
            s.append(t.text);
        }
        return s.toString();
    }

    /** scan - RFC 822 tokens; comments are dropped, quoted strings come out unquoted as words. */
    private static List<Token> scan(String s) {
        List<Token> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
            } else if (c == '(') {
                int depth = 0;
                while (i < n) {
                    char d = s.charAt(i);
                    if (d == '\\') {
                        i++;
                    } else if (d == '(') {
                        depth++;
                    } else if (d == ')' && --depth == 0) {
                        i++;
                        break;
                    }
                    i++;
                }
            } else if (c == '"') {
                StringBuilder w = new StringBuilder();
                i++;
                while (i < n && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    w.append(s.charAt(i++));
                }
                i++;
                out.add(new Token(WORD, w.toString()));
            } else if (c == '[') {
                int j = s.indexOf(']', i);
                int end = j < 0 ? n : j + 1;
                out.add(new Token(LITERAL, s.substring(i, end)));
                i = end;
            } else if ("<>@,;:.)]".indexOf(c) >= 0) {
                out.add(new Token(SPECIAL, String.valueOf(c)));
                i++;
            } else {
                StringBuilder w = new StringBuilder();
                while (i < n) {
                    char d = s.charAt(i);
                    if (d == '\\' && i + 1 < n) {
                        w.append(s.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    if (d == ' ' || d == '\t' || "()<>@,;:\".[]".indexOf(d) >= 0) {
                        break;
                    }
                    w.append(d);
                    i++;
                }
                out.add(new Token(WORD, w.toString()));
            }
        }
        return out;
    }

    /** validDomainPart - an address with '@' needs a domain after its last '@' that is a host name or literal. */
    private static boolean validDomainPart(String address, boolean utf8) {
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return true;
        }
        String domain = address.substring(at + 1);
        if (domain.isEmpty()) {
            return false;
        }
        if (domain.charAt(0) == '[') {
            return validLiteral(domain);
        }
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        return validHostname(domain, utf8);
    }

    /** validLiteral - "[1.2.3.4]" or "[IPv6:...]" with a valid address inside. */
    static boolean validLiteral(String d) {
        if (d.length() < 3 || d.charAt(0) != '[' || d.charAt(d.length() - 1) != ']') {
            return false;
        }
        String inner = d.substring(1, d.length() - 1);
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            return validIpv6(inner.substring(5));
        }
        return validIpv4(inner);
    }

    /** validHostname - dot-separated labels of letters, digits, '-' and '_' (UTF-8 when allowed), not all numeric. */
    static boolean validHostname(String name, boolean utf8) {
        int n = name.length();
        if (n == 0 || n > 255) {
            return false;
        }
        boolean allNumeric = true;
        int labelStart = 0;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? name.charAt(i) : '.';
            if (c == '.') {
                int len = i - labelStart;
                if (len == 0 || len > 63 || name.charAt(labelStart) == '-' || name.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
                continue;
            }
            if (c >= '0' && c <= '9') {
                continue;
            }
            allNumeric = false;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_') {
                continue;
            }
            if (c >= 128 && utf8 && c != '\ufffd') {
                continue;
            }
            return false;
        }
        return !allNumeric;
    }

    /** validIpv4 - four decimal numbers 0-255 separated by dots. */
    static boolean validIpv4(String s) {
        int parts = 0;
        int value = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || ++parts > 4) {
                    return false;
                }
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return parts == 4;
    }

    /** validIpv6 - hex groups with at most one "::", optionally ending in an IPv4 address. */
    static boolean validIpv6(String s) {
        if (s.isEmpty() || s.length() > 45) {
            return false;
        }
        int groups = 0;
        boolean compressed = false;
        int i = 0;
        int n = s.length();
        if (s.startsWith("::")) {
            compressed = true;
            i = 2;
            if (i == n) {
                return true;
            }
        } else if (s.charAt(0) == ':') {
            return false;
        }
        while (i < n) {
            int j = i;
            while (j < n && s.charAt(j) != ':') {
                j++;
            }
            String g = s.substring(i, j);
            if (g.indexOf('.') >= 0) {
                if (j != n || !validIpv4(g)) {
                    return false;
                }
                groups += 2;
                break;
            }
            if (g.isEmpty() || g.length() > 4) {
                return false;
            }
            for (int k = 0; k < g.length(); k++) {
                if (Character.digit(g.charAt(k), 16) < 0) {
                    return false;
                }
            }
            groups++;
            if (j == n) {
                break;
            }
            if (j + 1 < n && s.charAt(j + 1) == ':') {
                if (compressed) {
                    return false;
                }
                compressed = true;
                i = j + 2;
                if (i == n) {
                    break;
                }
            } else if (j + 1 == n) {
                return false;
            } else {
                i = j + 1;
            }
        }
        return compressed ? groups < 8 : groups == 8;
    }

    /** domainOf - the part after the last '@', lower case; "" when there is none. */
    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : lower(address.substring(at + 1));
    }

    /** localPartOf - the part before the last '@' (the whole address when there is none). */
    static String localPartOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at);
    }

    static String lower(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c >= 'A' && c <= 'Z') || c > 127) {
                return s.toLowerCase(java.util.Locale.ROOT);
            }
        }
        return s;
    }

    /** external - the address with its local part quoted when it holds characters special in RFC 822. */
    static String external(String address) {
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        boolean quote = false;
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c <= ' ' || "()<>@,;:\\\".[]".indexOf(c) >= 0 && c != '.') {
                quote = true;
                break;
            }
        }
        if (!quote) {
            return address;
        }
        StringBuilder s = new StringBuilder(address.length() + 4).append('"');
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"' || c == '\\') {
                s.append('\\');
            }
            s.append(c);
        }
        s.append('"');
        if (at >= 0) {
            s.append(address, at, address.length());
        }
        return s.toString();
    }
}
