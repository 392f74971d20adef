package tern.tables;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * RegexpTable - regexp:/file (regexp_table(5), POSIX syntax) and pcre:/file (pcre_table(5), Perl
 * syntax): "/pattern/flags result", "!/pattern/flags result", "if /pattern/flags" ... "endif"
 * (nesting, also negated), any non-alphanumeric delimiter, "$1", "${1}", "$(1)" and "$$" in
 * results. Flags toggle: regexp i (on) m x (on); pcre i (on) m s (on) x A E U X. Rules are tried in
 * order against the whole key as given (no case folding: the i flag decides).
 *
 * Both syntaxes run on java.util.regex after {@link RegexTranslator}. Catastrophic backtracking
 * is bounded by {@link BudgetedSequence}: a match that exceeds its budget (or overflows the stack)
 * is a lookup error, not "no match". That is a deliberate choice against Postfix's (PCRE logs the
 * limit and goes on with the next rule): a skipped rule silently lets through mail that a reject
 * or discard rule was written to stop, and content that triggers it is under an attacker's control;
 * an error defers the mail and puts the pattern and line in the log for the postmaster to fix.
 *
 * Bad rules are skipped with Postfix's warnings ("regexp map FILE, line N: unknown regexp option
 * "q": skipping this rule", "out of range replacement index "2"", ...). The file is read again
 * when it changes.
 */
final class RegexpTable implements Table {
    private record Part(String literal, int group) {
    }

    /** Rule - a result rule, an "if" (result null; skipTo is the index after its endif). */
    private record Rule(Pattern pattern, boolean negate, boolean anchored, List<Part> result, int skipTo, int line) {
    }

    private final String spec;
    private final String mapName;
    private final boolean pcre;
    private final Consumer<String> warn;
    private final List<Rule> inlineRules;
    private final FileSnapshot<List<Rule>> fileRules;

    RegexpTable(String spec, String type, String name, boolean allowSubstitution, Consumer<String> warn,
                long intervalNanos) throws TableException {
        this.spec = spec;
        this.pcre = type.equals("pcre");
        this.mapName = type + " map " + name;
        this.warn = warn;
        if (RuleSource.isInline(name)) {
            this.inlineRules = parse(RuleSource.lines(type, name), allowSubstitution);
            this.fileRules = null;
        } else {
            this.inlineRules = null;
            this.fileRules = new FileSnapshot<>(Path.of(name),
                    f -> parse(RuleSource.lines(type, name), allowSubstitution), intervalNanos);
        }
    }

    private List<Rule> parse(List<SourceLines.Line> lines, boolean allowSubstitution) {
        List<Rule> rules = new ArrayList<>();
        List<Integer> open = new ArrayList<>();
        for (SourceLines.Line l : lines) {
            String where = mapName + ", line " + l.number() + ": ";
            String text = SourceLines.strip(l.text());
            boolean isIf = false;
            if (Character.isLetterOrDigit(text.charAt(0))) {
                int k = 0;
                while (k < text.length() && Character.isLetterOrDigit(text.charAt(k))) {
                    k++;
                }
                String word = text.substring(0, k);
                if (word.equalsIgnoreCase("endif")) {
                    if (open.isEmpty()) {
                        warn.accept(where + "ignoring ENDIF without matching IF");
                        continue;
                    }
                    int at = open.removeLast();
                    Rule r = rules.get(at);
                    rules.set(at, new Rule(r.pattern, r.negate, r.anchored, null, rules.size(), r.line));
                    continue;
                }
                if (!word.equalsIgnoreCase("if") || k == text.length() || !SourceLines.isSpace(text.charAt(k))) {
                    warn.accept(where + "ignoring unrecognized request");
                    continue;
                }
                isIf = true;
                text = SourceLines.strip(text.substring(k));
            }
            Rule r = parseRule(text, where, isIf, allowSubstitution, l.number());
            if (isIf) {
                // A broken "if" still pairs with its endif; it never matches.
                open.add(rules.size());
                rules.add(r != null ? r : new Rule(null, false, false, null, -1, l.number()));
            } else if (r != null) {
                rules.add(r);
            }
        }
        while (!open.isEmpty()) {
            int at = open.removeLast();
            Rule r = rules.get(at);
            warn.accept(mapName + ", line " + r.line + ": IF has no matching ENDIF");
            rules.set(at, new Rule(r.pattern, r.negate, r.anchored, null, rules.size(), r.line));
        }
        return List.copyOf(rules);
    }

