package tern.tables;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * IndexedTable - hash:NAME and btree:NAME (NAME.db in Tern's own format, see {@link IndexedFile})
 * and cdb:NAME (NAME.cdb, the real CDB format, see {@link CdbFile}): tables that postmap and
 * postalias build beside their source file. Keys are folded to lower case unless opened with
 * folding off (postmap -f), matching how postmap stored them. Keys and values are UTF-8.
 *
 * The file is mapped and reopened when it changes (a rebuild renames a new file into place, so a
 * reader sees either the old table or the new one, never half of one). A missing file fails every
 * lookup with "open database NAME.db: No such file or directory" until it exists.
 */
final class IndexedTable implements Table {
    private final String spec;
    private final String type;
    private final boolean fold;
    private final FileSnapshot<KeyValueFile> snapshot;

    IndexedTable(String spec, String type, Path file, boolean fold, FileSnapshot.Loader<KeyValueFile> opener,
                 long intervalNanos) {
        this.spec = spec;
        this.type = type;
        this.fold = fold;
        this.snapshot = new FileSnapshot<>(file, opener, intervalNanos);
    }

    @Override
    public String lookup(String key) throws TableException {
        byte[] v = snapshot.get().get((fold ? Keys.fold(key) : key).getBytes(StandardCharsets.UTF_8));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    @Override
    public String spec() {
        return spec;
    }

    /** type - hash, btree or cdb. */
    String type() {
        return type;
    }

    @Override
    public boolean isFixed() {
        return true;
    }

    @Override
    public void forEach(BiConsumer<String, String> action) throws TableException {
        snapshot.get().forEach((k, v) -> action.accept(new String(k, StandardCharsets.UTF_8),
                new String(v, StandardCharsets.UTF_8)));
    }
}
