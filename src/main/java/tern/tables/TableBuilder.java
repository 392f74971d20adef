package tern.tables;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * TableBuilder - what postmap and postalias do to files: build NAME.db (hash, btree) or NAME.cdb
 * (cdb) from a source file, add entries (-i), delete keys (-d).
 *
 * Every change writes a complete new file aside, fsyncs it, and renames it over the old one
 * ({@link AtomicFile}), so a daemon reading the table sees the old table or the new, never a part.
 * Writers serialise on an advisory lock of a hidden ".NAME.db.lock" file beside the table, so an
 * incremental update never loses a concurrent one. Permissions: an existing table keeps its mode
 * and owner; a new one gets 0644, or (unless -p) the source file's group/other read bits, and, when
 * run as root without -o, the source file's owner and group (Postfix runs as the source's owner).
 *
 * Keys are folded to lower case unless foldCase is off (-f). Duplicates: the first wins with a
 * warning "NAME.db: duplicate entry: "key"" (default), or are replaced (-r) or ignored (-w)
 * silently. Malformed source lines are warnings with file and line and are skipped, as in Postfix.
 * Failures (unreadable source, unwritable directory, unsupported type) are TableExceptions worded
 * for "postmap: fatal: ...".
 */
public final class TableBuilder {
    /** Format - the source syntax: postmap(1)'s "key value" or aliases(5). */
    public enum Format { MAP, ALIASES }

    /** OnDuplicate - what a second entry for a key does: warn and keep the first, replace (-r), ignore (-w). */
    public enum OnDuplicate { WARN, REPLACE, IGNORE }

    /**
     * Settings - foldCase (off with -f), onDuplicate (-r, -w), inheritPermissions (off with -p),
     * keepRoot (-o), masterName (myhostname, for postalias's YP_MASTER_NAME).
     */
    public record Settings(boolean foldCase, OnDuplicate onDuplicate, boolean inheritPermissions, boolean keepRoot,
                           String masterName) {
        public static final Settings DEFAULT = new Settings(true, OnDuplicate.WARN, true, false, "localhost");
    }

    /** Entry - one key and value to store, and the line it came from (0 when none). */
    public record Entry(String key, String value, int line) {
    }

    private TableBuilder() {
    }

    /** canCreate - whether postmap can build this type (hash, btree, cdb). */
    public static boolean canCreate(String type) {
        return type.equals("hash") || type.equals("btree") || type.equals("cdb");
    }

    /** databaseFile - the file a type:name table lives in (NAME.db, NAME.cdb). */
    public static Path databaseFile(String type, String name) {
        return Path.of(name + (type.equals("cdb") ? ".cdb" : ".db"));
    }

    /** checkCreatable - the Postfix error for a type postmap cannot build. */
    public static void checkCreatable(String type) throws TableException {
        if (canCreate(type)) {
            return;
        }
        if (TableOpener.TYPES.contains(type)) {
            throw new TableException("unsupported dictionary type: " + type + " does not support bulk-mode creation.");
        }
        throw new TableException("unsupported dictionary type: " + type);
    }

    /** parse - the entries of source text lines in the given format; warnings name fileName and the line. */
    public static List<Entry> parse(String text, String fileName, Format format, Consumer<String> warn) {
        List<SourceLines.Line> lines = SourceLines.parse(text);
        List<MapSource.Entry> raw = format == Format.ALIASES ? AliasSource.parse(lines, fileName, warn)
                : MapSource.parse(lines, fileName, "", warn);
        List<Entry> out = new ArrayList<>(raw.size());
        for (MapSource.Entry e : raw) {
            if (format == Format.MAP && e.key().endsWith(":")) {
                // Stored as it is, but an aliases file given to postmap deserves a hint.
                warn.accept(fileName + ", line " + e.line() + ": record is in \"key: value\" format; is this an alias file?");
            }
            out.add(new Entry(e.key(), e.value(), e.line()));
        }
        return out;
    }

