package tern.config;

import java.math.BigInteger;
import java.util.List;
import java.util.function.Function;

/**
 * Expander - $name expansion of main.cf and master.cf values, as postconf(5) defines it and
 * Postfix 3.7 evaluates it.
 *
 * Forms: $$ (a literal $), $name, ${name}, $(name); ${name?value} (value when name is non-empty),
 * ${name:value} (value when name is empty or undefined), ${name?{value}:{value}}; and the
 * comparison ${{text} op {text}} ("true" or empty) or ${{text} op {text} ? {value} : {value}} with
 * op one of == != &lt; &lt;= &gt; &gt;= (numbers when both sides are all digits, else text), or
 * the same followed by "level" to compare compatibility levels (3.6 &lt; 3.10). Whether a
 * parameter is "non-empty" is decided on its raw value, as Postfix does. Values looked up are
 * expanded recursively; text inside braces is taken as written (no trimming); an undefined name
 * expands to nothing.
 *
 * Failure: a ConfigException whose message is Postfix's warning text: "truncated macro
 * reference: ...", "empty macro name: ...", "unreasonable macro call nesting: \"name\"" (a chain
 * {@link #MAX_DEPTH} references deep, i.e. a loop), "attribute name syntax error at: ...",
 * "malformed compatibility level syntax: ...". Callers add the file and line.
 */
public final class Expander {
    static final int MAX_DEPTH = 100;

    private final Function<String, String> lookup;

