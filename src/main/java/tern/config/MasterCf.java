package tern.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MasterCf - master.cf parsed into {@link Service} entries, as master(5) defines the file.
 *
 * A "#" line is a comment; a line starting with white space continues the entry above. Each entry
 * has eight columns (service, type, private, unpriv, chroot, wakeup, maxproc, command) followed by
 * the command's arguments; "-o name=value", "-o name = value" is not allowed but "-o { name = value }"
 * is (Postfix 3.0 syntax), and "{ ... }" groups an argument that contains white space. Errors name
 * the file and line. The raw lines are kept so that postconf -M edits preserve everything else.
 */
public final class MasterCf {
    private static final List<String> TYPES = List.of("inet", "unix", "unix-dgram", "fifo", "pass");

    private final Path path;
    private final List<Service> services;

    private MasterCf(Path path, List<Service> services) {
        this.path = path;
        this.services = services;
    }

    public static MasterCf load(Path path) throws ConfigException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("open " + path + ": " + MainCf.describe(e));
        }
        return parse(path, text);
    }

    public static MasterCf parse(Path path, String text) throws ConfigException {
        List<Service> services = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                i++;
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                if (line.strip().startsWith("#")) {
                    i++;
                    continue;
                }
                throw new ConfigException(path + ": line " + (i + 1) + ": entry does not start with a service name");
            }
            int start = i + 1;
            StringBuilder entry = new StringBuilder(line);
            i++;
            while (i < lines.length && !lines[i].isEmpty() && Character.isWhitespace(lines[i].charAt(0))) {
                if (!lines[i].strip().startsWith("#")) {
                    entry.append(' ').append(lines[i].strip());
                }
                i++;
            }
            services.add(parseEntry(path, start, entry.toString()));
        }
        return new MasterCf(path, Collections.unmodifiableList(services));
    }

    private static Service parseEntry(Path path, int lineNumber, String entry) throws ConfigException {
        List<String> words = tokenize(path, lineNumber, entry);
        if (words.size() < 8) {
            throw new ConfigException(path + ": line " + lineNumber + ": bad field count");
        }
        String type = words.get(1);
        if (!TYPES.contains(type)) {
            throw new ConfigException(path + ": line " + lineNumber + ": bad transport type: " + type);
        }
        for (int c = 2; c <= 4; c++) {
            String v = words.get(c);
            if (!v.equals("-") && !v.equals("y") && !v.equals("n")) {
                throw new ConfigException(path + ": line " + lineNumber + ": bad boolean field value: " + v);
            }
        }
        String maxproc = words.get(6);
        if (!maxproc.equals("-") && !maxproc.chars().allMatch(Character::isDigit)) {
            throw new ConfigException(path + ": line " + lineNumber + ": bad process limit field value: " + maxproc);
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        List<String> args = new ArrayList<>();
        for (int k = 8; k < words.size(); k++) {
            String w = words.get(k);
            if (w.equals("-o") && k + 1 < words.size()) {
                String nv = words.get(++k);
                addOverride(path, lineNumber, overrides, nv);
            } else if (w.startsWith("-o") && w.length() > 2 && w.indexOf('=') > 0) {
                addOverride(path, lineNumber, overrides, w.substring(2));
            } else {
                args.add(w);
            }
        }
        return new Service(words.get(0), type, words.get(2), words.get(3), words.get(4), words.get(5), maxproc,
                words.get(7), List.copyOf(args), Collections.unmodifiableMap(overrides), lineNumber);
    }

    private static void addOverride(Path path, int lineNumber, Map<String, String> overrides, String nv)
            throws ConfigException {
        String s = nv.strip();
        int eq = s.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException(path + ": line " + lineNumber + ": missing '=' after attribute name: \"" + s + "\"");
        }
        overrides.put(s.substring(0, eq).strip(), s.substring(eq + 1).strip());
    }

    /** tokenize - split on white space; "{ ... }" is one token with the braces and outer space removed. */
    static List<String> tokenize(Path path, int lineNumber, String entry) throws ConfigException {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = entry.length();
        while (i < n) {
            char c = entry.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '{') {
                int level = 0;
                int j = i;
                for (; j < n; j++) {
                    char d = entry.charAt(j);
                    if (d == '{') {
                        level++;
                    } else if (d == '}') {
                        level--;
                        if (level == 0) {
                            break;
                        }
                    }
                }
                if (j >= n) {
                    throw new ConfigException(path + ": line " + lineNumber + ": missing '}' in \"" + entry.substring(i) + "\"");
                }
                words.add(entry.substring(i + 1, j).strip());
                i = j + 1;
                continue;
            }
            int j = i;
            while (j < n && !Character.isWhitespace(entry.charAt(j))) {
                j++;
            }
            words.add(entry.substring(i, j));
            i = j;
        }
        return words;
    }

    public Path path() {
        return path;
    }

    public List<Service> services() {
        return services;
    }

    /** find - the service with this name and type, or null. */
    public Service find(String name, String type) {
        for (Service s : services) {
            if (s.name().equals(name) && s.type().equals(type)) {
                return s;
            }
        }
        return null;
    }
}
