package tern.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Config - an immutable snapshot of the configuration: registry defaults, then main.cf, then (for a
 * service's view) that service's master.cf -o overrides. A reload builds a new snapshot; whoever
 * holds the old one keeps seeing the old values.
 *
 * Every value is validated when the snapshot is built (expansion loops, bad numbers, bad booleans),
 * so the typed getters below do not fail on a snapshot that exists. Expanded values are memoised.
 */
public final class Config {
    private final Path configDirectory;
    private final MainCf mainCf;
    private final Map<String, String> raw;
    private final Map<String, String> overrides;
    private final ParameterRegistry registry;
    private final Map<String, String> expanded = new ConcurrentHashMap<>();

    private Config(Path configDirectory, MainCf mainCf, Map<String, String> raw, Map<String, String> overrides,
                   ParameterRegistry registry) {
        this.configDirectory = configDirectory;
        this.mainCf = mainCf;
        this.raw = raw;
        this.overrides = overrides;
        this.registry = registry;
    }

    /** load - the snapshot for configDirectory/main.cf. */
    public static Config load(Path configDirectory) throws ConfigException {
        Path dir = configDirectory.toAbsolutePath().normalize();
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new ConfigException("open " + dir + "/main.cf: No such file or directory");
        }
        return of(dir, MainCf.load(dir.resolve("main.cf")));
    }

    /** of - the snapshot for an already parsed main.cf. */
    public static Config of(Path configDirectory, MainCf mainCf) throws ConfigException {
        return build(configDirectory, mainCf, Map.of());
    }

    static Config build(Path configDirectory, MainCf mainCf, Map<String, String> overrides)
            throws ConfigException {
        ParameterRegistry registry = ParameterRegistry.standard();
        Map<String, String> raw = new HashMap<>();
        for (Parameter p : registry.all()) {
            if (p.defaultValue() != null) {
                raw.put(p.name(), p.defaultValue());
            }
        }
        raw.putAll(MachineDefaults.compute(configDirectory));
        raw.putAll(mainCf.settings());
        raw.putAll(overrides);
        Config c = new Config(configDirectory, mainCf, Collections.unmodifiableMap(raw), Map.copyOf(overrides), registry);
        c.validate();
        return c;
    }

    /** withOverrides - this snapshot as a service sees it, with master.cf -o settings applied. */
    public Config withOverrides(Map<String, String> serviceOverrides) throws ConfigException {
        if (serviceOverrides.isEmpty()) {
            return this;
        }
        Map<String, String> all = new HashMap<>(overrides);
        all.putAll(serviceOverrides);
        return build(configDirectory, mainCf, all);
    }

    private void validate() throws ConfigException {
        Expander ex = new Expander(raw::get);
        for (String name : raw.keySet()) {
            String value;
            try {
                value = ex.expandParameter(name);
            } catch (ConfigException e) {
                throw new ConfigException(where(name) + e.getMessage());
            }
            expanded.put(name, value);
            Parameter p = registry.lookup(name);
            if (p != null) {
                check(p, value);
            }
        }
        // mynetworks depends on interfaces and style; computed after the rest is known.
        if (!raw.containsKey("mynetworks")) {
            expanded.put("mynetworks", Networks.defaultMynetworks(expanded.get("mynetworks_style")));
        }
    }

    private String where(String name) {
        if (overrides.containsKey(name)) {
            return "master.cf -o " + name + ": ";
        }
        for (MainCf.Line l : mainCf.lines()) {
            if (name.equals(l.name())) {
                return mainCf.path() + ", line " + l.firstLineNumber() + ": ";
            }
        }
        return "";
    }

    private void check(Parameter p, String value) throws ConfigException {
        switch (p.type()) {
            case BOOLEAN -> {
                if (!value.equalsIgnoreCase("yes") && !value.equalsIgnoreCase("no")) {
                    throw new ConfigException(where(p.name()) + "bad boolean configuration: " + p.name() + " = " + value);
                }
            }
            case INTEGER, SIZE -> {
                if (parseLong(value) == null) {
                    throw new ConfigException(where(p.name()) + "bad numerical configuration: " + p.name() + " = " + value);
                }
            }
            case TIME -> {
                if (parseSeconds(value, p.timeUnit()) < 0) {
                    throw new ConfigException(where(p.name()) + "invalid time value: " + p.name() + " = " + value);
                }
            }
            default -> {
            }
        }
    }

    private static Long parseLong(String v) {
        String s = v.strip();
        if (s.isEmpty() || s.length() > 19) {
            return null;
        }
        int i = s.charAt(0) == '-' ? 1 : 0;
        if (i == s.length()) {
            return null;
        }
        for (int k = i; k < s.length(); k++) {
            if (!Character.isDigit(s.charAt(k))) {
                return null;
            }
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** parseSeconds - a Postfix time value in seconds, or -1 when malformed. */
    public static long parseSeconds(String v, char defaultUnit) {
        String s = v.strip();
        if (s.isEmpty()) {
            return -1;
        }
        char unit = defaultUnit == 0 ? 's' : defaultUnit;
        char last = s.charAt(s.length() - 1);
        if (Character.isLetter(last)) {
            unit = Character.toLowerCase(last);
            s = s.substring(0, s.length() - 1);
        }
        Long n = parseLong(s);
        if (n == null || n < 0) {
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
        return mult < 0 ? -1 : n * mult;
    }

    public Path configDirectory() {
        return configDirectory;
    }

    public MainCf mainCf() {
        return mainCf;
    }

    /** raw - the unexpanded value (default, main.cf or override), or null when undefined. */
    public String raw(String name) {
        return raw.get(name);
    }

    /** get - the expanded value, "" when undefined. */
    public String get(String name) {
        String v = expanded.get(name);
        return v == null ? "" : v;
    }

    public boolean bool(String name) {
        return get(name).equalsIgnoreCase("yes");
    }

    public long integer(String name) {
        Long v = parseLong(get(name));
        return v == null ? 0 : v;
    }

    /** seconds - a TIME parameter in seconds. */
    public long seconds(String name) {
        Parameter p = registry.lookup(name);
        return parseSeconds(get(name), p == null ? 's' : p.timeUnit());
    }

    /** list - the value split on commas and white space. */
    public List<String> list(String name) {
        return splitList(get(name));
    }

    public static List<String> splitList(String value) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = value.length();
        while (i < n) {
            char c = value.charAt(i);
            if (c == ',' || Character.isWhitespace(c)) {
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
                } else if (brace <= 0 && (d == ',' || Character.isWhitespace(d))) {
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
        l.replaceAll(s -> s.toLowerCase(Locale.ROOT));
        return l;
    }

    /** names - every defined parameter name (defaults, main.cf, overrides). */
    public Iterable<String> names() {
        return raw.keySet();
    }
}
