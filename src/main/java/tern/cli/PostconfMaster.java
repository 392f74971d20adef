package tern.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tern.config.Config;
import tern.config.ConfigException;
import tern.config.MainCf;
import tern.config.MasterCf;
import tern.config.MasterCfEditor;
import tern.config.Service;

/**
 * PostconfMaster - postconf's master.cf side: -M (entries), -F (fields: service, type, private,
 * unprivileged, chroot, wakeup, process_limit, command) and -P (-o parameters), each shown with
 * optional NAME[/TYPE[/FIELD]] selectors ("*" matches anything, a missing part too), or edited
 * with -Me, -MX, -M#, -Fe, -Pe, -PX.
 *
 * Output and edits follow Postfix 3.7: -M aligns the columns and joins continuation lines, -Mf
 * puts each -o on its own line and folds at 80 columns (the layout edits write), -P lists each
 * entry's parameters sorted by name. Errors are Postfix's messages as {@link Postconf.Fatal};
 * a selector that matches nothing is a warning.
 */
final class PostconfMaster {
    private static final List<String> FIELDS = List.of("service", "type", "private", "unprivileged", "chroot",
            "wakeup", "process_limit", "command");

    private final Postconf pc;
    private final Postconf.Options o;
    private final char mode;

    PostconfMaster(Postconf pc, Postconf.Options o) {
        this.pc = pc;
        this.o = o;
        this.mode = o.has('M') ? 'M' : o.has('F') ? 'F' : 'P';
    }

    int run() throws Postconf.Fatal, ConfigException {
        String dir = pc.dirText(o);
        MasterCf master = MasterCf.read(Postconf.file(dir, "master.cf"));
        boolean editing = o.has('e') || o.has('X') || o.has('#');
        if (editing) {
            MainCf.loadExisting(Postconf.file(dir, "main.cf")); // Postfix insists on main.cf here too
            return edit(master);
        }
        Postconf.Loaded l = pc.load(o);
        int status = show(l);
        for (String w : l.usage().masterUnused()) {
            pc.warn(w);
        }
        return status;
    }

    // ---------------------------------------------------------------- display

    private int show(Postconf.Loaded l) throws Postconf.Fatal, ConfigException {
        int maxParts = mode == 'M' ? 2 : 3;
        List<String[]> selectors = new ArrayList<>();
        for (String op : o.operands) {
            String[] parts = op.split("/", -1);
            if (parts.length > maxParts) {
                throw new Postconf.Fatal(switch (mode) {
                    case 'M' -> "-M option requires service_name[/type]";
                    case 'F' -> "-F option requires service_name[/type[/field]]";
                    default -> "-P option requires service_name[/type[/parameter]]";
                });
            }
            selectors.add(parts);
        }
        boolean[] matched = new boolean[selectors.size()];
        Config c = l.config();
        for (Service s : l.master().services()) {
            switch (mode) {
                case 'M' -> {
                    // Postfix prints an entry once for every selector that matches it
                    int times = selectors.isEmpty() ? 1 : 0;
                    for (int i = 0; i < selectors.size(); i++) {
                        if (matches(selectors.get(i), 0, s.name()) && matches(selectors.get(i), 1, s.type())) {
                            matched[i] = true;
                            times++;
                        }
                    }
                    for (int t = 0; t < times; t++) {
                        pc.out.println(MasterCf.format(s, commandLine(s, c), o.has('f')));
                    }
                }
                case 'F' -> {
                    for (String field : FIELDS) {
                        if (selected(selectors, matched, s, field)) {
                            String value = field.equals("command") ? MasterCf.commandText(commandLine(s, c))
                                    : fieldValue(s, field);
                            String name = s.key() + "/" + field;
                            if (o.has('H')) {
                                pc.out.println(name);
                            } else {
                                pc.out.println(Postconf.line(o.has('h') ? null : name, value, o.has('f')));
                            }
                        }
                    }
                }
                default -> {
                    Config view = o.has('x') ? serviceView(s, c) : c;
                    for (Map.Entry<String, String> e : new TreeMap<>(s.overrides()).entrySet()) {
                        if (selected(selectors, matched, s, e.getKey())) {
                            String name = s.key() + "/" + e.getKey();
                            String value = o.has('x') ? expand(view, e.getValue()) : e.getValue();
                            if (o.has('H')) {
                                pc.out.println(name);
                            } else {
                                pc.out.println(Postconf.line(o.has('h') ? null : name, value, o.has('f')));
                            }
                        }
                    }
                }
            }
        }
        for (int i = 0; i < matched.length; i++) {
            if (!matched[i]) {
                pc.warn("unmatched request: \"" + o.operands.get(i) + "\"");
            }
        }
        return 0;
    }

