package tern.tables;

/**
 * RegexTranslator - turns the regular expressions of regexp: tables (POSIX extended or, with the
 * "x" flag toggled off, basic syntax, plus the GNU extensions Linux's regcomp accepts) and of pcre:
 * tables (Perl syntax) into java.util.regex syntax, so that one engine serves both.
 *
 * What it rewrites: POSIX bracket expressions ("[]a-z[:digit:]\]" where '\' and '[' are literal)
 * into Java classes; the PCRE forms Java spells otherwise ("(?P<n>", "(?P=n)", "[:alpha:]" inside a
 * class); BRE's "\(" "\)" "\{" "\}" into groups and intervals; GNU's "\<" "\>" into "\b"; a "$"
 * that must match only at the very end ("\z") where POSIX (and PCRE's E flag) say so; and, for the
 * PCRE U flag, the greediness of every quantifier.
 *
 * What it does not: POSIX leftmost-longest matching. Java (like PCRE) takes the first alternative
 * that matches, so "(a|ab)" may capture differently than regexec would. A pattern Java cannot
 * compile is reported with Java's description of the problem.
 */
final class RegexTranslator {
    enum Syntax { ERE, BRE, PCRE }

    private final String in;
    private final Syntax syntax;
    private final boolean dollarEndOnly;
    private final boolean newlineSensitive;
    private final boolean ungreedy;
    private final StringBuilder out;
    private int i;

    private RegexTranslator(String in, Syntax syntax, boolean dollarEndOnly, boolean newlineSensitive,
                            boolean ungreedy) {
        this.in = in;
        this.syntax = syntax;
        this.dollarEndOnly = dollarEndOnly;
        this.newlineSensitive = newlineSensitive;
        this.ungreedy = ungreedy;
        this.out = new StringBuilder(in.length() + 16);
    }

    /**
     * translate - the Java form of pattern.
     *
     * @param dollarEndOnly "$" matches only at the end of the input (not before a final newline)
     * @param newlineSensitive POSIX REG_NEWLINE: a non-matching list "[^...]" does not match newline
     * @param ungreedy PCRE's U flag
     */
    static String translate(String pattern, Syntax syntax, boolean dollarEndOnly, boolean newlineSensitive,
                            boolean ungreedy) {
        RegexTranslator t = new RegexTranslator(pattern, syntax, dollarEndOnly, newlineSensitive, ungreedy);
        t.run();
        return t.out.toString();
    }

    private void run() {
        int n = in.length();
        while (i < n) {
            char c = in.charAt(i);
            switch (c) {
                case '\\' -> escape();
                case '[' -> bracket();
                case '$' -> {
                    i++;
                    out.append(dollarEndOnly ? "\\z" : "$");
                }
                case '(' -> open();
                case '*', '+', '?' -> quantifier(c);
                case '{' -> brace();
                case ')', '|' -> {
                    i++;
                    out.append(syntax == Syntax.BRE ? "\\" + c : String.valueOf(c));
                }
                case '}' -> {
                    i++;
                    out.append("\\}");
                }
                default -> {
                    i++;
                    out.append(c);
                }
            }
        }
    }

    private void open() {
        i++;
        if (syntax == Syntax.BRE) {
            out.append("\\(");
            return;
        }
        if (syntax == Syntax.PCRE && in.startsWith("?P<", i)) {
            out.append("(?<");
            i += 3;
            return;
        }
        if (syntax == Syntax.PCRE && in.startsWith("?P=", i)) {
            int close = in.indexOf(')', i);
            if (close > 0) {
                out.append("\\k<").append(in, i + 3, close).append('>');
                i = close + 1;
                return;
            }
        }
        out.append('(');
        if (i < in.length() && in.charAt(i) == '?') {
            // "(?" opens a group with options; its '?' is no quantifier.
            out.append('?');
            i++;
        }
    }

    private void quantifier(char c) {
        i++;
        if (syntax == Syntax.BRE && c != '*') {
            out.append('\\').append(c);
            return;
        }
        out.append(c);
        afterQuantifier();
    }

    private void brace() {
        if (syntax == Syntax.BRE) {
            i++;
            out.append("\\{");
            return;
        }
        int close = in.indexOf('}', i);
        if (close > i && isInterval(in.substring(i + 1, close))) {
            String body = in.substring(i + 1, close);
            out.append('{').append(body.startsWith(",") ? "0" : "").append(body).append('}');
            i = close + 1;
            afterQuantifier();
            return;
        }
        // Not an interval: a literal brace, as PCRE and GNU regcomp read it.
        i++;
        out.append("\\{");
    }

    private static boolean isInterval(String s) {
        if (s.isEmpty()) {
            return false;
        }
        int comma = s.indexOf(',');
        String a = comma < 0 ? s : s.substring(0, comma);
        String b = comma < 0 ? "" : s.substring(comma + 1);
        return digits(a) && (b.isEmpty() || digits(b)) && (!a.isEmpty() || !b.isEmpty());
    }

