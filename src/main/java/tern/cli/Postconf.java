package tern.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import tern.config.Config;
import tern.config.ConfigDirectory;
import tern.config.ConfigException;
import tern.config.MainCf;
import tern.config.MainCfEditor;
import tern.config.MasterCf;
import tern.config.ParameterUsage;
import tern.config.Service;

/**
 * Postconf - the postconf command, as Postfix 3.7's: show main.cf parameters (all, named, -n set
 * ones, -d defaults; -h values only, -H names only, -x expanded, -f folded, -C class filter, -o
 * overrides), edit main.cf (-e or name=value, -X remove, -# comment out), and show or edit
 * master.cf entries (-M, -Me, -MX, -M#), their fields (-F, -Fe) and -o parameters (-P, -Pe,
 * -PX); -c DIR and MAIL_CONFIG select the directory; -l lists lock methods, -m table types.
 *
 * Options are parsed as POSIX getopt does (they end at the first operand), and conflicting ones are
 * refused with Postfix's messages. Warnings and errors go to standard error as
 * "postconf: warning: ..." and "postconf: fatal: ...", with Postfix's wording; a fatal error exits
 * with status 1 and no stack trace. The master.cf side lives in {@link PostconfMaster}.
 *
 * Differences from Postfix 3.7 kept on purpose (each pinned in PostconfIT's golden cases or
 * PostconfLiveIT): warnings come in file order instead of hash order, and each once; an expansion
 * error also names the file, line and parameter, a bad master.cf column the file and line; -e, -X
 * and -# never evaluate main.cf (so a broken main.cf can be repaired with them); -e appends new
 * names in argument order and never glues a line to an unterminated last line; -Fh keeps the space
 * between a command and its arguments; "$$name" does not count as a reference to name; master.cf's
 * attached "-oname=value" is read as the daemons' getopt reads it; the program name in messages is
 * always "postconf" (Postfix uses argv[0]); -a and -A print no SASL types and -T prints nothing
 * (Tern has neither plug-in yet), -m lists the table types of tern.tables, -b and -t say that they
 * are not implemented yet.
 */
public final class Postconf {
    static final String USAGE = "usage: postconf [-a (server SASL types)] [-A (client SASL types)] "
            + "[-b (bounce templates)] [-c config_dir] [-c param_class] [-d (parameter defaults)] "
            + "[-e (edit configuration)] [-f (fold lines)] [-F (master.cf fields)] [-h (no names)] "
            + "[-H (no values)] [-l (lock types)] [-m (map types)] [-M (master.cf)] "
            + "[-n (non-default parameters)] [-o name=value (override parameter value)] "
            + "[-p (main.cf, default)] [-P (master.cf parameters)] [-t (bounce templates)] "
            + "[-T compile-version|run-version|public-key-algorithms] [-v (verbose)] "
            + "[-x (expand parameter values)] [-X (exclude)] [-# (comment-out)] [name...]";

    /** The option letters; those followed by ':' take an argument. */
    private static final String OPTIONS = "aAbc:C:defFhHlmMno:pPtT:vxX#";
    /** Mutually exclusive modes, in the order Postfix names them. */
    private static final String MODES = "aAbFlmMpPtT";
    /** Main.cf display/edit options, in the order Postfix names them in conflicts. */
    private static final String EDIT_ORDER = "defhHnxX#";
    /** Table types that tern.tables opens (postconf -m); keep in step with that package. */
    static final List<String> TABLE_TYPES = List.of("btree", "cdb", "cidr", "fail", "hash", "inline", "nis",
            "pcre", "pipemap", "proxy", "regexp", "static", "texthash", "unionmap", "unix");

    /** Fatal - a "postconf: fatal:" message; run() prints it and exits 1. */
    static final class Fatal extends Exception {
        private static final long serialVersionUID = 1L;

        Fatal(String message) {
            super(message, null, false, false);
        }
    }

    /** The parsed command line. */
    static final class Options {
        final Set<Character> flags = new LinkedHashSet<>();
        String configDir;
        final List<String> classes = new ArrayList<>();
        final Map<String, String> overrides = new LinkedHashMap<>();
        String tlsMode;
        List<String> operands = List.of();

