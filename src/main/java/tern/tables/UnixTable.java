package tern.tables;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * UnixTable - unix:passwd.byname and unix:group.byname, the local_recipient_maps default: the key
 * is a login (group) name, the result the passwd(5) (group(5)) line, as Postfix returns it.
 *
 * Limit: this reads /etc/passwd and /etc/group, not the NSS switch, so users that only LDAP, SSSD or
 * NIS know (nsswitch.conf "passwd: files sss") are not found here; list such users in an alias or
 * virtual table, or put them in local_recipient_maps by another table. The files are re-read when
 * they change. Keys are folded to lower case (as Postfix's daemons do before getpwnam).
 */
final class UnixTable implements Table {
    private final String spec;
    private final boolean fold;
    private final FileSnapshot<Map<String, String>> snapshot;

    private UnixTable(String spec, Path file, boolean fold, long intervalNanos) {
        this.spec = spec;
        this.fold = fold;
        this.snapshot = new FileSnapshot<>(file, UnixTable::load, intervalNanos);
    }

    static UnixTable open(String spec, String name, boolean fold, long intervalNanos) throws TableException {
        return switch (name) {
            case "passwd.byname" -> new UnixTable(spec, Path.of("/etc/passwd"), fold, intervalNanos);
            case "group.byname" -> new UnixTable(spec, Path.of("/etc/group"), fold, intervalNanos);
            default -> throw new TableException("unknown table: " + spec);
        };
    }

    private static Map<String, String> load(Path file) throws TableException {
        Map<String, String> m = new HashMap<>();
        String text;
        try {
            text = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new TableException("open " + file + ": " + SourceLines.reason(e), e);
        }
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            // The first entry of a name wins, as getpwnam() returns it.
            m.putIfAbsent(line.substring(0, colon), line);
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
}
