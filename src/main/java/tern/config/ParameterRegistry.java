package tern.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ParameterRegistry - every main.cf parameter Tern knows, with its type and Postfix 3.7 default.
 *
 * The registry is data, in src/main/resources/tern/config/parameters/:
 * <ul>
 * <li>postfix-3.7.txt - every Postfix 3.7 parameter and its default, "name = default" as
 *     "postconf -d" prints it. Known names draw no "unused parameter" warning.</li>
 * <li>AREA.types - what Tern implements, one line per parameter: "name type" or
 *     "name type = default" (the latter for a default that differs or a Tern-only name).
 *     Types: string, bool, int, size, list, time:U (U is the unit of a bare number: s m h d w).
 *     Adding a parameter is one line in the area's file.</li>
 * </ul>
 * A default of "@machine" is computed from the machine by {@link MachineDefaults}. Defaults are kept
 * unexpanded, exactly as "postconf -d" prints them.
 */
public final class ParameterRegistry {
    /** The areas, one .types file each; a new area is a new file and a name here. */
    private static final List<String> AREAS = List.of(
            "global", "master", "log", "smtpd", "cleanup", "queue", "qmgr", "rewrite", "tables",
            "local", "virtual", "smtp", "pipe", "bounce", "tls", "sasl", "dns", "tools");
    private static final String DIR = "/tern/config/parameters/";
    static final String MACHINE = "@machine";

    private static final ParameterRegistry STANDARD = new ParameterRegistry();

    private final Map<String, Parameter> byName;

    private ParameterRegistry() {
        Map<String, Parameter> m = new TreeMap<>();
        readKnown(m);
        for (String area : AREAS) {
            readTypes(m, area);
        }
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /** standard - the registry of this Tern version. */
    public static ParameterRegistry standard() {
        return STANDARD;
    }

    /** lookup - the parameter with this name, or null. */
    public Parameter lookup(String name) {
        return byName.get(name);
    }

    /** all - every parameter, in name order (the order postconf prints). */
    public Iterable<Parameter> all() {
        return byName.values();
    }

    public boolean isKnown(String name) {
        return byName.containsKey(name);
    }

    private static void readKnown(Map<String, Parameter> m) {
        for (String line : lines("postfix-3.7.txt")) {
            int eq = line.indexOf(" = ");
            String name;
            String def;
            if (eq < 0 && line.endsWith(" =")) {
                name = line.substring(0, line.length() - 2);
                def = "";
            } else if (eq > 0) {
                name = line.substring(0, eq);
                def = line.substring(eq + 3);
            } else {
                throw new IllegalStateException("parameters/postfix-3.7.txt: bad line: " + line);
            }
            m.put(name, new Parameter(name, ParameterType.STRING, machine(def), (char) 0, false));
        }
    }

    private static void readTypes(Map<String, Parameter> m, String area) {
        String file = area + ".types";
        for (String line : lines(file)) {
            String head = line;
            String def = null;
            int eq = line.indexOf('=');
            if (eq > 0) {
                head = line.substring(0, eq).strip();
                def = machine(line.substring(eq + 1).strip());
            }
            String[] w = head.split("\\s+");
            if (w.length != 2) {
                throw new IllegalStateException("parameters/" + file + ": bad line: " + line);
            }
            String name = w[0];
            Parameter known = m.get(name);
            if (def == null) {
                if (known == null) {
                    throw new IllegalStateException("parameters/" + file + ": " + name + " is not a Postfix parameter: give it a default");
                }
                def = known.defaultValue();
            }
            String t = w[1];
            char unit = 0;
            ParameterType type;
            if (t.startsWith("time:") && t.length() == 6) {
                type = ParameterType.TIME;
                unit = t.charAt(5);
            } else {
                type = switch (t) {
                    case "string" -> ParameterType.STRING;
                    case "bool" -> ParameterType.BOOLEAN;
                    case "int" -> ParameterType.INTEGER;
                    case "size" -> ParameterType.SIZE;
                    case "list" -> ParameterType.LIST;
                    default -> throw new IllegalStateException("parameters/" + file + ": bad type: " + line);
                };
            }
            m.put(name, new Parameter(name, type, def, unit, true));
        }
    }

    private static String machine(String def) {
        return MACHINE.equals(def) ? null : def;
    }

    /** lines - the non-comment, non-blank lines of one registry file ("" when the area has none yet). */
    private static List<String> lines(String file) {
        try (InputStream in = ParameterRegistry.class.getResourceAsStream(DIR + file)) {
            if (in == null) {
                return List.of();
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String> out = new java.util.ArrayList<>();
            for (String l; (l = r.readLine()) != null; ) {
                if (!l.isBlank() && !l.startsWith("#")) {
                    out.add(l);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