    private static boolean digits(String s) {
        for (int k = 0; k < s.length(); k++) {
            if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                return false;
            }
        }
        return true;
    }

    /** afterQuantifier - lazy/possessive suffixes, inverted under PCRE's U flag. */
    private void afterQuantifier() {
        char next = i < in.length() ? in.charAt(i) : 0;
        if (syntax == Syntax.PCRE && next == '+') {
            out.append('+');
            i++;
            return;
        }
        if (syntax != Syntax.BRE && next == '?') {
            i++;
            if (!ungreedy) {
                out.append('?');
            }
            return;
        }
        if (ungreedy) {
            out.append('?');
        }
    }

    private void escape() {
        if (i + 1 >= in.length()) {
            out.append("\\\\");
            i++;
            return;
        }
        char c = in.charAt(i + 1);
        i += 2;
        if (syntax == Syntax.PCRE) {
            if (c == 'Q') {
                int end = in.indexOf("\\E", i);
                String lit = end < 0 ? in.substring(i) : in.substring(i, end);
                out.append(java.util.regex.Pattern.quote(lit));
                i = end < 0 ? in.length() : end + 2;
                return;
            }
            out.append('\\').append(c);
            return;
        }
        if (syntax == Syntax.BRE) {
            switch (c) {
                case '(', ')', '|' -> {
                    out.append(c);
                    return;
                }
                case '{' -> {
                    int close = in.indexOf("\\}", i);
                    if (close >= 0 && isInterval(in.substring(i, close))) {
                        String body = in.substring(i, close);
                        out.append('{').append(body.startsWith(",") ? "0" : "").append(body).append('}');
                        i = close + 2;
                        afterQuantifier();
                        return;
                    }
                    out.append("\\{");
                    return;
                }
                case '+', '?' -> {
                    out.append(c);
                    afterQuantifier();
                    return;
                }
                default -> {
                }
            }
        }
        switch (c) {
            case '<', '>' -> out.append("\\b");
            case '`' -> out.append("\\A");
            case '\'' -> out.append("\\z");
            case 'w', 'W', 's', 'S', 'b', 'B' -> out.append('\\').append(c);
            default -> {
                if (c >= '1' && c <= '9') {
                    out.append('\\').append(c);
                } else if (Character.isLetterOrDigit(c)) {
                    // POSIX leaves other letter escapes undefined; GNU reads them as the letter.
                    out.append(c);
                } else {
                    out.append('\\').append(c);
                }
            }
        }
    }

    /** bracket - a bracket expression, from '[' to its closing ']'. */
    private void bracket() {
        int n = in.length();
        int j = i + 1;
        boolean negate = false;
        if (j < n && in.charAt(j) == '^') {
            negate = true;
            j++;
        }
        StringBuilder cls = new StringBuilder();
        boolean first = true;
        while (true) {
            if (j >= n) {
                // No closing bracket: let Java report the unclosed class.
                out.append(in, i, n);
                i = n;
                return;
            }
            char c = in.charAt(j);
            if (c == ']' && !first) {
                j++;
                break;
            }
            first = false;
            if (c == '[' && j + 1 < n && (in.charAt(j + 1) == ':' || in.charAt(j + 1) == '=' || in.charAt(j + 1) == '.')) {
                char kind = in.charAt(j + 1);
                int end = in.indexOf(kind + "]", j + 2);
                if (end > 0) {
                    String name = in.substring(j + 2, end);
                    if (kind == ':') {
                        String p = posixClass(name);
                        cls.append(p == null ? "\\p{Invalid" + name + "}" : p);
                    } else {
                        literal(cls, name.isEmpty() ? ' ' : name.charAt(0));
                    }
                    j = end + 2;
                    continue;
                }
            }
            if (c == '\\' && syntax == Syntax.PCRE && j + 1 < n) {
                cls.append(c).append(in.charAt(j + 1));
                j += 2;
                continue;
            }
            if (c == '-' ) {
                cls.append('-');
                j++;
                continue;
            }
            literal(cls, c);
            j++;
        }
        out.append('[');
        if (negate) {
            out.append('^');
            if (newlineSensitive) {
                out.append("\\n");
            }
        }
        out.append(cls).append(']');
        i = j;
    }

    private static void literal(StringBuilder cls, char c) {
        if (c == '\\' || c == '[' || c == ']' || c == '&' || c == '^') {
            cls.append('\\');
        }
        cls.append(c);
    }

    private static String posixClass(String name) {
        return switch (name) {
            case "alpha" -> "\\p{Alpha}";
            case "digit" -> "\\p{Digit}";
            case "alnum" -> "\\p{Alnum}";
            case "upper" -> "\\p{Upper}";
            case "lower" -> "\\p{Lower}";
            case "space" -> "\\s\\x0B";
            case "blank" -> " \\t";
            case "punct" -> "\\p{Punct}";
            case "print" -> "\\p{Print}";
            case "graph" -> "\\p{Graph}";
            case "cntrl" -> "\\p{Cntrl}";
            case "xdigit" -> "\\p{XDigit}";
            case "word" -> "\\w";
            default -> null;
        };
    }
}
