package tern.config;

import java.util.function.Function;

/**
 * Expander - $name expansion of main.cf values, as postconf(5) defines it.
 *
 * Forms: $name, ${name}, $(name), $$ (a literal $), ${name?value} (value when name is non-empty),
 * ${name:value} (value when name is empty or undefined), ${name?{value}:{value}}, and the
 * comparison ${{text} op {text} ? {value} : {value}} with op one of == != < <= > >= (numbers when
 * both sides are numbers, else text) and their "level" forms (&lt;level ...) that compare
 * compatibility levels such as 3.6. Values found are expanded recursively; a reference chain deeper
 * than {@link #MAX_DEPTH} is a loop and fails with a message naming the parameter.
 * An undefined name expands to nothing.
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
        expandInto(text, out, 0, null);
        return out.toString();
    }

    /** expandParameter - the fully expanded value of a parameter ("" when undefined). */
    public String expandParameter(String name) throws ConfigException {
        String raw = lookup.apply(name);
        if (raw == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(raw.length());
        expandInto(raw, out, 1, name);
        return out.toString();
    }

    private void expandInto(String text, StringBuilder out, int depth, String owner) throws ConfigException {
        if (depth > MAX_DEPTH) {
            throw new ConfigException("unreasonable macro call nesting: \"" + owner + "\"");
        }
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c != '$') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= n) {
                out.append('$');
                break;
            }
            char d = text.charAt(i + 1);
            if (d == '$') {
                out.append('$');
                i += 2;
            } else if (d == '{' || d == '(') {
                char close = d == '{' ? '}' : ')';
                int end = matching(text, i + 1, d, close);
                if (end < 0) {
                    throw new ConfigException("truncated macro reference: \"" + text.substring(i) + "\"");
                }
                String body = text.substring(i + 2, end);
                expandBraced(body, out, depth, owner);
                i = end + 1;
            } else if (isNameChar(d)) {
                int j = i + 1;
                while (j < n && isNameChar(text.charAt(j))) {
                    j++;
                }
                String name = text.substring(i + 1, j);
                appendParameter(name, out, depth);
                i = j;
            } else {
                out.append('$');
                i++;
            }
        }
    }

    private void appendParameter(String name, StringBuilder out, int depth) throws ConfigException {
        String raw = lookup.apply(name);
        if (raw != null) {
            expandInto(raw, out, depth + 1, name);
        }
    }

    private String valueOf(String name, int depth) throws ConfigException {
        StringBuilder b = new StringBuilder();
        appendParameter(name, b, depth);
        return b.toString();
    }

    private void expandBraced(String body, StringBuilder out, int depth, String owner) throws ConfigException {
        String b = body.strip();
        if (b.startsWith("{")) {
            expandComparison(b, out, depth, owner);
            return;
        }
        int k = 0;
        while (k < b.length() && isNameChar(b.charAt(k))) {
            k++;
        }
        String name = b.substring(0, k);
        if (name.isEmpty()) {
            throw new ConfigException("empty macro name: \"" + body + "\"");
        }
        if (k == b.length()) {
            appendParameter(name, out, depth);
            return;
        }
        char op = b.charAt(k);
        if (op != '?' && op != ':') {
            throw new ConfigException("unknown operator in macro reference: \"" + body + "\"");
        }
        String rest = b.substring(k + 1);
        String whenTrue;
        String whenFalse;
        String trimmed = rest.strip();
        if (trimmed.startsWith("{")) {
            // ${name?{a}:{b}} or ${name?{a}} or ${name:{b}}
            int e1 = matching(trimmed, 0, '{', '}');
            if (e1 < 0) {
                throw new ConfigException("missing '}' in macro reference: \"" + body + "\"");
            }
            String first = trimmed.substring(1, e1);
            String after = trimmed.substring(e1 + 1).strip();
            String second = null;
            if (!after.isEmpty()) {
                if (op != '?' || !after.startsWith(":")) {
                    throw new ConfigException("garbage after value in macro reference: \"" + body + "\"");
                }
                String s = after.substring(1).strip();
                int e2 = s.startsWith("{") ? matching(s, 0, '{', '}') : -1;
                if (e2 < 0 || !s.substring(e2 + 1).isBlank()) {
                    throw new ConfigException("bad false value in macro reference: \"" + body + "\"");
                }
                second = s.substring(1, e2);
            }
            if (op == '?') {
                whenTrue = first;
                whenFalse = second;
            } else {
                whenTrue = null;
                whenFalse = first;
            }
        } else if (op == '?') {
            whenTrue = rest;
            whenFalse = null;
        } else {
            whenTrue = null;
            whenFalse = rest;
        }
        boolean nonEmpty = !valueOf(name, depth).isEmpty();
        String chosen = nonEmpty ? whenTrue : whenFalse;
        if (chosen != null) {
            expandInto(chosen, out, depth + 1, owner == null ? name : owner);
        }
    }

    /** ${{left} op {right} ? {a} : {b}} */
    private void expandComparison(String b, StringBuilder out, int depth, String owner) throws ConfigException {
        int e1 = matching(b, 0, '{', '}');
        if (e1 < 0) {
            throw new ConfigException("missing '}' in macro reference: \"${" + b + "}\"");
        }
        String left = expand(b.substring(1, e1), depth, owner);
        String rest = b.substring(e1 + 1).strip();
        int brace = rest.indexOf('{');
        if (brace < 0) {
            throw new ConfigException("missing right operand in macro reference: \"${" + b + "}\"");
        }
        String op = rest.substring(0, brace).strip();
        rest = rest.substring(brace);
        int e2 = matching(rest, 0, '{', '}');
        if (e2 < 0) {
            throw new ConfigException("missing '}' in macro reference: \"${" + b + "}\"");
        }
        String right = expand(rest.substring(1, e2), depth, owner);
        rest = rest.substring(e2 + 1).strip();
        if (!rest.startsWith("?")) {
            throw new ConfigException("missing '?' in macro reference: \"${" + b + "}\"");
        }
        rest = rest.substring(1).strip();
        String whenTrue = null;
        String whenFalse = null;
        if (rest.startsWith("{")) {
            int e3 = matching(rest, 0, '{', '}');
            if (e3 < 0) {
                throw new ConfigException("missing '}' in macro reference: \"${" + b + "}\"");
            }
            whenTrue = rest.substring(1, e3);
            rest = rest.substring(e3 + 1).strip();
        }
        if (rest.startsWith(":")) {
            rest = rest.substring(1).strip();
            int e4 = rest.startsWith("{") ? matching(rest, 0, '{', '}') : -1;
            if (e4 < 0) {
                throw new ConfigException("bad false value in macro reference: \"${" + b + "}\"");
            }
            whenFalse = rest.substring(1, e4);
        }
        boolean result = compare(left, op, right, b);
        String chosen = result ? whenTrue : whenFalse;
        if (chosen != null) {
            expandInto(chosen, out, depth + 1, owner);
        }
    }

    private String expand(String text, int depth, String owner) throws ConfigException {
        StringBuilder b = new StringBuilder();
        expandInto(text, b, depth + 1, owner);
        return b.toString();
    }

    private static boolean compare(String left, String op, String right, String body) throws ConfigException {
        boolean level = op.endsWith("level");
        String o = level ? op.substring(0, op.length() - "level".length()) : op;
        int cmp;
        if (level) {
            cmp = compareLevels(left, right);
        } else if (isNumber(left) && isNumber(right)) {
            cmp = Long.compare(Long.parseLong(left), Long.parseLong(right));
        } else {
            cmp = left.compareTo(right);
        }
        return switch (o) {
            case "==" -> cmp == 0;
            case "!=" -> cmp != 0;
            case "<" -> cmp < 0;
            case "<=" -> cmp <= 0;
            case ">" -> cmp > 0;
            case ">=" -> cmp >= 0;
            default -> throw new ConfigException("unknown operator \"" + op + "\" in macro reference: \"${" + body + "}\"");
        };
    }

    /** compareLevels - compatibility levels: "2" < "3.6" < "3.10"; a missing part counts as 0. */
    static int compareLevels(String a, String b) {
        String[] pa = a.strip().split("\\.");
        String[] pb = b.strip().split("\\.");
        for (int i = 0; i < Math.max(pa.length, pb.length); i++) {
            long x = i < pa.length && isNumber(pa[i]) ? Long.parseLong(pa[i]) : 0;
            long y = i < pb.length && isNumber(pb[i]) ? Long.parseLong(pb[i]) : 0;
            if (x != y) {
                return Long.compare(x, y);
            }
        }
        return 0;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** matching - index of the close character matching the open one at position start, or -1. */
    private static int matching(String s, int start, char open, char close) {
        int level = 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == open) {
                level++;
            } else if (c == close) {
                level--;
                if (level == 0) {
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
