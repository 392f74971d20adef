package tern.tables;

import java.util.ArrayList;
import java.util.List;

/**
 * CompositeTable - unionmap:{type:name, ...} (asks every table and joins the results found with
 * commas; nothing found is no result) and pipemap:{type:name, ...} (each result is the next table's
 * key; any table without a result ends the pipeline with none). A component's failure is the
 * composite's failure. Syntax errors fail the open with Postfix's wording
 * ("bad syntax: "pipemap:x"; need "pipemap:{type:name...}"").
 */
final class CompositeTable implements Table {
    private final String spec;
    private final boolean union;
    private final List<Table> tables;
    private final boolean fixed;

    private CompositeTable(String spec, boolean union, List<Table> tables) {
        this.spec = spec;
        this.union = union;
        this.tables = tables;
        boolean f = true;
        for (Table t : tables) {
            f &= t.isFixed();
        }
        this.fixed = f;
    }

    static CompositeTable open(String spec, String type, String name, TableOpener opener,
                               TableOpener.Options options) throws TableException {
        TableException bad = new TableException("bad syntax: \"" + spec + "\"; need \"" + type + ":{type:name...}\"");
        if (!name.startsWith("{") || Braces.matching(name, 0) != name.length() - 1) {
            throw bad;
        }
        List<String> items = Braces.items(name.substring(1, name.length() - 1));
        if (items == null || items.isEmpty()) {
            throw bad;
        }
        List<Table> tables = new ArrayList<>(items.size());
        for (String item : items) {
            tables.add(opener.open(item, options));
        }
        return new CompositeTable(spec, type.equals("unionmap"), List.copyOf(tables));
    }

    @Override
    public String lookup(String key) throws TableException {
        if (union) {
            StringBuilder b = null;
            for (Table t : tables) {
                String v = t.lookup(key);
                if (v != null) {
                    if (b == null) {
                        b = new StringBuilder(v);
                    } else {
                        b.append(',').append(v);
                    }
                }
            }
            return b == null ? null : b.toString();
        }
        String v = key;
        for (Table t : tables) {
            v = t.lookup(v);
            if (v == null) {
                return null;
            }
        }
        return v;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean isFixed() {
        return fixed;
    }
}
