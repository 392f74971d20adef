package tern.delivery.mailbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * Passwd - the password database as local(8) sees it: user name to uid, gid, home and shell.
 *
 * {@link #system()} asks NSS through getpwnam_r(3), as Postfix's getpwnam does, so users from
 * LDAP, sssd or systemd come in as they do for Postfix. Where native calls are not available it
 * reads /etc/passwd itself (NSS "files" only). {@link #file(Path)} always reads the given file
 * (tests, and machines without NSS). A file is read again when its modification time or size
 * changes.
 *
 * Failure: a database that cannot answer (NSS back end down, unreadable file) is an IOException,
 * so that the mail is deferred; only a clear "no such user" is null.
 */
public final class Passwd {
    /** Entry - one user. */
    public record Entry(String name, int uid, int gid, String gecos, String home, String shell) {
    }

    private record Snapshot(long mtime, long size, Map<String, Entry> users) {
    }

    private final Path file;
    private final boolean nss;
    private volatile Snapshot snapshot;

    private Passwd(Path file, boolean nss) {
        this.file = file;
        this.nss = nss;
    }

    /** system - the system's database (NSS, or /etc/passwd when native calls are unavailable). */
    public static Passwd system() {
        return new Passwd(Path.of("/etc/passwd"), Native.available());
    }

    /** file - a passwd(5) file read directly. */
    public static Passwd file(Path path) {
        return new Passwd(path, false);
    }

    /** lookup - the entry for name (case as given: user names are case-sensitive), or null. */
    public Entry lookup(String name) throws IOException {
        if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('/') >= 0) {
            return null;
        }
        if (nss) {
            String[] f;
            try {
                f = Native.get().getpwnam(name);
            } catch (IllegalStateException e) {
                throw new IOException(e.getMessage(), e);
            }
            if (f == null) {
                return null;
            }
            return new Entry(f[0], Integer.parseUnsignedInt(f[1]), Integer.parseUnsignedInt(f[2]), f[3], f[4], f[5]);
        }
        return current().users().get(name);
    }

    private Snapshot current() throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new IOException("open " + file + ": No such file or directory", e);
        }
        Snapshot s = snapshot;
        long mtime = a.lastModifiedTime().toMillis();
        if (s != null && s.mtime() == mtime && s.size() == a.size()) {
            return s;
        }
        s = new Snapshot(mtime, a.size(), parse(Files.readString(file, StandardCharsets.UTF_8)));
        snapshot = s;
        return s;
    }

    /** parse - passwd(5) lines "name:pw:uid:gid:gecos:home:shell"; malformed lines are skipped. */
    static Map<String, Entry> parse(String text) {
        Map<String, Entry> out = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length < 7 || f[0].isEmpty() || f[0].startsWith("+") || f[0].startsWith("-")) {
                continue;
            }
            try {
                Entry e = new Entry(f[0], Integer.parseUnsignedInt(f[2]), Integer.parseUnsignedInt(f[3]), f[4], f[5],
                        f[6]);
                out.putIfAbsent(f[0], e); // the first entry wins, as getpwnam finds it
            } catch (NumberFormatException ignored) {
                // a line with a bad number is not a user
            }
        }
        return out;
    }
}
