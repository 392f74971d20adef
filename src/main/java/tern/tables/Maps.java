package tern.tables;

import java.util.ArrayList;
import java.util.List;

import tern.config.Config;

/**
 * Maps - the tables of one *_maps parameter ("alias_maps = hash:/etc/aliases, nis:mail.aliases"),
 * asked in order until one has the key, as Postfix's maps_find does. The first table with an
 * answer wins; a table that fails ends the search with that failure (a later table's answer could
 * be the wrong one), so the caller defers.
 */
public final class Maps {
    private final String parameterName;
    private final List<Table> tables;

    private Maps(String parameterName, List<Table> tables) {
        this.parameterName = parameterName;
        this.tables = tables;
    }

    /**
     * open - the tables listed in a parameter value (already $name-expanded); empty value, no tables.
     * A table that cannot be opened is logged and fails its lookups (see
     * {@link TableOpener#openOrSurrogate}); open itself does not fail.
     */
    public static Maps open(String parameterName, String expandedValue, TableOpener opener) {
        return open(parameterName, expandedValue, opener, TableOpener.Options.DEFAULT);
    }

    /** open - with options, e.g. substitution off for virtual_mailbox_maps. */
    public static Maps open(String parameterName, String expandedValue, TableOpener opener,
                            TableOpener.Options options) {
        List<Table> tables = new ArrayList<>();
        for (String spec : Config.splitList(expandedValue)) {
            tables.add(opener.openOrSurrogate(spec, options));
        }
        return new Maps(parameterName, List.copyOf(tables));
    }

    /** of - maps over already opened tables. */
    public static Maps of(String parameterName, List<Table> tables) {
        return new Maps(parameterName, List.copyOf(tables));
    }

    public String parameterName() {
        return parameterName;
    }

    public List<Table> tables() {
        return tables;
    }

    public boolean isEmpty() {
        return tables.isEmpty();
    }

    /** find - the first table's value for key, or null. */
    public String find(String key) throws TableException {
        for (Table t : tables) {
            String v = t.lookup(key);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /**
     * findFixed - as find, asking only fixed-string tables: the query for a part of a key (a parent
     * domain, "user", "@domain") that pattern tables must not see.
     */
    public String findFixed(String key) throws TableException {
        for (Table t : tables) {
            if (!t.isFixed()) {
                continue;
            }
            String v = t.lookup(key);
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
