package tern.tables;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * TextHashTable - texthash:/file, a postmap(1) input file read into memory without building an
 * index. Unlike Postfix's texthash (read once per process), a changed file is read again (see
 * {@link FileSnapshot}), as the daemon here lives long.
 *
 * Malformed lines and duplicates are warnings with file and line, as Postfix gives them
 * ("FILE, line N: expected format: key whitespace value -- ignoring this line"); the first of
 * duplicate keys wins. A missing or unreadable file is a lookup failure.
 */
final class TextHashTable implements Table {
    private final String spec;
    private final boolean fold;
    private final FileSnapshot<Map<String, String>> snapshot;

    TextHashTable(String spec, Path file, boolean fold, Consumer<String> warn, long intervalNanos) {
        this.spec = spec;
        this.fold = fold;
        this.snapshot = new FileSnapshot<>(file, f -> load(f, fold, warn), intervalNanos);
    }

    static Map<String, String> load(Path file, boolean fold, Consumer<String> warn) throws TableException {
        List<SourceLines.Line> lines = SourceLines.read(file);
        String name = file.toString();
        Map<String, String> m = new LinkedHashMap<>(Math.max(16, lines.size() * 2));
        for (MapSource.Entry e : MapSource.parse(lines, name, " -- ignoring this line", warn)) {
            String k = fold ? Keys.fold(e.key()) : e.key();
            if (m.putIfAbsent(k, e.value()) != null) {
                warn.accept(name + ", line " + e.line() + ": duplicate entry: \"" + e.key() + "\"");
            }
        }
        return m;
    }

    @Override
    public String lookup(String key) throws TableException {
        return snapshot.get().get(fold ? Keys.fold(key) : key);
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean isFixed() {
        return true;
    }

    @Override
    public void forEach(BiConsumer<String, String> action) throws TableException {
        snapshot.get().forEach(action);
    }
}
