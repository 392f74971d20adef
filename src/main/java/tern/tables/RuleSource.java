package tern.tables;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * RuleSource - the lines of a rule table (cidr, regexp, pcre): a file, or, with Postfix 3.7's
 * inline form "type:{ {rule-1}, {rule-2} }", the rules written in the table name itself, one
 * per line as if they were a file.
 */
final class RuleSource {
    private RuleSource() {
    }

    /** isInline - whether the table name is the inline "{ {rule}, ... }" form. */
    static boolean isInline(String name) {
        return name.startsWith("{");
    }

    /** lines - the logical lines of the named rule table. */
    static List<SourceLines.Line> lines(String type, String name) throws TableException {
        if (!isInline(name)) {
            return SourceLines.read(Path.of(name));
        }
        if (Braces.matching(name, 0) != name.length() - 1) {
            throw new TableException("bad syntax: \"" + type + ":" + name + "\"; need \"" + type + ":{{rule}...}\"");
        }
        List<String> items = Braces.items(name.substring(1, name.length() - 1));
        if (items == null) {
            throw new TableException("bad syntax: \"" + type + ":" + name + "\"; need \"" + type + ":{{rule}...}\"");
        }
        List<SourceLines.Line> out = new ArrayList<>();
        int n = 0;
        for (String item : items) {
            n++;
            if (!item.startsWith("{") || !item.endsWith("}")) {
                throw new TableException("bad syntax: \"" + type + ":" + name + "\"; need \"" + type + ":{{rule}...}\"");
            }
            out.add(new SourceLines.Line(Braces.unwrap(item), n));
        }
        return out;
    }
}
