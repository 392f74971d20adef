package tern.tables;

/**
 * FailTable - fail:name, a table that fails every lookup (for testing error paths), with
 * Postfix's wording: "table fail:name: query error: Application error".
 */
final class FailTable implements Table {
    private final String spec;

    FailTable(String spec) {
        this.spec = spec;
    }

    @Override
    public String lookup(String key) throws TableException {
        throw new TableException("table " + spec + ": query error: Application error");
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
