package tern.delivery.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tern.config.Config;
import tern.tables.Table;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * TableList - the tables of one *_maps parameter as a delivery agent uses them: asked in order,
 * the first answer wins, with the table that answered (local(8) runs alias commands with the
 * rights of the alias database's owner). Regular-expression substitution ($1) is refused, as
 * local(8) and virtual(8) refuse it. A key's parts (the user without extension, "@domain") are
 * asked of fixed-string tables only; pattern tables see the full key.
 *
 * Failure: a table that cannot be opened (unknown type) fails every lookup with that reason; a
 * table that fails a lookup ends the search with its {@link TableException}, so that the mail is
 * deferred rather than handled as if the key were absent.
 */
final class TableList {
    /** Hit - a value and the table it came from. */
    record Hit(String value, Table table) {
    }

    private final String parameter;
    private final List<Table> tables;

    private TableList(String parameter, List<Table> tables) {
        this.parameter = parameter;
        this.tables = tables;
    }

    /**
     * open - the tables of a parameter's (expanded) value; one that cannot be opened is logged by
     * the opener and fails its lookups, so that the mail it concerns is deferred.
     */
    static TableList open(String parameter, String value, TableOpener opener) {
        List<Table> tables = new ArrayList<>();
        for (String spec : Config.splitList(value)) {
            tables.add(opener.openOrSurrogate(spec, new TableOpener.Options(true, false)));
        }
        return new TableList(parameter, List.copyOf(tables));
    }

    String parameter() {
        return parameter;
    }

    boolean isEmpty() {
        return tables.isEmpty();
    }

    /** find - the first answer for the full key, every table asked. */
    Hit find(String key) throws TableException {
        return find(key, false);
    }

    /** findFixed - the first answer for a partial key, fixed-string tables only. */
    Hit findFixed(String key) throws TableException {
        return find(key, true);
    }

    private Hit find(String key, boolean fixedOnly) throws TableException {
        for (Table t : tables) {
            if (fixedOnly && !t.isFixed()) {
                continue;
            }
            String v = t.lookup(key);
            if (v != null) {
                return new Hit(v, t);
            }
        }
        return null;
    }

    /**
     * owner - the uid and gid of the file behind a table ("hash:/etc/aliases" is /etc/aliases.db),
     * or null when it has none (inline:, static:) or cannot be looked at.
     */
    static int[] owner(Table t) {
        String name = t.spec();
        while (true) {
            int colon = name.indexOf(':');
            if (colon < 0) {
                return null;
            }
            String type = name.substring(0, colon);
            name = name.substring(colon + 1);
            if (!type.equalsIgnoreCase("proxy")) {
                break;
            }
        }
        if (!name.startsWith("/")) {
            return null;
        }
        for (String candidate : new String[]{name + ".db", name + ".cdb", name}) {
            try {
                Map<String, Object> a = Files.readAttributes(Path.of(candidate), "unix:uid,gid");
                return new int[]{(Integer) a.get("uid"), (Integer) a.get("gid")};
            } catch (java.io.IOException | RuntimeException e) {
                // try the next form
            }
        }
        return null;
    }
}
