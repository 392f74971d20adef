package tern.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MainCf - the parsed text of a main.cf file: its physical lines as read (so that postconf -e, -X
 * and -# can rewrite it keeping comments, order and layout), its logical entries, and the
 * name = value settings they make.
 *
 * Syntax, as postconf(5) defines it and Postfix reads it: a line whose first non-blank character is
 * "#" is a comment, a blank line is ignored, and a line that starts with white space continues the
 * logical line above; comment and blank lines inside a continued entry are skipped without ending
 * it. The physical lines of an entry are joined as they are (the line break dropped, the leading
 * white space of a continuation kept), then split into name and value: the name ends at white space
 * or "=", white space around "=" and at the end of the value is dropped. A later setting of the same
 * name wins (with Postfix's "overriding earlier entry" warning). Values are not expanded here.
 *
 * Failure: a logical line that is not "name = value" is an error naming the file and line, in
 * Postfix's words; a first line that starts with white space is a warning and is skipped, as in
 * Postfix. Files are read as UTF-8, or byte for byte as ISO-8859-1 when they are not valid UTF-8.
 */
public final class MainCf {
    /**
     * One logical entry.
     *
     * @param name      the parameter name
     * @param value     the raw value, trimmed, unexpanded
     * @param firstLine the 1-based number of the physical line that starts the entry
     * @param lastLine  the 1-based number of its last continuation line
     */
    public record Entry(String name, String value, int firstLine, int lastLine) {
    }

    private final String path;
    private final List<String> physical;
    private final boolean endsWithNewline;
    private final List<Entry> entries;
    private final Map<String, String> settings;
    private final Map<String, Integer> lineOf;
    private final List<String> warnings;

    private MainCf(String path, List<String> physical, boolean endsWithNewline, List<Entry> entries,
                   Map<String, String> settings, Map<String, Integer> lineOf, List<String> warnings) {
        this.path = path;
        this.physical = physical;
        this.endsWithNewline = endsWithNewline;
        this.entries = entries;
        this.settings = settings;
        this.lineOf = lineOf;
        this.warnings = warnings;
    }

    /** load - read and parse a main.cf; a missing file is an empty configuration (Postfix's daemons agree). */
    public static MainCf load(Path path) throws ConfigException {
        return load(path.toString());
    }

    /** load - as load(Path), for a path given as text (CLI start-up stays clear of java.nio.file). */
    public static MainCf load(String path) throws ConfigException {
        String text = TextFile.readOrNull(path);
        return parse(path, text == null ? "" : text);
    }

    /** loadExisting - read and parse a main.cf that must exist (postconf's view: "open ...: No such file"). */
    public static MainCf loadExisting(Path path) throws ConfigException {
        return loadExisting(path.toString());
    }

    /** loadExisting - as loadExisting(Path), for a path given as text. */
    public static MainCf loadExisting(String path) throws ConfigException {
        String text = TextFile.readOrNull(path);
        if (text == null) {
            throw new ConfigException("open " + path + ": No such file or directory");
        }
        return parse(path, text);
    }

    /** parse - parse main.cf text; path names the file in messages. */
    public static MainCf parse(Path path, String text) throws ConfigException {
        return parse(path.toString(), text);
    }

    /** parse - as parse(Path, String), for a path given as text. */
    public static MainCf parse(String path, String text) throws ConfigException {
        List<String> physical = TextFile.lines(text);
        boolean endsWithNewline = text.isEmpty() || text.endsWith("\n");
        List<Entry> entries = new ArrayList<>();
        Map<String, String> settings = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        int n = physical.size();
        int i = 0;
        while (i < n) {
            String first = physical.get(i);
            if (TextFile.isCommentOrBlank(first)) {
                i++;
                continue;
            }
            int start = i;
            StringBuilder logical = new StringBuilder(first);
            int last = i;
            i++;
            while (i < n) {
                String l = physical.get(i);
                if (TextFile.isCommentOrBlank(l)) {
                    i++;
                    continue;
                }
                if (!TextFile.startsWithSpace(l)) {
                    break;
                }
                logical.append(l);
                last = i;
                i++;
            }
            i = last + 1; // comments after the last continuation line belong to no entry
            String line = logical.toString();
            if (TextFile.startsWithSpace(first)) {
                warnings.add(path + ": logical line must not start with whitespace: \"" + line + "\"");
                continue;
            }
            String[] nv = splitNameValue(line);
            if (nv[0] == null) {
                throw new ConfigException(path + ", line " + (start + 1) + ": " + nv[1]);
            }
            String name = nv[0];
            String value = nv[1];
            String previous = settings.remove(name);
            if (previous != null) {
                warnings.add(path + ", line " + (start + 1) + ": overriding earlier entry: " + name + "=" + previous);
            }
            settings.put(name, value);
            lineOf.put(name, start + 1);
            entries.add(new Entry(name, value, start + 1, last + 1));
        }
        return new MainCf(path, List.copyOf(physical), endsWithNewline, Collections.unmodifiableList(entries),
                Collections.unmodifiableMap(settings), Collections.unmodifiableMap(lineOf), List.copyOf(warnings));
    }

    /**
     * splitNameValue - Postfix's "name = value" split: {name, value}, or {null, error message}.
     * The name ends at white space or "="; only white space may stand between it and "=".
     */
    public static String[] splitNameValue(String text) {
        int n = text.length();
        int i = 0;
        while (i < n && TextFile.isSpace(text.charAt(i))) {
            i++;
        }
        int nameStart = i;
        while (i < n && text.charAt(i) != '=' && !TextFile.isSpace(text.charAt(i))) {
            i++;
        }
        String name = text.substring(nameStart, i);
        while (i < n && TextFile.isSpace(text.charAt(i))) {
            i++;
        }
        if (name.isEmpty()) {
            return new String[] {null, "missing attribute name: \"" + text + "\""};
        }
        if (i >= n || text.charAt(i) != '=') {
            return new String[] {null, "missing '=' after attribute name: \"" + text.substring(nameStart) + "\""};
        }
        String value = TextFile.trim(text.substring(i + 1));
        return new String[] {name, value};
    }

    public Path path() {
        return Path.of(path);
    }

    /** pathText - the file name as given, as messages show it. */
    public String pathText() {
        return path;
    }

    /** physicalLines - the file's lines as read, without line ends. */
    public List<String> physicalLines() {
        return physical;
    }

    /** endsWithNewline - whether the file's last line was terminated (an empty file counts as terminated). */
    public boolean endsWithNewline() {
        return endsWithNewline;
    }

    /** entries - every logical entry in file order, repeated names included. */
    public List<Entry> entries() {
        return entries;
    }

    /** settings - name to raw (unexpanded) value; a repeated name keeps its last value. */
    public Map<String, String> settings() {
        return settings;
    }

    /** lineOf - the line where the winning setting of name starts, or 0 when main.cf does not set it. */
    public int lineOf(String name) {
        Integer l = lineOf.get(name);
        return l == null ? 0 : l;
    }

    /** warnings - what Postfix warns about while reading the file, each a complete message. */
    public List<String> warnings() {
        return warnings;
    }
}