    private Rule parseRule(String text, String where, boolean isIf, boolean allowSubstitution, int line) {
        int p = 0;
        boolean negate = false;
        if (text.startsWith("!")) {
            negate = true;
            p = 1;
            while (p < text.length() && SourceLines.isSpace(text.charAt(p))) {
                p++;
            }
        }
        if (p >= text.length()) {
            warn.accept(where + "no regexp: skipping this rule");
            return null;
        }
        char delim = text.charAt(p);
        int start = p + 1;
        int q = start;
        while (q < text.length() && text.charAt(q) != delim) {
            if (text.charAt(q) == '\\' && q + 1 < text.length()) {
                q++;
            }
            q++;
        }
        if (q >= text.length()) {
            warn.accept(where + "no closing regexp delimiter \"" + delim + "\": "
                    + (pcre ? "ignoring" : "skipping") + " this rule");
            return null;
        }
        String body = text.substring(start, q);
        q++;
        boolean icase = true;
        boolean multi = false;
        boolean dotall = pcre;
        boolean extended = !pcre;
        boolean anchored = false;
        boolean endOnly = false;
        boolean ungreedy = false;
        while (q < text.length() && !SourceLines.isSpace(text.charAt(q))) {
            char f = text.charAt(q++);
            switch (f) {
                case 'i' -> icase = !icase;
                case 'm' -> multi = !multi;
                case 'x' -> extended = !extended;
                case 's' -> {
                    if (!pcre) {
                        return unknownOption(where, f);
                    }
                    dotall = !dotall;
                }
                case 'A', 'E', 'U', 'X' -> {
                    if (!pcre) {
                        return unknownOption(where, f);
                    }
                    if (f == 'A') {
                        anchored = !anchored;
                    } else if (f == 'E') {
                        endOnly = !endOnly;
                    } else if (f == 'U') {
                        ungreedy = !ungreedy;
                    }
                }
                default -> {
                    return unknownOption(where, f);
                }
            }
        }
        Pattern compiled;
        try {
            compiled = compile(body, icase, multi, dotall, extended, endOnly, ungreedy);
        } catch (PatternSyntaxException e) {
            warn.accept(where + e.getDescription() + " in \"" + body + "\": skipping this rule");
            return null;
        }
        if (isIf) {
            return new Rule(compiled, negate, anchored, null, -1, line);
        }
        String resultText = SourceLines.strip(text.substring(q));
        if (resultText.isEmpty()) {
            warn.accept(where + "no replacement text: using empty string");
        }
        List<Part> result = parseResult(resultText, where, compiled.matcher("").groupCount(), negate,
                allowSubstitution);
        if (result == null) {
            return null;
        }
        return new Rule(compiled, negate, anchored, result, 0, line);
    }

    private Rule unknownOption(String where, char f) {
        warn.accept(where + "unknown regexp option \"" + f + "\": skipping this rule");
        return null;
    }

    private Pattern compile(String body, boolean icase, boolean multi, boolean dotall, boolean extended,
                            boolean endOnly, boolean ungreedy) {
        int flags = Pattern.UNIX_LINES;
        if (icase) {
            flags |= Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
        }
        String java;
        if (pcre) {
            if (multi) {
                flags |= Pattern.MULTILINE;
            }
            if (dotall) {
                flags |= Pattern.DOTALL;
            }
            if (extended) {
                flags |= Pattern.COMMENTS;
            }
            java = RegexTranslator.translate(body, RegexTranslator.Syntax.PCRE, endOnly && !multi, false, ungreedy);
        } else {
            // POSIX: without REG_NEWLINE (m off) newline is an ordinary character; with it, '.' and
            // non-matching lists stop at newlines and ^ $ match at line boundaries.
            if (multi) {
                flags |= Pattern.MULTILINE;
            } else {
                flags |= Pattern.DOTALL;
            }
            java = RegexTranslator.translate(body, extended ? RegexTranslator.Syntax.ERE : RegexTranslator.Syntax.BRE,
                    !multi, multi, false);
        }
        return Pattern.compile(java, flags);
    }

