package tern.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MainCf - the parsed text of a main.cf file: its logical lines in order (so that postconf -e can
 * rewrite it keeping comments and order) and the name = value settings they make.
 *
 * Syntax, as postconf(5) defines it: "#" starts a comment line; a line that starts with white space
 * continues the previous logical line; otherwise a line is "name = value" with white space around
 * "=" and at the end ignored. A later setting of the same name wins. Values are not expanded here.
 * A line that is not "name = value" is an error naming the file and line.
 */
public final class MainCf {
    /** One logical line: its physical lines as written, and the setting it makes (null for comments/blank). */
    public record Line(List<String> text, int firstLineNumber, String name, String value) {
    }

    private final Path path;
    private final List<Line> lines;
    private final Map<String, String> settings;

    private MainCf(Path path, List<Line> lines, Map<String, String> settings) {
        this.path = path;
        this.lines = lines;
        this.settings = settings;
    }

    /** load - read and parse a main.cf; a missing file is an empty configuration. */
    public static MainCf load(Path path) throws ConfigException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return parse(path, "");
        } catch (IOException e) {
            throw new ConfigException("open " + path + ": " + describe(e));
        }
        return parse(path, text);
    }

    /** parse - parse main.cf text; path names the file in error messages. */
    public static MainCf parse(Path path, String text) throws ConfigException {
        List<Line> lines = new ArrayList<>();
        Map<String, String> settings = new LinkedHashMap<>();
        String[] physical = text.split("\n", -1);
        int count = physical.length;
        if (count > 0 && physical[count - 1].isEmpty()) {
            count--; // text ends with a newline
        }
        int i = 0;
        while (i < count) {
            int start = i;
            List<String> group = new ArrayList<>();
            group.add(physical[i++]);
            String first = physical[start];
            if (isSetting(first)) {
                while (i < count && isContinuation(physical[i])) {
                    group.add(physical[i++]);
                }
            }
            if (!isSetting(first)) {
                lines.add(new Line(List.copyOf(group), start + 1, null, null));
                if (isContinuation(first) && !first.isBlank() && !first.stripLeading().startsWith("#")) {
                    // Postfix treats leading white space on the first setting line as an error.
                    throw new ConfigException(path + ", line " + (start + 1) + ": missing '=' after attribute name: \""
                            + first.strip() + "\"");
                }
                continue;
            }
            StringBuilder logical = new StringBuilder();
            for (String s : group) {
                String t = s.strip();
                if (t.startsWith("#") && logical.length() > 0) {
                    continue; // comment lines inside a continued value are skipped
                }
                if (logical.length() > 0) {
                    logical.append(' ');
                }
                logical.append(t);
            }
            String l = logical.toString();
            int eq = l.indexOf('=');
            if (eq < 0) {
                throw new ConfigException(path + ", line " + (start + 1) + ": missing '=' after attribute name: \""
                        + l + "\"");
            }
            String name = l.substring(0, eq).strip();
            String value = l.substring(eq + 1).strip();
            if (name.isEmpty() || !validName(name)) {
                throw new ConfigException(path + ", line " + (start + 1) + ": missing attribute name in \"" + l + "\"");
            }
            lines.add(new Line(List.copyOf(group), start + 1, name, value));
            settings.remove(name);
            settings.put(name, value);
        }
        return new MainCf(path, Collections.unmodifiableList(lines), Collections.unmodifiableMap(settings));
    }

    private static boolean validName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isWhitespace(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isContinuation(String line) {
        return !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
    }

    private static boolean isSetting(String line) {
        if (line.isEmpty() || isContinuation(line)) {
            return false;
        }
        return !line.startsWith("#");
    }

    static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    public Path path() {
        return path;
    }

    /** lines - every logical line in file order, comments and blank lines included. */
    public List<Line> lines() {
        return lines;
    }

    /** settings - name to raw (unexpanded) value, in the order of their last setting. */
    public Map<String, String> settings() {
        return settings;
    }
}