    /** selected - whether any selector matches this entry (and third part); records which did. */
    private static boolean selected(List<String[]> selectors, boolean[] matched, Service s, String third) {
        if (selectors.isEmpty()) {
            return true;
        }
        boolean any = false;
        for (int i = 0; i < selectors.size(); i++) {
            String[] p = selectors.get(i);
            if (matches(p, 0, s.name()) && matches(p, 1, s.type()) && (third == null || matches(p, 2, third))) {
                matched[i] = true;
                any = true;
            }
        }
        return any;
    }

    private static boolean matches(String[] parts, int i, String value) {
        return i >= parts.length || parts[i].equals("*") || parts[i].equals(value);
    }

    /** commandLine - the entry's command line, its -o values expanded with -x (in the service's view). */
    private List<String> commandLine(Service s, Config main) throws Postconf.Fatal, ConfigException {
        if (!o.has('x')) {
            return s.commandLine();
        }
        Config c = serviceView(s, main);
        List<String> out = new ArrayList<>(s.commandLine());
        for (int i = 1; i + 1 < out.size(); i++) {
            if (out.get(i).equals("-o")) {
                String nv = out.get(i + 1);
                int eq = nv.indexOf('=');
                if (eq > 0) {
                    out.set(i + 1, nv.substring(0, eq + 1) + expand(c, nv.substring(eq + 1)));
                }
                i++;
            }
        }
        return out;
    }

    /** serviceView - main.cf as this service sees it: $service_name and $process_name are its own. */
    private static Config serviceView(Service s, Config main) throws ConfigException {
        return main.withOverrides(Map.of("service_name", s.name(), "process_name", s.command()));
    }

    private String expand(Config c, String text) throws Postconf.Fatal {
        try {
            return c.expandText(text);
        } catch (ConfigException e) {
            pc.warn(e.getMessage());
            throw new Postconf.Fatal("macro processing error");
        }
    }

    private static String fieldValue(Service s, String field) {
        return switch (field) {
            case "service" -> s.name();
            case "type" -> s.type();
            case "private" -> s.privateCol();
            case "unprivileged" -> s.unprivCol();
            case "chroot" -> s.chrootCol();
            case "wakeup" -> s.wakeup();
            case "process_limit" -> s.maxproc();
            default -> MasterCf.commandText(s.commandLine());
        };
    }

    // ---------------------------------------------------------------- edits

    private int edit(MasterCf master) throws Postconf.Fatal, ConfigException {
        for (String op : o.operands) {
            if (op.indexOf('\n') >= 0) {
                throw new Postconf.Fatal("-e, -X, or -# accepts no multi-line input");
            }
        }
        return switch (mode) {
            case 'M' -> editEntries(master);
            case 'F' -> editFields(master);
            default -> editParameters(master);
        };
    }

