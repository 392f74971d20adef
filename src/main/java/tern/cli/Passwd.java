package tern.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Passwd - who a user id is, from /etc/passwd: the login name (sendmail's default sender, as
 * Postfix takes it from getpwuid) and the full name (the GECOS field up to its first comma, "&"
 * standing for the capitalised login name). Users known only to NSS modules (LDAP, ...) are not
 * found; sendmail then says so, as Postfix does for a uid without a name.
 */
final class Passwd {
    /** Entry - a user's login name and full name ("" when the GECOS field is empty). */
    record Entry(String name, String fullName) {
    }

    private Passwd() {
    }

    /** byUid - the entry of uid, or null. */
    static Entry byUid(int uid) {
        return byUid(Path.of("/etc/passwd"), uid);
    }

    static Entry byUid(Path file, int uid) {
        if (uid < 0) {
            return null;
        }
        String want = Integer.toString(uid);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split(":", -1);
                if (f.length >= 5 && f[2].equals(want) && !f[0].isEmpty()) {
                    return new Entry(f[0], gecosName(f[4], f[0]));
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    static String gecosName(String gecos, String login) {
        int comma = gecos.indexOf(',');
        String n = comma >= 0 ? gecos.substring(0, comma) : gecos;
        if (n.indexOf('&') >= 0) {
            String cap = login.isEmpty() ? login : Character.toUpperCase(login.charAt(0)) + login.substring(1);
            n = n.replace("&", cap);
        }
        return n.strip();
    }
}