    /** parseResult - the result template, or null (with a warning) when it is unusable. */
    private List<Part> parseResult(String text, String where, int groups, boolean negate, boolean allowSubstitution) {
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c != '$') {
                lit.append(c);
                i++;
                continue;
            }
            if (i + 1 >= n) {
                warn.accept("empty macro name: \"" + text.substring(i) + "\"");
                warn.accept(where + "bad replacement syntax: skipping this rule");
                return null;
            }
            char d = text.charAt(i + 1);
            if (d == '$') {
                lit.append('$');
                i += 2;
                continue;
            }
            String index;
            if (d == '{' || d == '(') {
                char close = d == '{' ? '}' : ')';
                int end = text.indexOf(close, i + 2);
                if (end < 0) {
                    warn.accept("truncated macro reference: \"" + text.substring(i) + "\"");
                    warn.accept(where + "bad replacement syntax: skipping this rule");
                    return null;
                }
                index = text.substring(i + 2, end);
                i = end + 1;
            } else {
                int end = i + 1;
                while (end < n && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
                    end++;
                }
                index = text.substring(i + 1, end);
                if (index.isEmpty()) {
                    warn.accept("empty macro name: \"" + text.substring(i) + "\"");
                    warn.accept(where + "bad replacement syntax: skipping this rule");
                    return null;
                }
                i = end;
            }
            if (index.isEmpty() || !index.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                warn.accept(where + "non-numeric replacement index \"" + index + "\"");
                warn.accept(where + "bad replacement syntax: skipping this rule");
                return null;
            }
            if (negate) {
                warn.accept(where + "$number found in negative match replacement text: skipping this rule");
                return null;
            }
            if (!allowSubstitution) {
                warn.accept(where + "regular expression substitution is not allowed: skipping this rule");
                return null;
            }
            int g = index.length() > 4 ? Integer.MAX_VALUE : Integer.parseInt(index);
            if (g == 0) {
                warn.accept(where + (pcre ? "out of range" : "out-of-range") + " replacement index \"" + index + "\"");
                warn.accept(where + "bad replacement syntax: skipping this rule");
                return null;
            }
            if (g > groups) {
                warn.accept(where + "out of range replacement index \"" + index + "\": skipping this rule");
                return null;
            }
            if (!lit.isEmpty()) {
                parts.add(new Part(lit.toString(), -1));
                lit.setLength(0);
            }
            parts.add(new Part(null, g));
        }
        if (!lit.isEmpty() || parts.isEmpty()) {
            parts.add(new Part(lit.toString(), -1));
        }
        return List.copyOf(parts);
    }

    @Override
    public String lookup(String key) throws TableException {
        List<Rule> rules = inlineRules != null ? inlineRules : fileRules.get();
        BudgetedSequence input = new BudgetedSequence(key);
        int i = 0;
        int n = rules.size();
        while (i < n) {
            Rule r = rules.get(i);
            Matcher m = null;
            boolean hit = false;
            if (r.pattern != null) {
                input.reset();
                m = r.pattern.matcher(input);
                try {
                    hit = r.anchored ? m.lookingAt() : m.find();
                } catch (BudgetedSequence.Exhausted | StackOverflowError e) {
                    throw new TableException(mapName + ", line " + r.line + ": pattern matching gave up (too much "
                            + "backtracking) on a key of " + key.length() + " characters");
                }
                hit = hit != r.negate;
            }
            if (r.result == null) {
                i = hit ? i + 1 : r.skipTo;
                continue;
            }
            if (hit) {
                return expand(r, m);
            }
            i++;
        }
        return null;
    }

    private static String expand(Rule r, Matcher m) {
        if (r.result.size() == 1 && r.result.getFirst().group < 0) {
            return r.result.getFirst().literal;
        }
        StringBuilder b = new StringBuilder();
        for (Part p : r.result) {
            if (p.group < 0) {
                b.append(p.literal);
            } else {
                String g = m.group(p.group);
                if (g != null) {
                    b.append(g);
                }
            }
        }
        return b.toString();
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean isFixed() {
        return false;
    }
}
