package tern.tables;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * InlineTable - inline:{ key=value, { key = text with whitespace or comma } }, a table written in
 * main.cf itself. Pairs are separated by whitespace or commas; inside "{}" whitespace around the
 * '=' and next to the braces is ignored. A pair with an empty value is kept (and draws Postfix's
 * warnings when it is found, see {@link EmptyResultCheck}); the first of duplicate keys wins.
 *
 * Bad syntax fails the open with Postfix's wording: "bad syntax: "inline:..."; need
 * "inline:{name=value...}"" or "missing '=' after attribute name: ...".
 */
final class InlineTable implements Table {
    private final String spec;
    private final Map<String, String> entries;
    private final boolean fold;

    private InlineTable(String spec, Map<String, String> entries, boolean fold) {
        this.spec = spec;
        this.entries = entries;
        this.fold = fold;
    }

    static InlineTable open(String spec, String name, boolean fold) throws TableException {
        String need = "; need \"inline:{name=value...}\"";
        if (!name.startsWith("{") || Braces.matching(name, 0) != name.length() - 1) {
            throw new TableException("bad syntax: \"" + spec + "\"" + need);
        }
        List<String> items = Braces.items(name.substring(1, name.length() - 1));
        if (items == null) {
            throw new TableException("bad syntax: \"" + spec + "\"" + need);
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String item : items) {
            String pair = item;
            if (item.startsWith("{")) {
                if (!item.endsWith("}")) {
                    throw new TableException("bad syntax: \"" + spec + "\"" + need);
                }
                pair = Braces.unwrap(item);
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new TableException("missing '=' after attribute name: \"" + spec + "\"" + need);
            }
            String key = SourceLines.strip(pair.substring(0, eq));
            String value = SourceLines.strip(pair.substring(eq + 1));
            m.putIfAbsent(fold ? Keys.fold(key) : key, value);
        }
        return new InlineTable(spec, m, fold);
    }

    @Override
    public String lookup(String key) {
        return entries.get(fold ? Keys.fold(key) : key);
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean isFixed() {
        return true;
    }

    @Override
    public void forEach(BiConsumer<String, String> action) {
        entries.forEach(action);
    }
}
