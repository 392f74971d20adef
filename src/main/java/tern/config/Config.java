package tern.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Config - an immutable snapshot of the configuration: registry defaults (built-in and, when
 * master.cf is known, service-defined), the values Postfix derives from the machine, then main.cf,
 * then (for a service's view) that service's master.cf -o overrides. A reload builds a new
 * snapshot; whoever holds the old one keeps seeing the old values.
 *
 * Machine-derived values follow Postfix: myhostname is the host name, qualified with mydomain
 * (main.cf's, else "localdomain") when it has no dot; mydomain is myhostname less its first
 * label; mynetworks is computed from mynetworks_style, inet_interfaces and inet_protocols
 * ({@link Networks}) when main.cf does not set it, on first use.
 *
 * A checked snapshot ({@link #load}, {@link #of}, {@link #withOverrides}, {@link #forService})
 * validates every value when it is built (expansion errors and loops, bad numbers, booleans and
 * times, in Postfix's words, prefixed with the file and line that set the value), so the typed
 * getters below do not fail. An unchecked snapshot ({@link #unchecked}, {@link #defaults}) is
 * postconf's: nothing is validated, {@link #expand} reports errors, the getters return "" for a
 * value that cannot be expanded. Expanded values are memoised.
 */
public final class Config {
    /** What process_name is in a snapshot made by load()/of() (the daemon's). */
    static final String DEFAULT_PROCESS_NAME = "master";
    /** Names that describe the running process: main.cf cannot set them (Postfix warns and ignores it). */
    public static final Set<String> READ_ONLY = Set.of("process_id", "process_name", "service_name");

    private final String configDirectory;
    private final MainCf mainCf;
    private final List<Service> services;
    private final Map<String, String> raw;
    private final Map<String, String> overrides;
    private final Map<String, Parameter> serviceParameters;
    private final ParameterRegistry registry;
    private final boolean checked;
    private final boolean directoryGiven;
    private final Map<String, String> expanded = new ConcurrentHashMap<>();
    private final Map<String, String> computed = new ConcurrentHashMap<>();

    private Config(String configDirectory, MainCf mainCf, List<Service> services, Map<String, String> raw,
                   Map<String, String> overrides, Map<String, Parameter> serviceParameters,
                   ParameterRegistry registry, boolean checked, boolean directoryGiven) {
        this.configDirectory = configDirectory;
        this.mainCf = mainCf;
        this.services = services;
        this.raw = raw;
        this.overrides = overrides;
        this.serviceParameters = serviceParameters;
        this.registry = registry;
        this.checked = checked;
        this.directoryGiven = directoryGiven;
    }

    /**
     * load - the checked snapshot for configDirectory/main.cf (a missing main.cf is an empty one);
     * master.cf, when it exists and parses, adds its service-defined parameters.
     */
    public static Config load(Path configDirectory) throws ConfigException {
        Path dir = configDirectory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new ConfigException("open " + dir.resolve("main.cf") + ": No such file or directory");
        }
        MainCf main = MainCf.load(dir.resolve("main.cf").toString());
        List<Service> services = List.of();
        Path master = dir.resolve("master.cf");
        if (Files.isRegularFile(master)) {
            try {
                services = MasterCf.read(master).services();
            } catch (ConfigException e) {
                // master.cf's own errors are reported by whoever loads it (the daemon); here it only names services
            }
        }
        return build(dir.toString(), dir.toString(), false, main, services, Map.of(), DEFAULT_PROCESS_NAME, true);
    }

    /** of - the checked snapshot for an already parsed main.cf, without service-defined parameters. */
    public static Config of(Path configDirectory, MainCf mainCf) throws ConfigException {
        return build(configDirectory.toString(), configDirectory.toString(), false, mainCf, List.of(), Map.of(),
                DEFAULT_PROCESS_NAME, true);
    }

    /** of - the checked snapshot for an already parsed main.cf and master.cf. */
    public static Config of(Path configDirectory, MainCf mainCf, MasterCf masterCf) throws ConfigException {
        return build(configDirectory.toString(), configDirectory.toString(), false, mainCf, masterCf.services(),
                Map.of(), DEFAULT_PROCESS_NAME, true);
    }

    /**
     * unchecked - postconf's snapshot: main.cf plus command-line overrides (postconf -o), with
     * config_directory shown as given (dirText; dirGiven when -c or MAIL_CONFIG chose it, which makes
     * it count as set, though main.cf may still override it). Nothing is validated; use {@link #expand}.
     */
    public static Config unchecked(String dirText, boolean dirGiven, MainCf mainCf, List<Service> services,
                                   Map<String, String> commandOverrides, String processName) throws ConfigException {
        return build(dirText, dirText, dirGiven, mainCf, services, commandOverrides, processName, false);
    }

    /** defaults - postconf -d's snapshot: built-in and service-defined defaults and the machine's values only. */
    public static Config defaults(String configDirectory, List<Service> services, String processName) {
        ParameterRegistry registry = ParameterRegistry.standard();
        Map<String, String> raw = baseDefaults(registry, services, processName);
        String host = MachineDefaults.myhostname(null);
        raw.put("myhostname", host);
        raw.put("mydomain", MachineDefaults.mydomain(host));
        MainCf empty;
        try {
            empty = MainCf.parse(configDirectory + "/main.cf", "");
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
        return new Config(configDirectory, empty, services, Collections.unmodifiableMap(raw), Map.of(),
                registry.serviceDefined(services), registry, false, false);
    }

    /**
     * baseDefaults - the values that are not plain registry defaults. Registry and service-defined
     * defaults are not copied into each snapshot: {@link #rawValue} falls back to them.
     */
    private static Map<String, String> baseDefaults(ParameterRegistry registry, List<Service> services,
                                                    String processName) {
        Map<String, String> raw = new HashMap<>();
        raw.put("process_id", Long.toString(MachineDefaults.pid()));
        raw.put("process_name", processName);
        raw.put("mail_version", MachineDefaults.VERSION);
        return raw;
    }

    private static Config build(String configDirectory, String dirText, boolean dirGiven, MainCf mainCf,
                                List<Service> services, Map<String, String> overrides, String processName,
                                boolean checked) throws ConfigException {
        ParameterRegistry registry = ParameterRegistry.standard();
        Map<String, String> raw = baseDefaults(registry, services, processName);
        raw.put("config_directory", dirText);
        for (Map.Entry<String, String> e : mainCf.settings().entrySet()) {
            if (!READ_ONLY.contains(e.getKey())) {
                raw.put(e.getKey(), e.getValue());
            }
        }
        raw.putAll(overrides);
        deriveNames(raw, mainCf, overrides, checked);
        Config c = new Config(configDirectory, mainCf, services, Collections.unmodifiableMap(raw),
                Map.copyOf(overrides), registry.serviceDefined(services), registry, checked, dirGiven);
        if (checked) {
            c.validate();
        }
        return c;
    }

    /** deriveNames - myhostname and mydomain as Postfix derives them when main.cf leaves them out. */
    private static void deriveNames(Map<String, String> raw, MainCf mainCf, Map<String, String> overrides,
                                    boolean checked) throws ConfigException {
        boolean hostSet = raw.containsKey("myhostname");
        boolean domainSet = raw.containsKey("mydomain");
        Expander ex = new Expander(new MapLookup(raw, ParameterRegistry.standard()));
        if (!hostSet) {
            String domain = domainSet ? expandOrWhere(ex, "mydomain", mainCf, overrides, checked) : null;
            raw.put("myhostname", MachineDefaults.myhostname(domain));
        }
        if (!domainSet) {
            raw.put("mydomain", MachineDefaults.mydomain(expandOrWhere(ex, "myhostname", mainCf, overrides, checked)));
        }
    }

    private static String expandOrWhere(Expander ex, String name, MainCf mainCf, Map<String, String> overrides,
                                        boolean checked) throws ConfigException {
        try {
            return ex.expandParameter(name);
        } catch (ConfigException e) {
            if (!checked) {
                return "";
            }
            throw new ConfigException(where(name, mainCf, overrides) + "parameter " + name + ": " + e.getMessage());
        }
    }

    /** withOverrides - this snapshot as a service sees it, with master.cf -o settings applied. */
    public Config withOverrides(Map<String, String> serviceOverrides) throws ConfigException {
        if (serviceOverrides.isEmpty()) {
            return this;
        }
        Map<String, String> all = new LinkedHashMap<>(overrides);
        all.putAll(serviceOverrides);
        return build(configDirectory, raw.get("config_directory"), directoryGiven, mainCf, services, all,
                raw.get("process_name"), checked);
    }

    /**
     * forService - the view of one master.cf service: its -o overrides, service_name set to the
     * service's name and process_name to its command (so "-o syslog_name=postfix/$service_name" works).
     */
    public Config forService(Service s) throws ConfigException {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("service_name", s.name());
        o.put("process_name", s.command());
        o.putAll(s.overrides());
        return withOverrides(o);
    }

    private void validate() throws ConfigException {
        if (!raw.containsKey("mynetworks")) {
            // The syntax first, so that an error names its line; the interface list is read on first use.
            checkNetworkSyntax("mynetworks_style");
            checkNetworkSyntax("inet_protocols");
        }
        Set<String> order = new LinkedHashSet<>();
        for (MainCf.Entry e : mainCf.entries()) {
            order.add(e.name());
        }
        order.addAll(overrides.keySet());
        List<String> rest = new ArrayList<>(allNames());
        Collections.sort(rest);
        order.addAll(rest);
        Expander ex = expander();
        for (String name : order) {
            String value;
            try {
                value = registry.isRaw(name) ? rawValue(name) : ex.expandParameter(name);
            } catch (ConfigException e) {
                throw new ConfigException(where(name) + "parameter " + name + ": " + e.getMessage());
            } catch (LookupFailure f) {
                // computing the default mynetworks failed: inet_interfaces names no local address
                throw new ConfigException(where("inet_interfaces") + f.cause.getMessage());
            }
            expanded.put(name, value);
            Parameter p = parameter(name);
            if (p != null) {
                String problem = check(p, value);
                if (problem != null) {
                    throw new ConfigException(where(name) + problem);
                }
            }
        }
    }

    private void checkNetworkSyntax(String name) throws ConfigException {
        String value;
        try {
            value = expander().expandParameter(name);
        } catch (ConfigException e) {
            throw new ConfigException(where(name) + "parameter " + name + ": " + e.getMessage());
        }
        try {
            if (name.equals("mynetworks_style")) {
                Networks.checkStyle(value);
            } else {
                Networks.protocols(value);
            }
        } catch (ConfigException e) {
            throw new ConfigException(where(name) + e.getMessage());
        }
    }

    private String where(String name) {
        return where(name, mainCf, overrides);
    }

    private static String where(String name, MainCf mainCf, Map<String, String> overrides) {
        if (overrides.containsKey(name)) {
            return "";
        }
        int line = mainCf.lineOf(name);
        return line > 0 ? mainCf.pathText() + ", line " + line + ": " : "";
    }

    /** check - Postfix's complaint about a value of the wrong type, or null when it is fine. */
    static String check(Parameter p, String value) {
        return switch (p.type()) {
            case BOOLEAN -> value.equalsIgnoreCase("yes") || value.equalsIgnoreCase("no")
                    ? null : "bad boolean configuration: " + p.name() + " = " + value;
            case INTEGER -> parseLong(value, Integer.MIN_VALUE, Integer.MAX_VALUE) == null
                    ? "bad numerical configuration: " + p.name() + " = " + value : null;
            case SIZE -> parseLong(value, Long.MIN_VALUE, Long.MAX_VALUE) == null
                    ? "bad numerical configuration: " + p.name() + " = " + value : null;
            case TIME -> parseSeconds(value, p.timeUnit()) < 0
                    ? "parameter " + p.name() + ": bad time value or unit: " + value : null;
            default -> null;
        };
    }

    /** parseLong - a decimal integer with an optional sign within [min, max], or null. */
    private static Long parseLong(String v, long min, long max) {
        String s = TextFile.trim(v);
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        int i = s.startsWith("-") ? 1 : 0;
        if (i == s.length() || s.length() > 20) {
            return null;
        }
        for (int k = i; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        try {
            long n = Long.parseLong(s);
            return n < min || n > max ? null : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * parseSeconds - a Postfix time value in seconds: digits and an optional unit s, m, h, d or w
     * (a bare number is in defaultUnit), at most 2^31-1 seconds; -1 when malformed.
     */
    public static long parseSeconds(String v, char defaultUnit) {
        String s = TextFile.trim(v);
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            return -1;
        }
        char unit = defaultUnit == 0 ? 's' : defaultUnit;
        char last = s.charAt(s.length() - 1);
        if (last < '0' || last > '9') {
            unit = last;
            s = s.substring(0, s.length() - 1);
        }
        Long n = parseLong(s, 0, Integer.MAX_VALUE);
        if (n == null || s.startsWith("-")) {
            return -1;
        }
        long mult = switch (unit) {
            case 's' -> 1;
            case 'm' -> 60;
            case 'h' -> 3600;
            case 'd' -> 86400;
            case 'w' -> 604800;
            default -> -1;
        };
        if (mult < 0 || n > Integer.MAX_VALUE / mult) {
            return -1;
        }
        return n * mult;
    }

    public Path configDirectory() {
        return Path.of(configDirectory);
    }

    public MainCf mainCf() {
        return mainCf;
    }

    /** services - the master.cf services this snapshot knows (for service-defined parameters); may be empty. */
    public List<Service> services() {
        return services;
    }

    public ParameterRegistry registry() {
        return registry;
    }

    /** parameter - the registry entry (built-in or service-defined) for name, or null for a user-defined one. */
    public Parameter parameter(String name) {
        Parameter p = registry.lookup(name);
        return p != null ? p : serviceParameters.get(name);
    }

    /** serviceParameters - the service-defined parameters of this snapshot's master.cf, in service order. */
    public Map<String, Parameter> serviceParameters() {
        return serviceParameters;
    }

    /** isSet - whether main.cf (or an override) sets name. */
    public boolean isSet(String name) {
        return (mainCf.settings().containsKey(name) && !READ_ONLY.contains(name)) || overrides.containsKey(name)
                || (directoryGiven && name.equals("config_directory"));
    }

    /** raw - the unexpanded value (default, main.cf or override), or null when undefined. */
    public String raw(String name) {
        String v = rawValue(name);
        if (v == null && name.equals("mynetworks")) {
            try {
                return computedMynetworks();
            } catch (ConfigException e) {
                return "";
            }
        }
        return v;
    }

    /** rawOrThrow - raw(), but a failure to compute mynetworks is reported. */
    String rawOrThrow(String name) throws ConfigException {
        String v = rawValue(name);
        if (v == null && name.equals("mynetworks")) {
            return computedMynetworks();
        }
        return v;
    }

    private String computedMynetworks() throws ConfigException {
        String v = computed.get("mynetworks");
        if (v == null) {
            v = Networks.defaultMynetworks(expand("mynetworks_style"), expand("inet_interfaces"),
                    expand("inet_protocols"));
            computed.put("mynetworks", v);
        }
        return v;
    }

    /**
     * expander - expansion over this snapshot's raw values. A failure to compute the default
     * mynetworks surfaces from expand() as a ConfigException.
     */
    public Expander expander() {
        return new Expander(new RawLookup(this));
    }

    /** RawLookup - name to raw value for the Expander (a class, not a lambda: CLI start-up cost). */
    private static final class RawLookup implements java.util.function.Function<String, String> {
        private final Config config;

        RawLookup(Config config) {
            this.config = config;
        }

        @Override
        public String apply(String name) {
            try {
                return config.rawOrThrow(name);
            } catch (ConfigException e) {
                throw new LookupFailure(e);
            }
        }
    }

    /** expand - the expanded value of name ("" when undefined); errors in Postfix's words. */
    public String expand(String name) throws ConfigException {
        String v = expanded.get(name);
        if (v != null) {
            return v;
        }
        try {
            if (raw.get(name) == null && name.equals("mynetworks")) {
                v = computedMynetworks();
            } else if (registry.isRaw(name)) {
                v = rawValue(name);
            } else {
                v = expander().expandParameter(name);
            }
        } catch (LookupFailure f) {
            throw f.cause;
        }
        expanded.put(name, v);
        return v;
    }

    /** expandText - text expanded against this snapshot. */
    public String expandText(String text) throws ConfigException {
        try {
            return expander().expand(text);
        } catch (LookupFailure f) {
            throw f.cause;
        }
    }

    /** get - the expanded value, "" when undefined (or, in an unchecked snapshot, when it cannot be expanded). */
    public String get(String name) {
        String v = expanded.get(name);
        if (v != null) {
            return v;
        }
        try {
            return expand(name);
        } catch (ConfigException e) {
            return "";
        }
    }

    public boolean bool(String name) {
        return get(name).equalsIgnoreCase("yes");
    }

    public long integer(String name) {
        Long v = parseLong(get(name), Long.MIN_VALUE, Long.MAX_VALUE);
        return v == null ? 0 : v;
    }

    /** seconds - a TIME parameter in seconds (a bare number in the parameter's default unit). */
    public long seconds(String name) {
        Parameter p = parameter(name);
        return parseSeconds(get(name), p == null ? 's' : p.timeUnit());
    }

    /** list - the value split on commas and white space ("{ ... }" kept together). */
    public List<String> list(String name) {
        return splitList(get(name));
    }

    /** words - text split at white space only, as Postfix's parsers see white space. */
    public static List<String> words(String value) {
        return TextFile.words(value);
    }

    public static List<String> splitList(String value) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = value.length();
        while (i < n) {
            char c = value.charAt(i);
            if (c == ',' || TextFile.isSpace(c)) {
                i++;
                continue;
            }
            int j = i;
            int brace = 0;
            while (j < n) {
                char d = value.charAt(j);
                if (d == '{') {
                    brace++;
                } else if (d == '}') {
                    brace--;
                } else if (brace <= 0 && (d == ',' || TextFile.isSpace(d))) {
                    break;
                }
                j++;
            }
            out.add(value.substring(i, j));
            i = j;
        }
        return out;
    }

    /** lowerList - list() folded to lower case (domain lists). */
    public List<String> lowerList(String name) {
        List<String> l = list(name);
        for (int i = 0; i < l.size(); i++) {
            l.set(i, l.get(i).toLowerCase(Locale.ROOT));
        }
        return l;
    }

    /** names - every defined parameter name (defaults, service-defined, main.cf, overrides). */
    public Iterable<String> names() {
        return allNames();
    }

    private Set<String> allNames() {
        Set<String> all = new java.util.HashSet<>(registry.names());
        all.addAll(serviceParameters.keySet());
        all.addAll(raw.keySet());
        all.remove("mynetworks");
        if (raw.containsKey("mynetworks")) {
            all.add("mynetworks");
        }
        return all;
    }

    /** rawValue - the unexpanded value: this snapshot's own, else the service-defined or registry default. */
    private String rawValue(String name) {
        String v = raw.get(name);
        if (v != null) {
            return v;
        }
        Parameter p = serviceParameters.get(name);
        if (p != null) {
            return p.defaultValue();
        }
        return registry.defaultOf(name);
    }

    /** MapLookup - name to raw value from a map, then the registry's default. */
    private static final class MapLookup implements java.util.function.Function<String, String> {
        private final Map<String, String> map;
        private final ParameterRegistry registry;

        MapLookup(Map<String, String> map, ParameterRegistry registry) {
            this.map = map;
            this.registry = registry;
        }

        @Override
        public String apply(String name) {
            String v = map.get(name);
            return v != null ? v : registry.defaultOf(name);
        }
    }

    /** A lookup failure carried through Expander's Function-based lookup. */
    private static final class LookupFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient ConfigException cause;

        LookupFailure(ConfigException cause) {
            super(cause.getMessage(), null, false, false);
            this.cause = cause;
        }
    }
}
