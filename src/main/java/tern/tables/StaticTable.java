package tern.tables;

/**
 * StaticTable - static:value, a table that answers every key with its name ("static:{ text with
 * whitespace }" strips the braces and the whitespace inside them). It cannot fail once opened.
 */
final class StaticTable implements Table {
    private final String spec;
    private final String value;

    private StaticTable(String spec, String value) {
        this.spec = spec;
        this.value = value;
    }

    static StaticTable open(String spec, String name) throws TableException {
        String v = name;
        if (name.startsWith("{")) {
            int close = Braces.matching(name, 0);
            if (close < 0) {
                throw new TableException("bad static:name syntax: missing '}' in \"" + name + "\"");
            }
            if (close != name.length() - 1) {
                throw new TableException("bad static:name syntax: syntax error after '}' in \"" + name + "\"");
            }
            v = SourceLines.strip(name.substring(1, close));
        }
        return new StaticTable(spec, v);
    }

    @Override
    public String lookup(String key) {
        return value;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean isFixed() {
        return true;
    }
}
