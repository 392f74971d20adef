package tern.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ParameterRegistry - every main.cf parameter Tern knows, with its type and Postfix 3.7 default.
 *
 * The registry is data, in src/main/resources/tern/config/parameters/:
 * <ul>
 * <li>postfix-3.7.txt - every built-in Postfix 3.7 parameter and its default, "name = default" as
 *     "postconf -d" prints it. Known names draw no "unused parameter" warning.</li>
 * <li>implemented.types - what Tern implements, one line per parameter, in sections by area:
 *     "name type" or "name type = default" (the latter for a default that differs or a Tern-only
 *     name). Types: string, bool, int, size, list, time:U (U is the unit of a bare number:
 *     s m h d w). Adding a parameter is one line in its area's section.</li>
 * <li>service-defined.txt - the names that exist per master.cf service, e.g.
 *     mailman_destination_recipient_limit for a pipe service called mailman
 *     ({@link #serviceDefined}).</li>
 * <li>raw.txt - the parameters Postfix never $name-expands ({@link #isRaw}).</li>
 * </ul>
 * Names that built-in defaults refer to without being built in (virtual_maps, fallback_relay)
 * are known too, with an empty default ({@link #defaultReferences}), as in Postfix.
 * A default of "@machine" is computed from the machine by {@link MachineDefaults}. Defaults are kept
 * unexpanded, exactly as "postconf -d" prints them. The files are read once per process, at the
 * start of every command: few files (each costs a read from the jar) and no work per line beyond
 * what a valid line needs (postconf -h myhostname is timed against Postfix's).
 *
 * Failure: a malformed registry file is a bug in Tern, reported as IllegalStateException naming
 * the file and line; the unit tests load every file.
 */
public final class ParameterRegistry {
    private static final String FACTS = "postfix-3.7.txt";
    private static final String TYPES = "implemented.types";
    private static final String SERVICE_DEFINED = "service-defined.txt";
    private static final String RAW = "raw.txt";
    private static final String DIR = "/tern/config/parameters/";
    static final String MACHINE = "@machine";

    /** One service-defined suffix: which commands have it, its type and default. */
    record ServiceTemplate(String suffix, ParameterType type, char timeUnit, Set<String> commands, String defaultValue) {
    }

    private static final class Standard {
        static final ParameterRegistry INSTANCE = new ParameterRegistry();
    }

    private final Map<String, Parameter> byName;
    private final Set<String> postfixNames;
    private final List<ServiceTemplate> templates;
    private final List<String> problems;
    private final Set<String> raw;
    /** The names built-in defaults refer to; computed on first use (most runs never need them). */
    private volatile Legacy legacy;

    /** The names that built-in defaults refer to, and the parameters for those that have no entry. */
    private record Legacy(Set<String> references, Map<String, Parameter> parameters) {
    }

    private ParameterRegistry() {
        Map<String, byte[]> files = Resources.readAll(ParameterRegistry.class, DIR,
                List.of(FACTS, TYPES, SERVICE_DEFINED, RAW));
        Map<String, Parameter> m = new HashMap<>(2048);
        List<String> problems = new ArrayList<>();
        readKnown(m, lines(files, FACTS));
        this.postfixNames = Set.copyOf(m.keySet());
        readTypes(m, lines(files, TYPES), problems);
        this.byName = Collections.unmodifiableMap(m);
        this.templates = readTemplates(lines(files, SERVICE_DEFINED));
        this.problems = List.copyOf(problems);
        Set<String> r = new java.util.HashSet<>();
        for (String line : lines(files, RAW)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                r.add(line.strip());
            }
        }
        this.raw = Set.copyOf(r);
    }

    /** legacy - the names that built-in defaults refer to without being built in (see defaultReferences). */
    private Legacy legacy() {
        Legacy l = legacy;
        if (l != null) {
            return l;
        }
        List<String> found = new ArrayList<>();
        for (Parameter p : byName.values()) {
            String d = p.defaultValue();
            if (d != null && d.indexOf('$') >= 0 && !raw.contains(p.name())) {
                Expander.scan(d, found);
            }
        }
        Set<String> refs = new java.util.TreeSet<>();
        Map<String, Parameter> params = new HashMap<>();
        for (String name : found) {
            if (!postfixNames.contains(name)) {
                refs.add(name);
                if (!byName.containsKey(name)) {
                    params.put(name, new Parameter(name, ParameterType.STRING, "", (char) 0, false));
                }
            }
        }
        l = new Legacy(Collections.unmodifiableSet(refs), Collections.unmodifiableMap(params));
        legacy = l;
        return l;
    }

    /** standard - the registry of this Tern version. */
    public static ParameterRegistry standard() {
        return Standard.INSTANCE;
    }

    /** lookup - the built-in parameter with this name, or null. */
    public Parameter lookup(String name) {
        Parameter p = byName.get(name);
        return p != null ? p : legacy().parameters().get(name);
    }

    /**
     * defaultOf - the default of a built-in or typed parameter, or null (also for the names
     * computed from the machine, and for legacy names, whose default is empty anyway).
     */
    public String defaultOf(String name) {
        Parameter p = byName.get(name);
        return p == null ? null : p.defaultValue();
    }

    /** all - every built-in and typed parameter, in no particular order. */
    public Iterable<Parameter> all() {
        return byName.values();
    }

    /** names - the built-in and typed names, sorted (the order postconf prints). */
    public Set<String> names() {
        return new java.util.TreeSet<>(byName.keySet());
    }

    public boolean isKnown(String name) {
        return byName.containsKey(name) || legacy().parameters().containsKey(name);
    }

    /**
     * isPostfixBuiltin - whether Postfix 3.7 has this built-in name (postconf lists it). A name
     * that only implemented.types adds is a Tern extension or a legacy name (virtual_maps), which
     * postconf lists only when main.cf sets it.
     */
    public boolean isPostfixBuiltin(String name) {
        return postfixNames.contains(name);
    }

    /**
     * defaultReferences - names that built-in defaults refer to without being built in themselves
     * (virtual_maps, fallback_relay, ...). As in Postfix they are known, with an empty default,
     * but listed by postconf only when main.cf sets them.
     */
    public Set<String> defaultReferences() {
        return legacy().references();
    }

    /**
     * isRaw - whether Postfix takes this parameter's value as written, without $name expansion
     * (mailbox_command, default_rbl_reply, ...: see raw.txt).
     */
    public boolean isRaw(String name) {
        return raw.contains(name);
    }

    /** problems - inconsistencies between area files (a name typed twice, differently); empty when sound. */
    public List<String> problems() {
        return problems;
    }

    /**
     * serviceDefined - the parameters that master.cf services define, by name, in service order:
     * for a service whose command has them, SERVICE_SUFFIX (unless a built-in has that name).
     */
    public Map<String, Parameter> serviceDefined(List<Service> services) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Service s : services) {
            String command = s.command();
            for (ServiceTemplate t : templates) {
                if (!t.commands().contains(command)) {
                    continue;
                }
                String name = s.name() + "_" + t.suffix();
                if (!byName.containsKey(name) && !out.containsKey(name)) {
                    out.put(name, new Parameter(name, t.type(), t.defaultValue(), t.timeUnit(), true));
                }
            }
        }
        return out;
    }

    private static void readKnown(Map<String, Parameter> m, List<String> lines) {
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf(" =");
            if (eq <= 0) {
                throw new IllegalStateException(where(FACTS, lineNo) + "bad line: " + line);
            }
            String name = line.substring(0, eq);
            String def = line.length() > eq + 3 ? line.substring(eq + 3) : "";
            m.put(name, new Parameter(name, ParameterType.STRING, machine(def), (char) 0, false));
        }
    }

    private static void readTypes(Map<String, Parameter> m, List<String> lines, List<String> problems) {
        Map<String, Integer> typedOn = new HashMap<>();
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String head = line;
            String def = null;
            int eq = line.indexOf('=');
            if (eq > 0) {
                head = line.substring(0, eq).strip();
                def = machine(line.substring(eq + 1).strip());
            }
            List<String> w = TextFile.words(head);
            if (w.size() != 2) {
                throw new IllegalStateException(where(TYPES, lineNo) + "bad line: " + line);
            }
            String name = w.get(0);
            Parameter known = m.get(name);
            if (def == null) {
                if (known == null) {
                    throw new IllegalStateException(where(TYPES, lineNo) + name
                            + " is not a Postfix parameter: give it a default");
                }
                def = known.defaultValue();
            }
            String t = w.get(1);
            ParameterType type = type(t, TYPES, lineNo);
            char unit = type == ParameterType.TIME ? t.charAt(5) : 0;
            Integer earlier = typedOn.put(name, lineNo);
            if (earlier != null) {
                problems.add(where(TYPES, lineNo) + name + " is typed twice (also on line " + earlier + ")");
            }
            m.put(name, new Parameter(name, type, def, unit, true));
        }
    }

    /** where - the start of a message about a registry file's line (built only for a message). */
    private static String where(String file, int lineNo) {
        return "parameters/" + file + ", line " + lineNo + ": ";
    }

    private static List<ServiceTemplate> readTemplates(List<String> lines) {
        List<ServiceTemplate> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf(" = ");
            List<String> w = eq < 0 ? List.of() : TextFile.words(line.substring(0, eq));
            if (w.size() != 3) {
                throw new IllegalStateException(where(SERVICE_DEFINED, lineNo) + "bad line: " + line);
            }
            ParameterType type = type(w.get(1), SERVICE_DEFINED, lineNo);
            char unit = type == ParameterType.TIME ? w.get(1).charAt(5) : 0;
            out.add(new ServiceTemplate(w.get(0), type, unit, Set.of(w.get(2).split(",")),
                    line.substring(eq + 3).strip()));
        }
        return List.copyOf(out);
    }

    private static ParameterType type(String t, String file, int lineNo) {
        if (t.startsWith("time:") && t.length() == 6 && "smhdw".indexOf(t.charAt(5)) >= 0) {
            return ParameterType.TIME;
        }
        return switch (t) {
            case "string" -> ParameterType.STRING;
            case "bool" -> ParameterType.BOOLEAN;
            case "int" -> ParameterType.INTEGER;
            case "size" -> ParameterType.SIZE;
            case "list" -> ParameterType.LIST;
            default -> throw new IllegalStateException(where(file, lineNo) + "bad type: " + t);
        };
    }

    private static String machine(String def) {
        return MACHINE.equals(def) ? null : def;
    }

    /** lines - the lines of one registry file (none when the area has no file yet). */
    private static List<String> lines(Map<String, byte[]> files, String name) {
        byte[] bytes = files.get(name);
        return bytes == null ? List.of() : TextFile.lines(new String(bytes, StandardCharsets.UTF_8));
    }
}
