package tern.tables;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import tern.config.Config;
import tern.config.ConfigDirectory;
import tern.config.ConfigException;

/**
 * TableCommand - the postmap(1), postalias(1) and newaliases(1) commands: option parsing, messages
 * and exit statuses as Postfix's, working through {@link TableOpener} (queries, dumps) and
 * {@link TableBuilder} (builds, -i, -d). The tern.cli classes only hand over their arguments.
 *
 * Modes: build each [type:]file (default); -q key (first table with the key prints its value,
 * exit 0; none, exit 1); -q - (keys from standard input, "key<TAB>value" per key found, exit 0 if
 * any); -d key / -d - (delete, exit 0 if any found); -s (dump every entry); -i (entries from
 * standard input added). Flags -f (no case folding), -r/-w (duplicates replace/ignored), -p, -o,
 * -F (base64 values), -h/-b/-m (header/body keys from a message on standard input with -q -);
 * -N, -n, -u, -U, -v are accepted and change nothing here.
 *
 * Messages go to standard error as "postmap: warning: ..." and "postmap: fatal: ...". A fatal error
 * exits 1 (Postfix's exit status for msg_fatal, also for a failed -q lookup); usage errors too.
 */
public final class TableCommand {
    private static final String POSTMAP_USAGE =
            "usage: postmap [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...";
    private static final String POSTALIAS_USAGE =
            "usage: postalias [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [map_type:]file...";

    private final String program;
    private final boolean aliases;
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    /** Fatal - ends the command with "PROGRAM: fatal: message" and exit status 1. */
    private static final class Fatal extends Exception {
        private static final long serialVersionUID = 1L;

        Fatal(String message) {
            super(message, null, false, false);
        }
    }

