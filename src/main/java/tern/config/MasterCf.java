package tern.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MasterCf - master.cf parsed into {@link Service} entries, as master(5) defines the file, with
 * its physical lines kept so that postconf -M, -P and -F edits change one entry and nothing else.
 *
 * Syntax: a line whose first non-blank character is "#" is a comment, a blank line is ignored, a
 * line that starts with white space continues the entry above (comments and blank lines inside an
 * entry do not end it). Each entry has eight white-space separated columns (service, type,
 * private, unpriv, chroot, wakeup, maxproc, command) followed by the command's arguments; "{ ... }"
 * groups one argument that contains white space (the braces and the white space just inside them
 * dropped); "-o name=value" and "-o { name = value }" set a parameter for this service.
 *
 * Failure: a structural error (fewer than eight columns, an unknown type, a bad private, unpriv,
 * chroot, wakeup or maxproc column) is a ConfigException naming the file and line. Problems that
 * only the service would notice (an -o without "=", a missing "}") are collected: {@link #load}
 * and {@link #parse} refuse them (the daemon must not start a broken service), {@link #read}
 * keeps them as {@link #problems()} (postconf shows such a file, as Postfix's does).
 */
public final class MasterCf {
    static final List<String> TYPES = List.of("inet", "unix", "unix-dgram", "fifo", "pass");

    /** One entry and the physical lines it spans (1-based, comment lines inside it included). */
    public record Entry(Service service, int firstLine, int lastLine) {
    }

    private final String path;
    private final List<String> physical;
    private final boolean endsWithNewline;
    private final List<Entry> entries;
    private final List<Service> services;
    private final List<String> problems;
    private final List<String> warnings;

    private MasterCf(String path, List<String> physical, boolean endsWithNewline, List<Entry> entries,
                     List<String> problems, List<String> warnings) {
        this.path = path;
        this.physical = physical;
        this.endsWithNewline = endsWithNewline;
        this.entries = entries;
        List<Service> s = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            s.add(e.service());
        }
        this.services = Collections.unmodifiableList(s);
        this.problems = problems;
        this.warnings = warnings;
    }

    /** load - read and parse master.cf strictly (the daemon's view): every problem is an error. */
    public static MasterCf load(Path path) throws ConfigException {
        return strict(read(path.toString()));
    }

    /** read - read and parse master.cf leniently (postconf's view): see {@link #problems()}. */
    public static MasterCf read(Path path) throws ConfigException {
        return read(path.toString());
    }

    /** read - as read(Path), for a path given as text (CLI start-up stays clear of java.nio.file). */
    public static MasterCf read(String path) throws ConfigException {
        String text = TextFile.readOrNull(path);
        if (text == null) {
            throw new ConfigException("open " + path + ": No such file or directory");
        }
        return parseLenient(path, text);
    }

    /** parse - parse master.cf text strictly; path names the file in messages. */
    public static MasterCf parse(Path path, String text) throws ConfigException {
        return strict(parseLenient(path.toString(), text));
    }

    private static MasterCf strict(MasterCf m) throws ConfigException {
        if (!m.problems.isEmpty()) {
            throw new ConfigException(m.problems.get(0));
        }
        return m;
    }

    /** parseLenient - parse master.cf text, collecting per-service problems instead of failing. */
    public static MasterCf parseLenient(Path path, String text) throws ConfigException {
        return parseLenient(path.toString(), text);
    }

    /** parseLenient - as parseLenient(Path, String), for a path given as text. */
    public static MasterCf parseLenient(String path, String text) throws ConfigException {
        List<String> physical = TextFile.lines(text);
        List<Entry> entries = new ArrayList<>();
        List<String> problems = new ArrayList<>();
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
                logical.append(' ').append(l);
                last = i;
                i++;
            }
            i = last + 1;
            if (TextFile.startsWithSpace(first)) {
                warnings.add(path + ": logical line must not start with whitespace: \"" + logical + "\"");
                continue;
            }
            Service s = parseEntry(path, start + 1, logical.toString(), problems);
            entries.add(new Entry(s, start + 1, last + 1));
        }
        return new MasterCf(path, List.copyOf(physical), text.isEmpty() || text.endsWith("\n"),
                Collections.unmodifiableList(entries), List.copyOf(problems), List.copyOf(warnings));
    }

    /** parseEntry - one logical entry into a Service; structural errors throw, others go to problems. */
    public static Service parseEntry(String path, int lineNumber, String entry, List<String> problems)
            throws ConfigException {
        String where = path + ": line " + lineNumber + ": ";
        List<String> words = tokenize(entry, where, problems);
        if (words.size() < 8) {
            throw new ConfigException("file " + path + ": line " + lineNumber + ": bad field count");
        }
        String error = checkFields(words.get(1), words.get(2), words.get(3), words.get(4), words.get(5), words.get(6),
                null);
        if (error != null) {
            String shown = String.join(" ", words);
            throw new ConfigException(where + checkFields(words.get(1), words.get(2), words.get(3), words.get(4),
                    words.get(5), words.get(6), shown));
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        List<String> args = new ArrayList<>();
        List<String> commandLine = new ArrayList<>();
        commandLine.add(words.get(7));
        for (int k = 8; k < words.size(); k++) {
            String w = words.get(k);
            String nv = null;
            if (w.equals("-o") && k + 1 < words.size()) {
                nv = words.get(++k);
            } else if (w.startsWith("-o") && w.length() > 2) {
                nv = w.substring(2); // getopt's attached form, as the daemons accept it
            }
            if (nv == null) {
                args.add(w);
                commandLine.add(w);
                continue;
            }
            String[] split = MainCf.splitNameValue(nv);
            if (split[0] == null) {
                problems.add(where + split[1]);
                commandLine.add("-o");
                commandLine.add(nv);
                continue;
            }
            overrides.remove(split[0]);
            overrides.put(split[0], split[1]);
            commandLine.add("-o");
            commandLine.add(split[0] + "=" + split[1]);
        }
        return new Service(words.get(0), words.get(1), words.get(2), words.get(3), words.get(4), words.get(5),
                words.get(6), words.get(7), List.copyOf(args), Collections.unmodifiableMap(overrides), lineNumber,
                List.copyOf(commandLine));
    }

    /** checkFields - Postfix's message for a bad column 2..7, or null when they are fine. */
    public static String checkFields(String type, String priv, String unpriv, String chroot, String wakeup, String maxproc,
                              String context) {
        if (!TYPES.contains(type)) {
            return "invalid type field \"" + type + "\" in \"" + context + "\"";
        }
        String[][] bools = {{"private", priv}, {"unprivileged", unpriv}, {"chroot", chroot}};
        for (String[] b : bools) {
            if (!b[1].equals("-") && !b[1].equals("y") && !b[1].equals("n")) {
                return "invalid " + b[0] + " field \"" + b[1] + "\" in \"" + context + "\"";
            }
        }
        if (!wakeup.equals("-") && !isWakeup(wakeup)) {
            return "invalid wakeup field \"" + wakeup + "\" in \"" + context + "\"";
        }
        if (!maxproc.equals("-") && !isDigits(maxproc)) {
            return "invalid process_limit field \"" + maxproc + "\" in \"" + context + "\"";
        }
        return null;
    }

    private static boolean isWakeup(String w) {
        String digits = w.endsWith("?") ? w.substring(0, w.length() - 1) : w;
        return isDigits(digits);
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * tokenize - split on white space; "{ ... }" is one token with the braces and the white space
     * just inside them removed. A "{" without its "}" is a problem; the rest is taken as the token.
     */
    static List<String> tokenize(String entry, String where, List<String> problems) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = entry.length();
        while (i < n) {
            char c = entry.charAt(i);
            if (TextFile.isSpace(c)) {
                i++;
                continue;
            }
            if (c == '{') {
                int depth = 0;
                int j = i;
                for (; j < n; j++) {
                    char d = entry.charAt(j);
                    if (d == '{') {
                        depth++;
                    } else if (d == '}' && --depth == 0) {
                        break;
                    }
                }
                if (j >= n) {
                    problems.add(where + "missing '}' in \"" + entry.substring(i) + "\"");
                    words.add(TextFile.trim(entry.substring(i + 1)));
                    break;
                }
                words.add(TextFile.trim(entry.substring(i + 1, j)));
                i = j + 1;
                continue;
            }
            int j = i;
            while (j < n && !TextFile.isSpace(entry.charAt(j))) {
                j++;
            }
            words.add(entry.substring(i, j));
            i = j;
        }
        return words;
    }

    /** Column stops of postconf -M output: each field ends before these positions, with at least one space. */
    private static final int[] STOPS = {11, 17, 25, 33, 41, 49, 57};

    /**
     * LINE_LIMIT - the longest line postconf -Mf writes (and edits write into master.cf); measured
     * against Postfix 3.7, which allows 79 columns here and 80 for main.cf values.
     */
    static final int LINE_LIMIT = 79;

    /** word - a token as master.cf needs it written: in braces when it contains white space. */
    static String word(String token) {
        for (int i = 0; i < token.length(); i++) {
            if (TextFile.isSpace(token.charAt(i))) {
                return "{" + token + "}";
            }
        }
        return token;
    }

    /**
     * format - an entry as postconf -M prints it: the seven columns aligned, then the command line;
     * with fold, each -o on a line of its own and long lines folded at 80 columns, which is also
     * how postconf writes an edited entry into master.cf.
     */
    public static String format(Service s, List<String> commandLine, boolean fold) {
        StringBuilder b = new StringBuilder();
        String[] fields = {s.name(), s.type(), s.privateCol(), s.unprivCol(), s.chrootCol(), s.wakeup(), s.maxproc()};
        for (int i = 0; i < fields.length; i++) {
            b.append(fields[i]);
            int pad = Math.max(1, STOPS[i] - b.length());
            b.append(" ".repeat(pad));
        }
        b.append(word(commandLine.get(0)));
        int lineStart = 0;
        boolean newLineNext = false;
        for (int k = 1; k < commandLine.size(); k++) {
            String w = word(commandLine.get(k));
            if (!fold) {
                b.append(' ').append(w);
                continue;
            }
            if (w.equals("-o") && k + 1 < commandLine.size()) {
                b.append('\n');
                lineStart = b.length();
                b.append("    -o ").append(word(commandLine.get(++k)));
                newLineNext = true;
                continue;
            }
            int length = b.length() - lineStart;
            if (newLineNext || (length + 1 + w.length() > LINE_LIMIT && length > 4)) {
                b.append('\n');
                lineStart = b.length();
                b.append("    ").append(w);
                newLineNext = false;
            } else {
                b.append(' ').append(w);
            }
        }
        return b.toString();
    }

    /** commandText - the command and its arguments as one line, as postconf -F shows "command". */
    public static String commandText(List<String> commandLine) {
        StringBuilder b = new StringBuilder();
        for (String t : commandLine) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(word(t));
        }
        return b.toString();
    }

    public Path path() {
        return Path.of(path);
    }

    /** pathText - the file name as given, as messages show it. */
    public String pathText() {
        return path;
    }

    public List<Service> services() {
        return services;
    }

    /** entries - every service with the lines it spans, in file order. */
    public List<Entry> entries() {
        return entries;
    }

    /** physicalLines - the file's lines as read, without line ends. */
    public List<String> physicalLines() {
        return physical;
    }

    public boolean endsWithNewline() {
        return endsWithNewline;
    }

    /** problems - per-service problems found by a lenient read, each a complete message. */
    public List<String> problems() {
        return problems;
    }

    /** warnings - lines skipped with Postfix's warning (a first line that starts with white space). */
    public List<String> warnings() {
        return warnings;
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
