package tern.tables;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * AliasSource - the entries of an aliases(5) file as postalias reads it: "name: value, value, ..."
 * per logical line (continuation lines and comments as in every table file). The name may be
 * quoted ("\"with space\": x") and is stored unquoted; the value is stored in the external form
 * that {@link Rfc822Tokens} rebuilds, so ":include:/file", "|command", "\"|command with args\"",
 * "/file/name" and addresses all keep their meaning.
 *
 * A line without a name, a ':' or a value is skipped with "FILE, line N: need name:value pair"; a
 * name with '@' with "FILE, line N: name must be local", as postalias does.
 */
final class AliasSource {
    private AliasSource() {
    }

    static List<MapSource.Entry> parse(List<SourceLines.Line> lines, String fileName, Consumer<String> warn) {
        List<MapSource.Entry> out = new ArrayList<>(lines.size());
        for (SourceLines.Line l : lines) {
            MapSource.Entry e = parseLine(l, fileName, warn);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    static MapSource.Entry parseLine(SourceLines.Line l, String fileName, Consumer<String> warn) {
        List<Rfc822Tokens.Token> tokens = Rfc822Tokens.scan(l.text());
        int colon = -1;
        for (int k = 0; k < tokens.size(); k++) {
            if (tokens.get(k).isOp(':')) {
                colon = k;
                break;
            }
        }
        if (colon <= 0 || colon == tokens.size() - 1) {
            warn.accept(fileName + ", line " + l.number() + ": need name:value pair");
            return null;
        }
        List<Rfc822Tokens.Token> name = tokens.subList(0, colon);
        for (Rfc822Tokens.Token t : name) {
            if (t.isOp('@')) {
                warn.accept(fileName + ", line " + l.number() + ": name must be local");
                return null;
            }
        }
        String key = Rfc822Tokens.internalize(name);
        String value = Rfc822Tokens.externalize(tokens.subList(colon + 1, tokens.size()));
        return new MapSource.Entry(key, value, l.number());
    }
}