    /** build - (re)create the table type:name from the source file name. */
    public static void build(String type, String name, Format format, Settings settings, Consumer<String> warn)
            throws TableException {
        checkCreatable(type);
        Path source = Path.of(name);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(source);
        } catch (NoSuchFileException e) {
            throw new TableException("open " + name + ": No such file or directory", e);
        } catch (IOException e) {
            throw new TableException("open " + name + ": " + SourceLines.reason(e), e);
        }
        List<Entry> entries = parse(new String(bytes, StandardCharsets.UTF_8), name, format, warn);
        Path db = databaseFile(type, name);
        try (Lock lock = Lock.take(db)) {
            Map<String, String> m = new LinkedHashMap<>();
            put(m, entries, settings, db, warn);
            if (format == Format.ALIASES) {
                addAliasSignature(m, settings);
            }
            write(type, db, source, m, settings);
        }
    }

    /**
     * add - postmap -i / postalias -i: the entries added to the existing table (created when
     * missing); duplicates of existing keys follow settings.onDuplicate.
     */
    public static void add(String type, String name, Format format, List<Entry> entries, Settings settings,
                           Consumer<String> warn) throws TableException {
        checkCreatable(type);
        Path db = databaseFile(type, name);
        try (Lock lock = Lock.take(db)) {
            Map<String, String> m = readExisting(type, db, true);
            put(m, entries, settings, db, warn);
            if (format == Format.ALIASES) {
                addAliasSignature(m, settings);
            }
            write(type, db, Path.of(name), m, settings);
        }
    }

    /** delete - postmap -d: remove the keys; returns how many were found (and removed). */
    public static int delete(String type, String name, Collection<String> keys, Settings settings)
            throws TableException {
        checkCreatable(type);
        Path db = databaseFile(type, name);
        try (Lock lock = Lock.take(db)) {
            Map<String, String> m = readExisting(type, db, false);
            int found = 0;
            for (String k : keys) {
                if (m.remove(settings.foldCase ? Keys.fold(k) : k) != null) {
                    found++;
                }
            }
            if (found > 0) {
                write(type, db, Path.of(name), m, settings);
            }
            return found;
        }
    }

    private static void put(Map<String, String> m, List<Entry> entries, Settings settings, Path db,
                            Consumer<String> warn) {
        for (Entry e : entries) {
            String k = settings.foldCase ? Keys.fold(e.key()) : e.key();
            if (!m.containsKey(k)) {
                m.put(k, e.value());
                continue;
            }
            switch (settings.onDuplicate) {
                case WARN -> warn.accept(db + ": duplicate entry: \"" + k + "\"");
                case REPLACE -> m.put(k, e.value());
                case IGNORE -> {
                }
            }
        }
    }

    /** addAliasSignature - the entries postalias adds for sendmail and NIS clients. */
    private static void addAliasSignature(Map<String, String> m, Settings settings) {
        m.putIfAbsent("@", "@");
        m.put("YP_LAST_MODIFIED", String.format("%010d", System.currentTimeMillis() / 1000));
        m.put("YP_MASTER_NAME", settings.masterName);
    }

    private static Map<String, String> readExisting(String type, Path db, boolean mayBeMissing) throws TableException {
        Map<String, String> m = new LinkedHashMap<>();
        if (mayBeMissing && !Files.exists(db)) {
            return m;
        }
        KeyValueFile f = type.equals("cdb") ? CdbFile.open(db) : IndexedFile.open(db);
        f.forEach((k, v) -> m.put(new String(k, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8)));
        return m;
    }

    private static void write(String type, Path db, Path source, Map<String, String> m, Settings settings)
            throws TableException {
        List<IndexedFile.Entry> entries = new ArrayList<>(m.size());
        for (Map.Entry<String, String> e : m.entrySet()) {
            entries.add(new IndexedFile.Entry(e.getKey().getBytes(StandardCharsets.UTF_8),
                    e.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        if (!type.equals("cdb")) {
            entries.sort((a, b) -> IndexedFile.compare(a.key(), b.key()));
        }
        int kind = type.equals("btree") ? IndexedFile.KIND_BTREE : IndexedFile.KIND_HASH;
        try {
            AtomicFile.replace(db, out -> {
                if (type.equals("cdb")) {
                    CdbFile.write(out, entries);
                } else {
                    IndexedFile.write(out, kind, entries);
                }
            }, tmp -> permissions(tmp, db, source, settings));
        } catch (IOException e) {
            throw new TableException("open database " + db + ": " + SourceLines.reason(e), e);
        }
    }

    private static void permissions(Path tmp, Path db, Path source, Settings settings) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        PosixFileAttributes old = attributes(db);
        if (old != null) {
            view.setPermissions(old.permissions());
            if (isRoot()) {
                view.setOwner(old.owner());
                view.setGroup(old.group());
            }
            return;
        }
        Set<PosixFilePermission> mode = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
        PosixFileAttributes src = attributes(source);
        if (settings.inheritPermissions && src != null) {
            mode = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            if (src.permissions().contains(PosixFilePermission.GROUP_READ)) {
                mode.add(PosixFilePermission.GROUP_READ);
            }
            if (src.permissions().contains(PosixFilePermission.OTHERS_READ)) {
                mode.add(PosixFilePermission.OTHERS_READ);
            }
        }
        view.setPermissions(mode);
        if (src != null && !settings.keepRoot && isRoot()) {
            UserPrincipal owner = src.owner();
            GroupPrincipal group = src.group();
            view.setOwner(owner);
            view.setGroup(group);
        }
    }

    private static PosixFileAttributes attributes(Path p) {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Lock - the writers' advisory lock on ".NAME.db.lock" beside the table. */
    private static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static Lock take(Path db) throws TableException {
            Path abs = db.toAbsolutePath();
            Path file = abs.getParent().resolve("." + abs.getFileName() + ".lock");
            try {
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                try {
                    return new Lock(ch, ch.lock());
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            } catch (IOException e) {
                throw new TableException("lock " + file + ": " + SourceLines.reason(e), e);
            }
        }

        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                // closing releases the lock in any case
            }
        }
    }
}