        boolean has(char c) {
            return flags.contains(c);
        }
    }

    final PrintStream out;
    final PrintStream err;
    private final String mailConfig;

    Postconf(PrintStream out, PrintStream err, String mailConfig) {
        this.out = out;
        this.err = err;
        this.mailConfig = mailConfig;
    }

    public static int run(String[] args) {
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int status = new Postconf(out, err, System.getenv("MAIL_CONFIG")).main(args);
        out.flush();
        return status;
    }

    int main(String[] args) {
        try {
            Options o = parse(args);
            checkConflicts(o);
            return dispatch(o);
        } catch (Fatal f) {
            out.flush();
            err.println("postconf: fatal: " + f.getMessage());
            return 1;
        } catch (ConfigException e) {
            out.flush();
            err.println("postconf: fatal: " + e.getMessage());
            return 1;
        }
    }

    void warn(String message) {
        out.flush();
        err.println("postconf: warning: " + message);
    }

    /** parse - getopt(3) without permutation: options end at the first operand or "--". */
    Options parse(String[] args) throws Fatal {
        Options o = new Options();
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.length() == 1) {
                break;
            }
            i++;
            for (int k = 1; k < a.length(); k++) {
                char c = a.charAt(k);
                int at = OPTIONS.indexOf(c);
                if (at < 0 || c == ':') {
                    err.println("postconf: invalid option -- '" + c + "'");
                    throw new Fatal(USAGE);
                }
                boolean takesArg = at + 1 < OPTIONS.length() && OPTIONS.charAt(at + 1) == ':';
                if (!takesArg) {
                    o.flags.add(c);
                    continue;
                }
                String value;
                if (k + 1 < a.length()) {
                    value = a.substring(k + 1);
                } else if (i < args.length) {
                    value = args[i++];
                } else {
                    err.println("postconf: option requires an argument -- '" + c + "'");
                    throw new Fatal(USAGE);
                }
                option(o, c, value);
                break;
            }
        }
        o.operands = List.of(args).subList(i, args.length);
        for (String op : o.operands) {
            if (op.indexOf('=') >= 0) {
                o.flags.add('e'); // name=value implies -e, as since Postfix 2.8
                break;
            }
        }
        return o;
    }

    private static void option(Options o, char c, String value) throws Fatal {
        switch (c) {
            case 'c' -> o.configDir = value;
            case 'C' -> {
                for (String cl : Config.splitList(value)) {
                    if (!List.of("builtin", "service", "user", "all").contains(cl)) {
                        throw new Fatal("unknown -C option value \"" + cl + "\" in \"" + value + "\"");
                    }
                    o.classes.add(cl);
                }
            }
            case 'o' -> {
                String[] nv = MainCf.splitNameValue(value);
                if (nv[0] == null) {
                    throw new Fatal("invalid parameter override: " + value + ": " + nv[1].replaceFirst(":.*", ""));
                }
                o.overrides.put(nv[0], nv[1]);
            }
            case 'T' -> {
                o.flags.add('T');
                o.tlsMode = value;
            }
            default -> throw new IllegalStateException("option -" + c);
        }
    }

    /** checkConflicts - Postfix's checks, in its order, with its messages. */
    static void checkConflicts(Options o) throws Fatal {
        if (o.has('b') && o.has('t')) {
            throw new Fatal("specify one of -b and -t");
        }
        StringBuilder modes = new StringBuilder();
        for (char m : MODES.toCharArray()) {
            if (o.has(m)) {
                modes.append(modes.isEmpty() ? "-" : " -").append(m);
            }
        }
        if (modes.length() > 2) {
            throw new Fatal("specify one of " + modes);
        }
        char mode = modes.isEmpty() ? 'p' : modes.charAt(1);
        String disallowed = switch (mode) {
            case 'a', 'A', 'b', 'l', 'm', 't', 'T' -> "defhHnxX#";
            case 'M' -> "dhHn";
            case 'P' -> "dn#";
            case 'F' -> "dnX#";
            default -> "";
        };
        for (char d : disallowed.toCharArray()) {
            if (o.has(d)) {
                throw new Fatal("with option -" + mode + ", do not specify -" + d);
            }
        }
        for (int i = 0; i < EDIT_ORDER.length(); i++) {
            for (int j = i + 1; j < EDIT_ORDER.length(); j++) {
                char a = EDIT_ORDER.charAt(i);
                char b = EDIT_ORDER.charAt(j);
                if (o.has(a) && o.has(b) && conflict(a, b)) {
                    throw new Fatal("specify one of -" + a + " -" + b);
                }
            }
        }
        if (o.has('e') && o.operands.isEmpty()) {
            throw new Fatal("-e requires name=value argument");
        }
        if ((o.has('X') || o.has('#')) && o.operands.isEmpty()) {
            throw new Fatal("missing service argument");
        }
    }

    private static boolean conflict(char a, char b) {
        if ("eX#".indexOf(a) >= 0 || "eX#".indexOf(b) >= 0) {
            return true;
        }
        return (a == 'd' && b == 'n') || (a == 'h' && b == 'H');
    }

    private int dispatch(Options o) throws Fatal, ConfigException {
        if (o.has('l')) {
            out.println("flock");
            out.println("fcntl");
            out.println("dotlock");
            return 0;
        }
        if (o.has('m')) {
            for (String t : TABLE_TYPES) {
                out.println(t);
            }
            return 0;
        }
        if (o.has('a') || o.has('A')) {
            return 0; // no SASL plug-in types yet
        }
        if (o.has('b') || o.has('t')) {
            throw new Fatal("-" + (o.has('b') ? 'b' : 't') + " (bounce templates) is not implemented yet in Tern");
        }
        if (o.has('T')) {
            if (!List.of("compile-version", "run-version", "public-key-algorithms").contains(o.tlsMode)) {
                warn("unknown 'postconf -T' mode: " + o.tlsMode);
                return 1;
            }
            return 0; // built without TLS: no output, as Postfix without TLS support
        }
        if (o.has('M') || o.has('F') || o.has('P')) {
            return new PostconfMaster(this, o).run();
        }
        if (o.has('e') || o.has('X') || o.has('#')) {
            return edit(o);
        }
        return show(o);
    }

    /** dirText - the configuration directory as given (-c, then MAIL_CONFIG, then /etc/postfix). */
    String dirText(Options o) {
        if (o.configDir != null) {
            return o.configDir;
        }
        if (mailConfig != null && !mailConfig.isEmpty()) {
            return mailConfig;
        }
        return ConfigDirectory.DEFAULT;
    }

    /** explicitDirectory - whether -c or MAIL_CONFIG chose the directory (then postconf -n shows it). */
    boolean explicitDirectory(Options o) {
        return o.configDir != null || (mailConfig != null && !mailConfig.isEmpty());
    }

    /** file - DIR/NAME as text (no java.nio.file on postconf's start-up path). */
    static String file(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    /** readMaster - master.cf for main.cf modes: missing is a warning, a broken entry fatal. */
    MasterCf readMasterOrWarn(String dir) throws ConfigException {
        String p = file(dir, "master.cf");
        try {
            return MasterCf.read(p);
        } catch (ConfigException e) {
            if (e.getMessage().startsWith("open " + p + ":")) {
                warn(e.getMessage());
                return null;
            }
            throw e;
        }
    }


    /** load - the main.cf view postconf shows and the usage analysis, with Postfix's start-up checks. */
    Loaded load(Options o) throws ConfigException, Fatal {
        String dir = dirText(o);
        MainCf main = MainCf.loadExisting(file(dir, "main.cf"));
        MasterCf master = readMasterOrWarn(dir);
        if (explicitDirectory(o) && main.lineOf("config_directory") > 0) {
            // -c (or MAIL_CONFIG) counts as an earlier setting, as in Postfix
            warn(main.pathText() + ", line " + main.lineOf("config_directory") + ": overriding earlier entry: config_directory="
                    + dir);
        }
        for (String w : main.warnings()) {
            warn(w);
        }
        for (Map.Entry<String, String> e : main.settings().entrySet()) {
            if (Config.READ_ONLY.contains(e.getKey())) {
                warn(main.pathText() + ": read-only parameter assignment: " + e.getKey() + "=" + e.getValue());
            }
        }
        if (master != null) {
            for (String w : master.warnings()) {
                warn(w);
            }
        }
        List<Service> services = master == null ? List.of() : master.services();
        Map<String, String> overrides = o.overrides;
        Config c = Config.unchecked(dir, explicitDirectory(o), main, services, overrides, "postconf");
        ParameterUsage usage = ParameterUsage.analyze(c.registry(), c.serviceParameters(), main, overrides, master);
        for (String w : usage.mainScanWarnings()) {
            warn(w);
        }
        for (String w : usage.masterScanWarnings()) {
            warn(w);
        }
        startupCheck(c, main, overrides);
        return new Loaded(dir, main, master, c, usage);
    }

    /** Loaded - the files and views one postconf run works on. */
    record Loaded(String dir, MainCf main, MasterCf master, Config config, ParameterUsage usage) {
    }

    /**
     * startupCheck - what Postfix evaluates whenever postconf starts: every known parameter that
     * main.cf or -o sets must expand, and a computed mynetworks needs a valid style and protocols.
     */
    private void startupCheck(Config c, MainCf main, Map<String, String> overrides) throws Fatal, ConfigException {
        Set<String> names = new LinkedHashSet<>(main.settings().keySet());
        names.addAll(overrides.keySet());
        for (String name : names) {
            if (c.parameter(name) == null || c.registry().isRaw(name) || Config.READ_ONLY.contains(name)) {
                continue;
            }
            expandOrFatal(c, name, main);
        }
        if (!names.contains("mynetworks")) {
            c.expand("mynetworks_style");
            c.expand("inet_protocols");
            checkNetworkSyntax(c);
        }
    }

    private static void checkNetworkSyntax(Config c) throws ConfigException {
        // the same checks Networks applies, without reading the interface list
        String style = c.get("mynetworks_style").strip().toLowerCase(java.util.Locale.ROOT);
        if (!style.equals("host") && !style.equals("subnet") && !style.equals("class")) {
            throw new ConfigException("unknown mynetworks mask style value \"" + c.get("mynetworks_style").strip()
                    + "\" in \"" + c.get("mynetworks_style") + "\"");
        }
        for (String p : Config.splitList(c.get("inet_protocols"))) {
            if (!List.of("all", "ipv4", "ipv6").contains(p.toLowerCase(java.util.Locale.ROOT))) {
                throw new ConfigException("unknown inet_protocols value \"" + p + "\" in \"" + c.get("inet_protocols") + "\"");
            }
        }
    }

    /** expandOrFatal - the expanded value; an error is Postfix's warning plus a fatal naming where. */
    String expandOrFatal(Config c, String name, MainCf main) throws Fatal {
        try {
            return c.expand(name);
        } catch (ConfigException e) {
            if (!e.getMessage().contains("macro") && !e.getMessage().contains("expected at")
                    && !e.getMessage().contains("syntax")) {
                throw new Fatal(e.getMessage());
            }
            warn(e.getMessage());
            int line = main.lineOf(name);
            String where = line > 0 ? main.pathText() + ", line " + line + ": " : "";
            throw new Fatal(where + "parameter " + name + ": macro processing error");
        }
    }

    // ---------------------------------------------------------------- main.cf display

    private int show(Options o) throws ConfigException, Fatal {
        boolean defaults = o.has('d');
        Loaded l;
        Config c;
        if (defaults) {
            String dir = dirText(o);
            MasterCf master = readMasterOrWarn(dir);
            c = Config.defaults(dir, master == null ? List.of() : master.services(), "postconf");
            l = null;
        } else {
            l = load(o);
            c = l.config();
        }
        Set<String> classes = new LinkedHashSet<>(o.classes);
        if (classes.isEmpty() || classes.contains("all")) {
            classes = Set.of("builtin", "service", "user");
        }
        ParameterUsage usage = l == null ? null : l.usage();
        MainCf main = l == null ? null : l.main();
        if (o.operands.isEmpty()) {
            Set<String> universe = new TreeSet<>();
            for (String n : c.registry().names()) {
                if (c.registry().isPostfixBuiltin(n) || (!defaults && c.isSet(n))) {
                    universe.add(n);
                }
            }
            universe.addAll(c.serviceParameters().keySet());
            if (!defaults) {
                for (String n : l.main().settings().keySet()) {
                    if (usage.isUsed(n)) {
                        universe.add(n);
                    }
                }
                for (String n : o.overrides.keySet()) {
                    if (usage.isUsed(n)) {
                        universe.add(n);
                    }
                }
            }
            for (String name : universe) {
                if (!classes.contains(classOf(c, name)) || (o.has('n') && !c.isSet(name))) {
                    continue;
                }
                print(o, c, name, main);
            }
        } else {
            for (String name : o.operands) {
                boolean known = c.parameter(name) != null || (!defaults && usage.isUsed(name));
                if (!known || !classes.contains(classOf(c, name))) {
                    warn(name + ": unknown parameter");
                    continue;
                }
                if (o.has('n') && !c.isSet(name)) {
                    continue;
                }
                print(o, c, name, main);
            }
        }
        if (l != null) {
            for (String w : l.usage().mainUnused()) {
                warn(w);
            }
            for (String w : l.usage().masterUnused()) {
                warn(w);
            }
        }
        return 0;
    }

    /** classOf - postconf -C's class of a name: built in to Postfix, service-defined, or user (the rest). */
    private static String classOf(Config c, String name) {
        if (c.registry().isPostfixBuiltin(name)) {
            return "builtin";
        }
        return c.serviceParameters().containsKey(name) ? "service" : "user";
    }

    private void print(Options o, Config c, String name, MainCf main) throws Fatal, ConfigException {
        if (o.has('H')) {
            out.println(name);
            return;
        }
        String value;
        if (o.has('x')) {
            value = main == null ? expandDefault(c, name) : expandOrFatal(c, name, main);
        } else if (name.equals("mynetworks") && !c.isSet(name)) {
            value = c.expand("mynetworks"); // computed; an error is fatal, as in Postfix
        } else {
            value = c.raw(name);
        }
        out.println(line(o.has('h') ? null : name, value == null ? "" : value, o.has('f')));
    }

    private String expandDefault(Config c, String name) throws Fatal {
        try {
            return c.expand(name);
        } catch (ConfigException e) {
            warn(e.getMessage());
            throw new Fatal("parameter " + name + ": macro processing error");
        }
    }

    /**
     * line - "name = value" (or the value alone when name is null) as postconf prints it: words
     * separated by one space; with fold, lines longer than 80 columns continue on lines indented
     * by four spaces.
     */
    static String line(String name, String value, boolean fold) {
        List<String> words = Config.words(value);
        StringBuilder b = new StringBuilder();
        if (name != null) {
            b.append(name).append(" =");
        }
        int lineStart = 0;
        for (String w : words) {
            if (b.length() == 0) {
                b.append(w);
                continue;
            }
            int length = b.length() - lineStart;
            if (fold && length + 1 + w.length() > 80 && length > 4) {
                b.append('\n');
                lineStart = b.length();
                b.append("    ").append(w);
            } else {
                b.append(' ').append(w);
            }
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- main.cf edits

    private int edit(Options o) throws Fatal, ConfigException {
        MainCfEditor.Mode mode = o.has('e') ? MainCfEditor.Mode.EDIT
                : o.has('X') ? MainCfEditor.Mode.REMOVE : MainCfEditor.Mode.COMMENT;
        Map<String, String> request = new LinkedHashMap<>();
        for (String arg : o.operands) {
            if (arg.indexOf('\n') >= 0) {
                throw new Fatal("-e, -X, or -# accepts no multi-line input");
            }
            if (mode == MainCfEditor.Mode.EDIT) {
                String[] nv = MainCf.splitNameValue(arg);
                if (nv[0] == null) {
                    throw new Fatal(nv[1]);
                }
                String earlier = request.remove(nv[0]);
                if (earlier != null) {
                    warn("ignoring earlier request: '" + nv[0] + " = " + earlier + "'");
                }
                request.put(nv[0], nv[1]);
            } else {
                String name = arg.strip();
                if (name.isEmpty() || Config.words(arg).size() != 1) {
                    throw new Fatal("-X or -# requires non-blank parameter names");
                }
                request.put(name, "");
            }
        }
        for (String w : MainCfEditor.edit(Path.of(file(dirText(o), "main.cf")), mode, request)) {
            warn(w);
        }
        return 0;
    }
}
