package tern.tables;

/**
 * SurrogateTable - stands in for a table that could not be opened (unknown type, bad syntax), as
 * Postfix's surrogate dictionaries do in a daemon: the daemon keeps running, and every lookup that
 * reaches this table fails with "SPEC is unavailable. REASON", so the mail concerned is deferred
 * rather than handled as if the table had no entry.
 */
final class SurrogateTable implements Table {
    private final String spec;
    private final String reason;

    SurrogateTable(String spec, String reason) {
        this.spec = spec;
        this.reason = reason;
    }

    @Override
    public String lookup(String key) throws TableException {
        throw new TableException(spec + " is unavailable. " + reason);
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
