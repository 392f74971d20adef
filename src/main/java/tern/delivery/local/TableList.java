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
 * Failure: a table that cannot be opened (unknown type) makes every lookup fail with that reason;
 * a table that fails a lookup ends the search with its {@link TableException}, so that the mail
 * is deferred rather than handled as if the key were absent.
 */
final class TableList {
    /** Hit - a value and the table it came from. */
    record Hit(String value, Table table) {
    }

    private final String parameter;
    private final List<Table> tables;
    private final TableException broken;

    private TableList(String parameter, List<Table> tables, TableException broken) {
        this.parameter = parameter;
        this.tables = tables;
        this.broken = broken;
    }

    /** open - the tables of a parameter's (expanded) value; an unusable one is remembered, not thrown. */
    static TableList open(String parameter, String value, TableOpener opener) {
        List<Table> tables = new ArrayList<>();
        TableException broken = null;
        for (String spec : Config.splitList(value)) {
            try {
                tables.add(opener.open(spec, new TableOpener.Options(true, false)));
            } catch (TableException e) {
                broken = new TableException(parameter + ": " + spec + ": " + e.getMessage(), e);
                break;
            }
        }
        return new TableList(parameter, List.copyOf(tables), broken);
    }

    String parameter() {
        return parameter;
    }

    boolean isEmpty() {
        return tables.isEmpty() && broken == null;
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
        if (broken != null) {
            throw broken;
        }
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
     * findAddress - virtual(8)'s search order: user+ext@domain, user@domain (when there is an
     * extension), then @domain.
     */
    Hit findAddress(String address, String delimiters) throws TableException {
        Hit h = find(address);
        if (h != null) {
            return h;
        }
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        String local = address.substring(0, at);
        String domain = address.substring(at + 1);
        for (int i = 1; i < local.length() && !delimiters.isEmpty(); i++) {
            if (delimiters.indexOf(local.charAt(i)) >= 0) {
                h = findFixed(local.substring(0, i) + "@" + domain);
                if (h != null) {
                    return h;
                }
                break;
            }
        }
        return findFixed("@" + domain);
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