    private int editEntries(MasterCf master) throws Postconf.Fatal, ConfigException {
        Map<Integer, MasterCfEditor.Action> actions = new LinkedHashMap<>();
        List<String> appended = new ArrayList<>();
        for (String op : o.operands) {
            String key = op;
            String value = null;
            if (o.has('e')) {
                String[] nv = MainCf.splitNameValue(op);
                if (nv[0] == null) {
                    throw new Postconf.Fatal(nv[1]);
                }
                key = nv[0];
                value = nv[1];
            }
            String[] parts = key.split("/", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty() || key.contains("*")) {
                throw new Postconf.Fatal("-Me, -MX or -M# requires service_name/type");
            }
            int index = indexOf(master, parts[0], parts[1]);
            MasterCfEditor.Action action;
            if (o.has('e')) {
                Service s = parseNewEntry(master.pathText(), value, op);
                String text = MasterCf.format(s, s.commandLine(), true);
                if (index < 0) {
                    appended.add(text);
                    continue;
                }
                action = new MasterCfEditor.Replace(text, false);
            } else if (index < 0) {
                continue;
            } else if (o.has('X')) {
                action = new MasterCfEditor.Remove();
            } else {
                action = new MasterCfEditor.CommentOut();
            }
            actions.put(index, action);
        }
        MasterCfEditor.edit(master, actions, appended);
        return 0;
    }

    /** parseNewEntry - the text of a -Me value as a master.cf entry. */
    private static Service parseNewEntry(String path, String text, String op) throws Postconf.Fatal {
        List<String> problems = new ArrayList<>();
        try {
            List<String> words = Config.words(text);
            if (words.size() < 8) {
                throw new Postconf.Fatal("bad field count: \"" + op + "\"");
            }
            Service s = MasterCf.parseEntry(path, 1, text, problems);
            if (!problems.isEmpty()) {
                throw new Postconf.Fatal(problems.get(0).replaceFirst("^.*?: line \\d+: ", ""));
            }
            return s;
        } catch (ConfigException e) {
            throw new Postconf.Fatal(e.getMessage().replaceFirst("^.*?: line \\d+: ", ""));
        }
    }

