package tern.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MainCfEditor - postconf -e, -X and -#: change main.cf in place, keeping every comment, blank
 * line and unrelated entry exactly as written.
 *
 * An entry named in the request is replaced by one line "name = value" where it stands (-e),
 * removed with its continuation lines (-X), or has each of its lines prefixed with "#" (-#);
 * comment lines inside a continued entry stay as they are. Names that -e sets and main.cf does not
 * have are appended at the end, in the order given. When main.cf has a name twice, both entries
 * are changed, with Postfix's "multiple entries" warning. The file is replaced through
 * main.cf.tmp and a rename.
 *
 * Differences from Postfix 3.7 kept on purpose: new names are appended in argument order (Postfix
 * uses hash order), and every line written ends with a newline (Postfix appends to an
 * unterminated last line, gluing two settings together).
 *
 * Failure: ConfigException in Postfix's words ("open PATH for reading: No such file or directory").
 */
public final class MainCfEditor {
    /** What happens to the entries named. */
    public enum Mode {
        /** -e: set to the given values. */
        EDIT,
        /** -X: remove. */
        REMOVE,
        /** -#: comment out. */
        COMMENT
    }

    private MainCfEditor() {
    }

    /**
     * edit - apply one request to the main.cf at path.
     *
     * @param values for EDIT, name to new value in argument order; for REMOVE and COMMENT the
     *               names are the keys (values ignored)
     * @return warnings, each a complete message
     */
    public static List<String> edit(Path path, Mode mode, Map<String, String> values) throws ConfigException {
        List<String> warnings = new ArrayList<>();
        TextFile.rewrite(path, text -> apply(path, TextFile.lines(text), mode, values, warnings));
        return warnings;
    }

    /** apply - the edited text of a main.cf given as its physical lines. */
    static String apply(Path path, List<String> lines, Mode mode, Map<String, String> values, List<String> warnings) {
        StringBuilder out = new StringBuilder();
        Set<String> done = new LinkedHashSet<>();
        Set<String> warned = new LinkedHashSet<>();
        boolean inEntry = false;
        for (String line : lines) {
            if (TextFile.isCommentOrBlank(line)) {
                out.append(line).append('\n');
                continue;
            }
            if (TextFile.startsWithSpace(line)) {
                if (!inEntry) {
                    out.append(line).append('\n');
                } else if (mode == Mode.COMMENT) {
                    out.append('#').append(line).append('\n');
                }
                continue;
            }
            String name = leadingName(line);
            if (!values.containsKey(name)) {
                inEntry = false;
                out.append(line).append('\n');
                continue;
            }
            inEntry = true;
            if (!done.add(name) && warned.add(name)) {
                warnings.add(path + ": multiple entries for \"" + name + "\"");
            }
            switch (mode) {
                case EDIT -> out.append(setting(name, values.get(name))).append('\n');
                case COMMENT -> out.append('#').append(line).append('\n');
                case REMOVE -> {
                }
            }
        }
        if (mode == Mode.EDIT) {
            for (Map.Entry<String, String> e : values.entrySet()) {
                if (!done.contains(e.getKey())) {
                    out.append(setting(e.getKey(), e.getValue())).append('\n');
                }
            }
        }
        return out.toString();
    }

    /** setting - one main.cf line as postconf writes it ("name = value", "name = " when empty). */
    static String setting(String name, String value) {
        return name + " = " + value;
    }

    /** leadingName - the name an entry line starts with: up to white space or "=". */
    private static String leadingName(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '=' && !TextFile.isSpace(line.charAt(i))) {
            i++;
        }
        return line.substring(0, i);
    }
}
