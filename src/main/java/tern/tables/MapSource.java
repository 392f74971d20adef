package tern.tables;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * MapSource - the entries of a postmap(1) input file: "key whitespace value" per logical line, the
 * key optionally in double quotes to hold whitespace (Postfix 3.2+; the quotes stay part of the
 * key, as in real postmap, so that a quoted address localpart is looked up as written; inside them
 * \" and \\ are escapes). Surrounding whitespace of key and value is stripped.
 *
 * A line without a value, or with an unbalanced quote, is skipped with a warning naming the file
 * and line ("FILE, line N: expected format: key whitespace value"); the rest of the file is still
 * read, as postmap does. The caller decides about duplicates.
 */
final class MapSource {
    /** Entry - one key and value and the line it came from. */
    record Entry(String key, String value, int line) {
    }

    private MapSource() {
    }

    /**
     * parse - the entries of the logical lines; warnings go to warn, already prefixed with
     * "FILE, line N: ". suffix is appended to a skipped line's warning (texthash says
     * " -- ignoring this line", postmap says nothing more).
     */
    static List<Entry> parse(List<SourceLines.Line> lines, String fileName, String suffix, Consumer<String> warn) {
        List<Entry> out = new ArrayList<>(lines.size());
        for (SourceLines.Line l : lines) {
            Entry e = parseLine(l, fileName, suffix, warn);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    static Entry parseLine(SourceLines.Line l, String fileName, String suffix, Consumer<String> warn) {
        String text = SourceLines.strip(l.text());
        int keyEnd = keyEnd(text);
        if (keyEnd < 0) {
            warn.accept(fileName + ", line " + l.number() + ": unbalanced '\"' in '" + text + "' -- ignoring this line");
            return null;
        }
        String key = text.substring(0, keyEnd);
        String value = SourceLines.strip(text.substring(keyEnd));
        if (value.isEmpty()) {
            warn.accept(fileName + ", line " + l.number() + ": expected format: key whitespace value" + suffix);
            return null;
        }
        return new Entry(key, value, l.number());
    }

    /** keyEnd - where the key ends (first whitespace outside quotes), or -1 for an open quote. */
    private static int keyEnd(String text) {
        boolean quoted = false;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < n) {
                    i += 2;
                    continue;
                }
                if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (SourceLines.isSpace(c)) {
                return i;
            }
            i++;
        }
        return quoted ? -1 : n;
    }
}
