package tern.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HostsFile - name to address lookups in /etc/hosts, as the C library's "files" source does them:
 * "ADDRESS NAME [ALIAS...]" lines, '#' comments, names compared without regard to case, every
 * address of a name in file order. The file is read again when its modification time or size
 * changes (checked at most once a second), so an edit takes effect without a restart.
 *
 * An unreadable or missing file has no entries. Lines beyond a bound, or with an address that is not
 * numeric, are skipped. Thread-safe.
 */
public final class HostsFile {
    private static final int MAX_BYTES = 4 * 1024 * 1024;
    private static final long RECHECK_NANOS = 1_000_000_000L;

    private final Path path;
    private volatile Snapshot snapshot = new Snapshot(-1, -1, Map.of(), System.nanoTime() - RECHECK_NANOS);

    private record Snapshot(long mtime, long size, Map<String, List<InetAddress>> byName, long checkedNanos) {
    }

    public HostsFile(Path path) {
        this.path = path;
    }

    public static HostsFile system() {
        return new HostsFile(Path.of("/etc/hosts"));
    }

    /** lookup - the addresses listed for name (without a final dot), empty when none. */
    public List<InetAddress> lookup(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        if (key.endsWith(".")) {
            key = key.substring(0, key.length() - 1);
        }
        List<InetAddress> l = current().byName().get(key);
        return l == null ? List.of() : l;
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        long now = System.nanoTime();
        if (now - s.checkedNanos() < RECHECK_NANOS) {
            return s;
        }
        long mtime = -1;
        long size = -1;
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            mtime = a.lastModifiedTime().toMillis();
            size = a.size();
        } catch (IOException e) {
            // no file: no entries
        }
        if (mtime == s.mtime() && size == s.size()) {
            s = new Snapshot(s.mtime(), s.size(), s.byName(), now);
        } else {
            s = new Snapshot(mtime, size, mtime < 0 ? Map.of() : parse(path), now);
        }
        snapshot = s;
        return s;
    }

    static Map<String, List<InetAddress>> parse(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            return Map.of();
        }
        int len = Math.min(bytes.length, MAX_BYTES);
        String text = new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
        Map<String, List<InetAddress>> m = new HashMap<>();
        for (String raw : text.split("\n")) {
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("[ \t]+");
            if (f.length < 2) {
                continue;
            }
            String addr = f[0];
            int pct = addr.indexOf('%');
            InetAddress a = Addresses.parseNumeric(pct >= 0 ? addr.substring(0, pct) : addr);
            if (a == null) {
                continue;
            }
            for (int i = 1; i < f.length; i++) {
                String n = f[i].toLowerCase(Locale.ROOT);
                List<InetAddress> l = m.computeIfAbsent(n, k -> new ArrayList<>());
                if (!l.contains(a)) {
                    l.add(a);
                }
            }
        }
        Map<String, List<InetAddress>> frozen = new HashMap<>();
        for (Map.Entry<String, List<InetAddress>> e : m.entrySet()) {
            frozen.put(e.getKey(), List.copyOf(e.getValue()));
        }
        return Map.copyOf(frozen);
    }
}
