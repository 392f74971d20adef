package tern.tables;

import java.util.function.BiConsumer;

/**
 * Table - one lookup table ("hash:/etc/postfix/virtual", "cidr:/etc/postfix/clients", ...) as
 * Postfix's dictionaries are: a key goes in, a value or nothing comes out.
 *
 * Case: fixed-string tables (hash, btree, cdb, texthash, inline, unix, ...) fold the key to lower
 * case before they look it up, unless the table was opened with case folding off (postmap -f).
 * Pattern tables (regexp, pcre, cidr) see the key as given; their patterns decide about case.
 *
 * Failure: a table that cannot answer (missing or foreign .db file, unreadable source, syntax
 * error, a regular expression over its budget) throws {@link TableException}, never returns null
 * for it: the caller then defers the mail it concerns instead of bouncing it.
 */
public interface Table {
    /** lookup - the value for key, or null when the table has no entry for it. */
    String lookup(String key) throws TableException;

    /** spec - the "type:name" this table was opened as, for log lines. */
    String spec();

    /**
     * isFixed - true for tables of fixed strings, where Postfix also looks up substrings of a key
     * (parent domains, "user" of "user@domain", "@domain"); false for pattern tables (regexp, pcre,
     * cidr) that see only the full key.
     */
    boolean isFixed();

    /**
     * forEach - every entry in table order (postmap -s). Tables that cannot list their contents
     * throw "table TYPE:NAME: sequence operation is not supported", as Postfix says.
     */
    default void forEach(BiConsumer<String, String> action) throws TableException {
        throw new TableException("table " + spec() + ": sequence operation is not supported");
    }
}