    /** @param lookup name to raw (unexpanded) value, null when undefined */
    public Expander(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** expand - the fully expanded form of text. */
    public String expand(String text) throws ConfigException {
        StringBuilder out = new StringBuilder(text.length());
        new Run(this, null).text(text, 0, out);
        return out.toString();
    }

    /** expandParameter - the fully expanded value of a parameter ("" when undefined). */
    public String expandParameter(String name) throws ConfigException {
        String raw = lookup.apply(name);
        if (raw == null) {
            return "";
        }
        if (raw.indexOf('$') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        new Run(this, null).text(raw, 0, out);
        return out.toString();
    }

    /**
     * scan - add to names every parameter name that text refers to, in both branches of every
     * conditional, without looking anything up. A syntax error ends the scan and is returned
     * (Postfix's warning text); null when the text is well formed.
     */
    public static String scan(String text, List<String> names) {
        try {
            new Run(null, names).text(text, 0, new StringBuilder());
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    /** One expansion (or scan): the recursive-descent parser over the macro syntax. */
    private static final class Run {
        private final Expander ex;      // null when scanning
        private final List<String> refs; // non-null when scanning

        Run(Expander ex, List<String> refs) {
            this.ex = ex;
            this.refs = refs;
        }

        private boolean scanning() {
            return refs != null;
        }

        void text(String text, int level, StringBuilder out) throws ConfigException {
            int n = text.length();
            int i = 0;
            while (i < n) {
                char c = text.charAt(i);
                if (c != '$') {
                    int next = text.indexOf('$', i);
                    int end = next < 0 ? n : next;
                    out.append(text, i, end);
                    i = end;
                    continue;
                }
                if (i + 1 >= n) {
                    throw new ConfigException("empty macro name: \"" + text + "\"");
                }
                char d = text.charAt(i + 1);
                if (d == '$') {
                    out.append('$');
                    i += 2;
                } else if (d == '{' || d == '(') {
                    char close = d == '{' ? '}' : ')';
                    int end = matching(text, i + 1, d, close);
                    if (end < 0) {
                        throw new ConfigException("truncated macro reference: \"" + text + "\"");
                    }
                    body(text.substring(i + 2, end), text, level, out);
                    i = end + 1;
                } else if (isNameChar(d)) {
                    int j = i + 1;
                    while (j < n && isNameChar(text.charAt(j))) {
                        j++;
                    }
                    reference(text.substring(i + 1, j), level, out);
                    i = j;
                } else {
                    throw new ConfigException("empty macro name: \"" + text + "\"");
                }
            }
        }

        /** reference - append the expanded value of name. */
        private void reference(String name, int level, StringBuilder out) throws ConfigException {
            if (scanning()) {
                refs.add(name);
                return;
            }
            String raw = ex.lookup.apply(name);
            if (raw == null || raw.isEmpty()) {
                return;
            }
            if (level + 1 >= MAX_DEPTH) {
                throw new ConfigException("unreasonable macro call nesting: \"" + name + "\"");
            }
            text(raw, level + 1, out);
        }

        private boolean nonEmpty(String name) {
            if (scanning()) {
                refs.add(name);
                return true;
            }
            String raw = ex.lookup.apply(name);
            return raw != null && !raw.isEmpty();
        }

        /** body - what stands between ${ and }: a name, a conditional, or a comparison. */
        private void body(String b, String whole, int level, StringBuilder out) throws ConfigException {
            int n = b.length();
            int j = skipSpace(b, 0);
            if (j < n && b.charAt(j) == '{') {
                comparison(b, j, level, out);
                return;
            }
            int k = j;
            while (k < n && isNameChar(b.charAt(k))) {
                k++;
            }
            String name = b.substring(j, k);
            if (name.isEmpty()) {
                throw new ConfigException("empty macro name: \"" + whole + "\"");
            }
            int opAt = skipSpace(b, k);
            if (opAt >= n) {
                reference(name, level, out);
                return;
            }
            char op = b.charAt(opAt);
            if (op != '?' && op != ':') {
                throw at("attribute name syntax error", name, b.substring(k));
            }
            String whenSet = null;
            String whenUnset = null;
            int r = skipSpace(b, opAt + 1);
            if (r < n && b.charAt(r) == '{') {
                int e = matching(b, r, '{', '}');
                if (e < 0) {
                    throw new ConfigException("truncated macro reference: \"" + whole + "\"");
                }
                String first = b.substring(r + 1, e);
                String second = null;
                int t = skipSpace(b, e + 1);
                if (t < n) {
                    if (op != '?') {
                        throw at("unexpected input", first + "}", b.substring(t));
                    }
                    if (b.charAt(t) != ':') {
                        throw at("\":\" expected", first + "}", b.substring(t));
                    }
                    second = falseValue(b, t + 1);
                }
                if (op == '?') {
                    whenSet = first;
                    whenUnset = second;
                } else {
                    whenUnset = first;
                }
            } else if (op == '?') {
                whenSet = b.substring(opAt + 1);
            } else {
                whenUnset = b.substring(opAt + 1);
            }
            if (scanning()) {
                refs.add(name);
                if (whenSet != null) {
                    text(whenSet, level, out);
                }
                if (whenUnset != null) {
                    text(whenUnset, level, out);
                }
                return;
            }
            String chosen = nonEmpty(name) ? whenSet : whenUnset;
            if (chosen != null) {
                text(chosen, level, out);
            }
        }

        /** falseValue - after ":", either {value} with nothing after it, or the rest as written. */
        private String falseValue(String b, int from) throws ConfigException {
            int n = b.length();
            int u = skipSpace(b, from);
            if (u >= n) {
                return "";
            }
            if (b.charAt(u) != '{') {
                return b.substring(from);
            }
            int e = matching(b, u, '{', '}');
            if (e < 0) {
                throw new ConfigException("truncated macro reference: \"" + b + "\"");
            }
            String v = b.substring(u + 1, e);
            int w = skipSpace(b, e + 1);
            if (w < n) {
                throw at("unexpected input", v + "}", b.substring(w));
            }
            return v;
        }

        /** comparison - ${{left} op {right}} or ${{left} op {right} ? {a} : {b}}. */
        private void comparison(String b, int j, int level, StringBuilder out) throws ConfigException {
            int n = b.length();
            int e1 = matching(b, j, '{', '}');
            if (e1 < 0) {
                throw new ConfigException("truncated macro reference: \"${" + b + "}\"");
            }
            String leftText = b.substring(j + 1, e1);
            int k = skipSpace(b, e1 + 1);
            int opEnd = k;
            while (opEnd < n && "=!<>".indexOf(b.charAt(opEnd)) >= 0) {
                opEnd++;
            }
            String op = b.substring(k, opEnd);
            if (b.startsWith("level", opEnd)) {
                opEnd += "level".length();
            }
            boolean levelCompare = opEnd - k > op.length();
            if (!(op.equals("==") || op.equals("!=") || op.equals("<") || op.equals("<=") || op.equals(">")
                    || op.equals(">="))) {
                throw at("\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected", leftText + "}",
                        b.substring(k));
            }
            int r = skipSpace(b, opEnd);
            if (r >= n || b.charAt(r) != '{') {
                throw at("\"{expression}\" expected", b.substring(j, opEnd), b.substring(opEnd));
            }
            int e2 = matching(b, r, '{', '}');
            if (e2 < 0) {
                throw new ConfigException("truncated macro reference: \"${" + b + "}\"");
            }
            String rightText = b.substring(r + 1, e2);
            String whenTrue = "true";
            String whenFalse = null;
            boolean literal = true;
            int t = skipSpace(b, e2 + 1);
            if (t < n) {
                if (b.charAt(t) != '?') {
                    throw at("\"?\" expected", rightText + "}", b.substring(t));
                }
                literal = false;
                int u = skipSpace(b, t + 1);
                if (u < n && b.charAt(u) == '{') {
                    int e3 = matching(b, u, '{', '}');
                    if (e3 < 0) {
                        throw new ConfigException("truncated macro reference: \"${" + b + "}\"");
                    }
                    whenTrue = b.substring(u + 1, e3);
                    int w = skipSpace(b, e3 + 1);
                    if (w < n) {
                        if (b.charAt(w) != ':') {
                            throw at("\":\" expected", whenTrue + "}", b.substring(w));
                        }
                        whenFalse = falseValue(b, w + 1);
                    }
                } else {
                    whenTrue = b.substring(t + 1);
                }
            }
            StringBuilder tmp = new StringBuilder();
            text(leftText, level, tmp);
            String left = tmp.toString();
            tmp.setLength(0);
            text(rightText, level, tmp);
            String right = tmp.toString();
            if (scanning()) {
                if (!literal) {
                    text(whenTrue, level, out);
                    if (whenFalse != null) {
                        text(whenFalse, level, out);
                    }
                }
                return;
            }
            int cmp = levelCompare ? compareLevels(left, right) : compareValues(left, right);
            boolean result = switch (op) {
                case "==" -> cmp == 0;
                case "!=" -> cmp != 0;
                case "<" -> cmp < 0;
                case "<=" -> cmp <= 0;
                case ">" -> cmp > 0;
                default -> cmp >= 0;
            };
            String chosen = result ? whenTrue : whenFalse;
            if (chosen == null) {
                return;
            }
            if (literal) {
                out.append(chosen);
            } else {
                text(chosen, level, out);
            }
        }
    }

    /** at - Postfix's parse error with context: "WHAT at: \"...DONE>>>REST\"". */
    private static ConfigException at(String what, String done, String rest) {
        return new ConfigException(what + " at: \"..." + done + ">>>" + rest + "\"");
    }

    private static int compareValues(String a, String b) {
        if (isNumber(a) && isNumber(b)) {
            return new BigInteger(a).compareTo(new BigInteger(b));
        }
        return a.compareTo(b);
    }

    /** compareLevels - compatibility levels: "2" &lt; "3.6" &lt; "3.10"; a missing part counts as 0. */
    static int compareLevels(String a, String b) throws ConfigException {
        long[] x = level(a);
        long[] y = level(b);
        for (int i = 0; i < 3; i++) {
            if (x[i] != y[i]) {
                return Long.compare(x[i], y[i]);
            }
        }
        return 0;
    }

    /** level - "major[.minor[.patch]]" as three numbers. */
    static long[] level(String s) throws ConfigException {
        long[] out = new long[3];
        String[] parts = s.split("\\.", -1);
        if (parts.length > 3) {
            throw new ConfigException("malformed compatibility level syntax: \"" + s + "\"");
        }
        for (int i = 0; i < parts.length; i++) {
            if (!isNumber(parts[i]) || parts[i].length() > 9) {
                throw new ConfigException("malformed compatibility level syntax: \"" + s + "\"");
            }
            out[i] = Long.parseLong(parts[i]);
        }
        return out;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && TextFile.isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** matching - index of the close character matching the open one at position start, or -1. */
    private static int matching(String s, int start, char open, char close) {
        int depth = 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == open) {
                depth++;
            } else if (c == close) {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
}
