package tern.tables;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * CidrTable - cidr:/file, as cidr_table(5) describes it: "pattern result", "!pattern result",
 * "if pattern" ... "endif" (nesting, also "if !pattern"), patterns being addresses or
 * network/prefix, IPv4 or IPv6, optionally in "[]". Rules are tried in file order; the first match
 * gives the result. A key that is not a numeric address matches nothing; an address matches only
 * patterns of its own family, also under "!".
 *
 * A bad rule is skipped with Postfix's warning ("cidr map FILE, line N: bad address pattern: "x":
 * skipping this rule"); a missing file is a lookup failure. The file is read again when it changes.
 */
final class CidrTable implements Table {
    /** Rule - one line: a result rule, an "if" (skip is the index after its endif), or an endif. */
    private record Rule(CidrPattern pattern, boolean negate, String result, int skipTo) {
    }

    private final String spec;
    private final FileSnapshot<List<Rule>> fileRules;
    private final List<Rule> inlineRules;

    CidrTable(String spec, String name, Consumer<String> warn, long intervalNanos) throws TableException {
        this.spec = spec;
        if (RuleSource.isInline(name)) {
            this.inlineRules = parse(name, RuleSource.lines("cidr", name), warn);
            this.fileRules = null;
        } else {
            this.inlineRules = null;
            this.fileRules = new FileSnapshot<>(Path.of(name), f -> parse(name, RuleSource.lines("cidr", name), warn),
                    intervalNanos);
        }
    }

    static List<Rule> parse(String name, List<SourceLines.Line> lines, Consumer<String> warn) {
        List<Rule> rules = new ArrayList<>();
        List<Integer> open = new ArrayList<>();
        List<Integer> openLines = new ArrayList<>();
        String where = "cidr map " + name + ", line ";
        for (SourceLines.Line l : lines) {
            String text = SourceLines.strip(l.text());
            String word = firstWord(text);
            String lower = word.toLowerCase(Locale.ROOT);
            if (lower.equals("endif")) {
                if (open.isEmpty()) {
                    warn.accept(where + l.number() + ": ENDIF without IF: skipping this rule");
                    continue;
                }
                int at = open.removeLast();
                openLines.removeLast();
                Rule r = rules.get(at);
                rules.set(at, new Rule(r.pattern, r.negate, null, rules.size()));
                continue;
            }
            boolean isIf = lower.equals("if");
            String rest = text;
            if (isIf) {
                rest = SourceLines.strip(text.substring(word.length()));
                word = firstWord(rest);
            }
            boolean negate = word.startsWith("!");
            String pat = negate ? word.substring(1) : word;
            CidrPattern p;
            try {
                p = CidrPattern.parse(pat);
            } catch (TableException e) {
                warn.accept(where + l.number() + ": " + e.getMessage() + ": skipping this rule");
                if (isIf) {
                    // Keep the if..endif pairing intact: a broken "if" never matches.
                    open.add(rules.size());
                    openLines.add(l.number());
                    rules.add(new Rule(null, false, null, -1));
                }
                continue;
            }
            String result = SourceLines.strip(rest.substring(word.length()));
            if (isIf) {
                open.add(rules.size());
                openLines.add(l.number());
                rules.add(new Rule(p, negate, null, -1));
                continue;
            }
            if (result.isEmpty()) {
                warn.accept(where + l.number() + ": no lookup result: skipping this rule");
                continue;
            }
            rules.add(new Rule(p, negate, result, 0));
        }
        while (!open.isEmpty()) {
            int at = open.removeLast();
            int line = openLines.removeLast();
            warn.accept(where + line + ": IF has no matching ENDIF");
            Rule r = rules.get(at);
            rules.set(at, new Rule(r.pattern, r.negate, null, rules.size()));
        }
        return List.copyOf(rules);
    }

    private static String firstWord(String text) {
        int i = 0;
        while (i < text.length() && !SourceLines.isSpace(text.charAt(i))) {
            i++;
        }
        return text.substring(0, i);
    }

    @Override
    public String lookup(String key) throws TableException {
        List<Rule> rules = inlineRules != null ? inlineRules : fileRules.get();
        byte[] addr = InetAddresses.parse(key);
        if (addr == null) {
            return null;
        }
        int i = 0;
        int n = rules.size();
        while (i < n) {
            Rule r = rules.get(i);
            boolean hit = r.pattern != null && sameFamily(r.pattern, addr) && (r.pattern.matches(addr) != r.negate);
            if (r.result == null) {
                i = hit ? i + 1 : r.skipTo;
                continue;
            }
            if (hit) {
                return r.result;
            }
            i++;
        }
        return null;
    }

    private static boolean sameFamily(CidrPattern p, byte[] addr) {
        return p.length() == addr.length;
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