    private int editParameters(MasterCf master) throws Postconf.Fatal, ConfigException {
        Map<Integer, List<String>> changed = new LinkedHashMap<>();
        for (String op : o.operands) {
            String key = op;
            String value = null;
            if (o.has('e')) {
                String[] nv = MainCf.splitNameValue(op);
                if (nv[0] == null) {
                    throw new Postconf.Fatal(nv[1]);
                }
                key = nv[0];
                value = nv[1];
            }
            String[] parts = key.split("/", -1);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()
                    || key.contains("*")) {
                throw new Postconf.Fatal("-Pe or -PX requires service_name/type/parameter");
            }
            if (value != null && Config.words(value).size() > 1) {
                throw new Postconf.Fatal("-Pe does not accept whitespace in parameter value");
            }
            int index = indexOf(master, parts[0], parts[1]);
            if (index < 0) {
                pc.warn("unmatched service_name/type: \"" + op + "\"");
                continue;
            }
            List<String> line = changed.computeIfAbsent(index,
                    k -> normalized(master.entries().get(k).service().commandLine()));
            setParameter(line, parts[2], value);
        }
        return rewrite(master, changed);
    }

    private int editFields(MasterCf master) throws Postconf.Fatal, ConfigException {
        Map<Integer, String[]> fields = new LinkedHashMap<>();
        Map<Integer, List<String>> lines = new LinkedHashMap<>();
        for (String op : o.operands) {
            String[] nv = MainCf.splitNameValue(op);
            if (nv[0] == null) {
                throw new Postconf.Fatal(nv[1]);
            }
            String[] parts = nv[0].split("/", -1);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()
                    || nv[0].contains("*")) {
                throw new Postconf.Fatal("-Fe or -FX requires service_name/type/field_name");
            }
            String field = parts[2];
            if (!FIELDS.contains(field)) {
                throw new Postconf.Fatal("invalid service attribute name: \"" + field + "\"");
            }
            String value = nv[1];
            checkField(field, value);
            int index = indexOf(master, parts[0], parts[1]);
            if (index < 0) {
                pc.warn("unmatched service_name/type: \"" + op + "\"");
                continue;
            }
            Service s = master.entries().get(index).service();
            String[] f = fields.computeIfAbsent(index, k -> new String[] {s.name(), s.type(), s.privateCol(),
                    s.unprivCol(), s.chrootCol(), s.wakeup(), s.maxproc()});
            if (field.equals("command")) {
                lines.put(index, Config.words(value));
            } else {
                f[FIELDS.indexOf(field)] = value;
                lines.putIfAbsent(index, s.commandLine());
            }
        }
        Map<Integer, MasterCfEditor.Action> actions = new LinkedHashMap<>();
        for (Map.Entry<Integer, String[]> e : fields.entrySet()) {
            String[] f = e.getValue();
            Service old = master.entries().get(e.getKey()).service();
            Service s = new Service(f[0], f[1], f[2], f[3], f[4], f[5], f[6], old.command(), old.args(),
                    old.overrides(), old.lineNumber(), old.commandLine());
            List<String> cl = normalized(lines.get(e.getKey()));
            actions.put(e.getKey(), new MasterCfEditor.Replace(MasterCf.format(s, cl, true), true));
        }
        MasterCfEditor.edit(master, actions, List.of());
        return 0;
    }

    private static void checkField(String field, String value) throws Postconf.Fatal {
        if (field.equals("service")) {
            if (value.isEmpty() || Config.words(value).size() != 1) {
                throw new Postconf.Fatal("invalid service field \"" + value + "\" in \"" + value + "\"");
            }
            return;
        }
        if (field.equals("command")) {
            if (Config.words(value).isEmpty()) {
                throw new Postconf.Fatal("invalid command field \"" + value + "\" in \"" + value + "\"");
            }
            return;
        }
        String[] f = {"unix", "-", "-", "-", "-", "-"};
        int at = FIELDS.indexOf(field) - 1;
        f[at] = value;
        String problem = MasterCf.checkFields(f[0], f[1], f[2], f[3], f[4], f[5], value);
        if (problem != null) {
            throw new Postconf.Fatal(problem);
        }
    }

    private int rewrite(MasterCf master, Map<Integer, List<String>> changed) throws ConfigException {
        Map<Integer, MasterCfEditor.Action> actions = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<String>> e : changed.entrySet()) {
            Service s = master.entries().get(e.getKey()).service();
            actions.put(e.getKey(), new MasterCfEditor.Replace(MasterCf.format(s, e.getValue(), true), true));
        }
        MasterCfEditor.edit(master, actions, List.of());
        return 0;
    }

    /** normalized - a command line rebuilt as Postfix writes it: command, the -o pairs, the other arguments. */
    private static List<String> normalized(List<String> commandLine) {
        List<String> opts = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < commandLine.size(); i++) {
            String w = commandLine.get(i);
            if (w.equals("-o") && i + 1 < commandLine.size()) {
                opts.add(w);
                opts.add(commandLine.get(++i));
            } else {
                rest.add(w);
            }
        }
        List<String> out = new ArrayList<>();
        if (!commandLine.isEmpty()) {
            out.add(commandLine.get(0));
        }
        out.addAll(opts);
        out.addAll(rest);
        return out;
    }

    /** setParameter - set (value non-null) or remove one -o parameter in a normalized command line. */
    private static void setParameter(List<String> line, String name, String value) {
        int lastOption = 0;
        for (int i = 1; i + 1 < line.size(); i++) {
            if (!line.get(i).equals("-o")) {
                continue;
            }
            String nv = line.get(i + 1);
            int eq = nv.indexOf('=');
            String n = eq < 0 ? nv : nv.substring(0, eq);
            if (n.equals(name)) {
                if (value == null) {
                    line.remove(i);
                    line.remove(i);
                } else {
                    line.set(i + 1, name + "=" + value);
                }
                return;
            }
            lastOption = i + 1;
            i++;
        }
        if (value != null) {
            line.add(lastOption + 1, "-o");
            line.add(lastOption + 2, name + "=" + value);
        }
    }

    private static int indexOf(MasterCf master, String name, String type) {
        List<MasterCf.Entry> entries = master.entries();
        for (int i = 0; i < entries.size(); i++) {
            Service s = entries.get(i).service();
            if (s.name().equals(name) && s.type().equals(type)) {
                return i;
            }
        }
        return -1;
    }
}