    private TableCommand(String program, InputStream in, PrintStream out, PrintStream err) {
        this.program = program;
        this.aliases = program.equals("postalias");
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** postmap - run postmap with these arguments; returns the exit status. */
    public static int postmap(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return new TableCommand("postmap", in, out, err).main(args);
    }

    /** postalias - run postalias with these arguments; returns the exit status. */
    public static int postalias(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return new TableCommand("postalias", in, out, err).main(args);
    }

    /**
     * newaliases - rebuild every table in alias_database, as "sendmail -bi" runs postalias. The
     * configuration comes from MAIL_CONFIG or sendmail's "-C dir"; other sendmail options are ignored.
     */
    public static int newaliases(String[] args, InputStream in, PrintStream out, PrintStream err) {
        String configDir = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-C") && i + 1 < args.length) {
                configDir = args[++i];
            } else if (args[i].startsWith("-C") && args[i].length() > 2) {
                configDir = args[i].substring(2);
            }
        }
        Path dir = ConfigDirectory.resolve(configDir);
        if (configDir != null && Files.isRegularFile(dir)) {
            dir = dir.getParent();
        }
        Config config;
        try {
            config = loadConfig(dir);
        } catch (Fatal e) {
            err.println("newaliases: fatal: " + e.getMessage());
            return 75;
        }
        List<String> tables = config.list("alias_database");
        if (tables.isEmpty()) {
            return 0;
        }
        TableCommand c = new TableCommand("postalias", in, out, err);
        try {
            for (String t : tables) {
                c.build(t, config, TableBuilder.Settings.DEFAULT, false);
            }
            return 0;
        } catch (Fatal e) {
            err.println("postalias: fatal: " + e.getMessage());
            return 1;
        }
    }

    private int main(String[] args) {
        try {
            return execute(args);
        } catch (Fatal e) {
            err.println(program + ": fatal: " + e.getMessage());
            return 1;
        } finally {
            out.flush();
        }
    }

    private int execute(String[] args) throws Fatal {
        String optionLetters = aliases ? "c:d:fimnNopq:rsuvw" : "bc:d:fFhimnNopq:rsuUvw";
        String configDir = null;
        String queryKey = null;
        String deleteKey = null;
        boolean sequence = false;
        boolean fold = true;
        boolean incremental = false;
        boolean base64 = false;
        boolean headers = false;
        boolean body = false;
        boolean inherit = true;
        boolean keepRoot = false;
        TableBuilder.OnDuplicate dup = TableBuilder.OnDuplicate.WARN;
        int modes = 0;
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.length() < 2) {
                break;
            }
            for (int k = 1; k < a.length(); k++) {
                char c = a.charAt(k);
                int at = optionLetters.indexOf(c);
                if (at < 0 || c == ':') {
                    err.println(program + ": invalid option -- '" + c + "'");
                    throw new Fatal(aliases ? POSTALIAS_USAGE : POSTMAP_USAGE);
                }
                String value = null;
                if (at + 1 < optionLetters.length() && optionLetters.charAt(at + 1) == ':') {
                    if (k + 1 < a.length()) {
                        value = a.substring(k + 1);
                    } else if (i + 1 < args.length) {
                        value = args[++i];
                    } else {
                        err.println(program + ": option requires an argument -- '" + c + "'");
                        throw new Fatal(aliases ? POSTALIAS_USAGE : POSTMAP_USAGE);
                    }
                    k = a.length();
                }
                switch (c) {
                    case 'c' -> configDir = value;
                    case 'd', 'q' -> {
                        if (modes++ > 0) {
                            throw new Fatal("specify only one of -s -q or -d");
                        }
                        if (c == 'd') {
                            deleteKey = value;
                        } else {
                            queryKey = value;
                        }
                    }
                    case 's' -> {
                        if (modes++ > 0) {
                            throw new Fatal(aliases ? "specify only one of -s -q or -d"
                                    : "specify only one of -s or -q or -d");
                        }
                        sequence = true;
                    }
                    case 'f' -> fold = false;
                    case 'i' -> incremental = true;
                    case 'F' -> base64 = true;
                    case 'h' -> headers = true;
                    case 'b' -> body = true;
                    case 'p' -> inherit = false;
                    case 'o' -> keepRoot = true;
                    case 'r' -> dup = TableBuilder.OnDuplicate.REPLACE;
                    case 'w' -> dup = TableBuilder.OnDuplicate.IGNORE;
                    default -> {
                        // -m -n -N -u -U -v: accepted; nothing to change here.
                    }
                }
            }
        }
        List<String> maps = new ArrayList<>();
        for (; i < args.length; i++) {
            maps.add(args[i]);
        }
        Config config = loadConfig(ConfigDirectory.resolve(configDir));
        if (maps.isEmpty()) {
            throw new Fatal(aliases ? POSTALIAS_USAGE : POSTMAP_USAGE);
        }
        TableBuilder.Settings settings = new TableBuilder.Settings(fold, dup, inherit, keepRoot,
                config.get("myhostname"));
        TableOpener opener = TableOpener.fromConfig(config, this::warn);
        TableOpener.Options options = new TableOpener.Options(fold, true);
        if (queryKey != null) {
            if (queryKey.equals("-")) {
                return queryStdin(maps, config, opener, options, headers, body, base64);
            }
            String v = query(maps, config, opener, options, queryKey);
            if (v == null) {
                return 1;
            }
            out.println(base64 ? decode(v, queryKey) : v);
            return 0;
        }
        if (deleteKey != null) {
            List<String> keys = deleteKey.equals("-") ? readLines() : List.of(deleteKey);
            int found = 0;
            for (String m : maps) {
                String[] tn = typeName(m, config);
                try {
                    found += TableBuilder.delete(tn[0], tn[1], keys, settings);
                } catch (TableException e) {
                    throw new Fatal(e.getMessage());
                }
            }
            return found > 0 ? 0 : 1;
        }
        if (sequence) {
            for (String m : maps) {
                dump(m, config, opener, options, base64);
            }
            return 0;
        }
        if (incremental) {
            String text = readAll();
            for (String m : maps) {
                String[] tn = typeName(m, config);
                List<TableBuilder.Entry> entries = TableBuilder.parse(text, "stdin",
                        aliases ? TableBuilder.Format.ALIASES : TableBuilder.Format.MAP, this::warn);
                try {
                    TableBuilder.add(tn[0], tn[1], aliases ? TableBuilder.Format.ALIASES : TableBuilder.Format.MAP,
                            base64 ? encodeValues(entries) : entries, settings, this::warn);
                } catch (TableException e) {
                    throw new Fatal(e.getMessage());
                }
            }
            return 0;
        }
        for (String m : maps) {
            build(m, config, settings, base64);
        }
        return 0;
    }

    private void build(String map, Config config, TableBuilder.Settings settings, boolean base64) throws Fatal {
        String[] tn = typeName(map, config);
        TableBuilder.Settings s = new TableBuilder.Settings(settings.foldCase(), settings.onDuplicate(),
                settings.inheritPermissions(), settings.keepRoot(), config.get("myhostname"));
        try {
            TableBuilder.checkCreatable(tn[0]);
            if (base64) {
                buildBase64(tn, s);
                return;
            }
            TableBuilder.build(tn[0], tn[1], aliases ? TableBuilder.Format.ALIASES : TableBuilder.Format.MAP, s,
                    this::warn);
        } catch (TableException e) {
            throw new Fatal(e.getMessage());
        }
    }

    /** buildBase64 - postmap -F: each value names files whose joined contents are stored base64-encoded. */
    private void buildBase64(String[] tn, TableBuilder.Settings s) throws TableException, Fatal {
        String text;
        try {
            text = Files.readString(Path.of(tn[1]), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Fatal("open " + tn[1] + ": " + SourceLines.reason(e));
        }
        List<TableBuilder.Entry> entries = encodeValues(TableBuilder.parse(text, tn[1], TableBuilder.Format.MAP,
                this::warn));
        Path db = TableBuilder.databaseFile(tn[0], tn[1]);
        try {
            Files.deleteIfExists(db);
        } catch (IOException e) {
            throw new Fatal("open database " + db + ": " + SourceLines.reason(e));
        }
        TableBuilder.add(tn[0], tn[1], TableBuilder.Format.MAP, entries, s, this::warn);
    }

    private List<TableBuilder.Entry> encodeValues(List<TableBuilder.Entry> entries) throws Fatal {
        List<TableBuilder.Entry> out2 = new ArrayList<>(entries.size());
        for (TableBuilder.Entry e : entries) {
            StringBuilder joined = new StringBuilder();
            boolean first = true;
            for (String f : Config.splitList(e.value())) {
                if (!first) {
                    joined.append('\n');
                }
                first = false;
                try {
                    joined.append(Files.readString(Path.of(f), StandardCharsets.UTF_8));
                } catch (IOException ex) {
                    throw new Fatal("open " + f + ": " + SourceLines.reason(ex));
                }
            }
            out2.add(new TableBuilder.Entry(e.key(), Base64.getEncoder().encodeToString(
                    joined.toString().getBytes(StandardCharsets.UTF_8)), e.line()));
        }
        return out2;
    }

    private String decode(String value, String key) throws Fatal {
        try {
            return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Fatal("table lookup result for \"" + key + "\" is not valid base64");
        }
    }

    private String query(List<String> maps, Config config, TableOpener opener, TableOpener.Options options,
                         String key) throws Fatal {
        for (String m : maps) {
            Table t = open(m, config, opener, options);
            try {
                String v = t.lookup(key);
                if (v != null) {
                    return v;
                }
            } catch (TableException e) {
                throw new Fatal(e.getMessage());
            }
        }
        return null;
    }

    private int queryStdin(List<String> maps, Config config, TableOpener opener, TableOpener.Options options,
                           boolean headers, boolean body, boolean base64) throws Fatal {
        List<String> keys = headers || body ? MessageKeys.of(readAll(), headers, body) : readLines();
        List<Table> tables = new ArrayList<>();
        for (String m : maps) {
            tables.add(open(m, config, opener, options));
        }
        boolean any = false;
        for (String key : keys) {
            for (Table t : tables) {
                String v;
                try {
                    v = t.lookup(key);
                } catch (TableException e) {
                    throw new Fatal(e.getMessage());
                }
                if (v != null) {
                    out.println(key + (aliases ? ":\t" : "\t") + (base64 ? decode(v, key) : v));
                    any = true;
                    break;
                }
            }
        }
        return any ? 0 : 1;
    }

    private void dump(String map, Config config, TableOpener opener, TableOpener.Options options, boolean base64)
            throws Fatal {
        Table t = open(map, config, opener, options);
        List<String[]> rows = new ArrayList<>();
        try {
            t.forEach((k, v) -> rows.add(new String[] {k, v}));
        } catch (TableException e) {
            throw new Fatal(e.getMessage());
        }
        for (String[] r : rows) {
            out.println(r[0] + (aliases ? ":\t" : "\t") + (base64 ? decode(r[1], r[0]) : r[1]));
        }
    }

    private Table open(String map, Config config, TableOpener opener, TableOpener.Options options) throws Fatal {
        String[] tn = typeName(map, config);
        try {
            return opener.openUncached(tn[0] + ":" + tn[1], options);
        } catch (TableException e) {
            throw new Fatal(e.getMessage());
        }
    }

    /** typeName - {type, name} of "type:name", or of a bare file name with default_database_type. */
    private static String[] typeName(String map, Config config) throws Fatal {
        int colon = map.indexOf(':');
        if (colon < 0) {
            String type = config.get("default_database_type");
            return new String[] {type.isEmpty() ? "hash" : type, map};
        }
        if (colon == 0 || colon == map.length() - 1) {
            throw new Fatal("open dictionary: expecting \"type:name\" form instead of \"" + map + "\"");
        }
        return new String[] {map.substring(0, colon), map.substring(colon + 1)};
    }

    private static Config loadConfig(Path dir) throws Fatal {
        Path mainCf = dir.resolve("main.cf");
        if (!Files.isRegularFile(mainCf)) {
            throw new Fatal("open " + mainCf + ": No such file or directory");
        }
        try {
            return Config.load(dir);
        } catch (ConfigException e) {
            throw new Fatal(e.getMessage());
        }
    }

    private List<String> readLines() throws Fatal {
        List<String> keys = new ArrayList<>();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String l; (l = r.readLine()) != null; ) {
                keys.add(l);
            }
        } catch (IOException e) {
            throw new Fatal("read standard input: " + SourceLines.reason(e));
        }
        return keys;
    }

    private String readAll() throws Fatal {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Fatal("read standard input: " + SourceLines.reason(e));
        }
    }

    private void warn(String text) {
        err.println(program + ": warning: " + text);
    }
}
