package tern.delivery.pipe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PipeAttributes - the command attributes of a pipe(8) service in master.cf: flags=, user=
 * (user:group), directory=, eol=, null_sender=, size=, argv= (the rest of the line). Parsed once per
 * service; a bad entry gives a {@link PipeConfigException} with Postfix's message ("unknown flag",
 * "missing user= command-line attribute", "user= command-line attribute specifies root
 * privileges", ...), which the agent logs as fatal and answers with a deferral.
 *
 * User and group names are looked up in /etc/passwd and /etc/group, then through getent(1) for
 * other name services.
 */
record PipeAttributes(String flags, String userName, int uid, int gid, String directory, String eol,
                      String nullSender, long sizeLimit, List<String> argv) {

    /** PipeConfigException - a master.cf pipe entry that cannot be used; the message is Postfix's. */
    static final class PipeConfigException extends Exception {
        PipeConfigException(String message) {
            super(message);
        }
    }

    static final String FLAGS = "BDFORXhqu.>";

    boolean flag(char c) {
        return flags.indexOf(c) >= 0;
    }

    /** parse - the attributes of a pipe entry; mailOwner and setgidGroup are refused as users. */
    static PipeAttributes parse(List<String> args, String mailOwner, String setgidGroup) throws PipeConfigException {
        StringBuilder flags = new StringBuilder();
        String user = null;
        String group = null;
        String directory = null;
        String eol = "\n";
        String nullSender = "MAILER-DAEMON";
        long size = 0;
        List<String> argv = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String lower = a.toLowerCase(Locale.ROOT);
            if (lower.startsWith("flags=")) {
                for (char c : a.substring(6).toCharArray()) {
                    if (FLAGS.indexOf(c) < 0) {
                        throw new PipeConfigException("unknown flag: " + c + " (ignored)");
                    }
                    if (flags.indexOf(String.valueOf(c)) < 0) {
                        flags.append(c);
                    }
                }
            } else if (lower.startsWith("user=")) {
                user = a.substring(5);
                int colon = user.indexOf(':');
                if (colon >= 0) {
                    group = user.substring(colon + 1);
                    user = user.substring(0, colon);
                    if (group.isEmpty()) {
                        group = null;
                    }
                }
            } else if (lower.startsWith("directory=")) {
                directory = a.substring(10);
            } else if (lower.startsWith("chroot=")) {
                throw new PipeConfigException("chroot= command-line attribute is not supported by Tern");
            } else if (lower.startsWith("eol=")) {
                eol = unescape(a.substring(4));
            } else if (lower.startsWith("null_sender=")) {
                nullSender = a.substring(12);
            } else if (lower.startsWith("size=")) {
                String v = a.substring(5);
                if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(Character::isDigit)) {
                    throw new PipeConfigException("get_service_attr: bad size= value: " + v);
                }
                size = Long.parseLong(v);
            } else if (lower.startsWith("argv=")) {
                argv = new ArrayList<>();
                argv.add(a.substring(5));
                argv.addAll(args.subList(i + 1, args.size()));
                break;
            } else {
                throw new PipeConfigException("unknown attribute name: " + a);
            }
        }
        if (user == null) {
            throw new PipeConfigException("missing user= command-line attribute");
        }
        if (argv == null || argv.get(0).isEmpty()) {
            throw new PipeConfigException("missing argv= command-line attribute");
        }
        long[] pw = passwd(user);
        if (pw == null) {
            throw new PipeConfigException("get_service_attr: unknown username: " + user);
        }
        int uid = (int) pw[0];
        int gid = (int) pw[1];
        if (group != null) {
            Long g = group(group);
            if (g == null) {
                throw new PipeConfigException("get_service_attr: unknown group: " + group);
            }
            gid = (int) (long) g;
        }
        if (uid == 0) {
            throw new PipeConfigException("user= command-line attribute specifies root privileges");
        }
        long[] owner = passwd(mailOwner);
        if (owner != null && owner[0] == uid) {
            throw new PipeConfigException("user= command-line attribute specifies mail system owner " + mailOwner);
        }
        if (gid == 0) {
            throw new PipeConfigException("user= command-line attribute specifies privileged group id 0");
        }
        if (owner != null && owner[1] == gid) {
            throw new PipeConfigException("user= command-line attribute specifies mail system owner " + mailOwner
                    + " group id " + gid);
        }
        Long sgid = setgidGroup.isEmpty() ? null : group(setgidGroup);
        if (sgid != null && sgid == gid) {
            throw new PipeConfigException("user= command-line attribute specifies mail system " + setgidGroup
                    + " group id " + gid);
        }
        return new PipeAttributes(flags.toString(), user, uid, gid, directory, eol, nullSender, size, List.copyOf(argv));
    }

    /** unescape - C escapes in eol=: \a \b \f \n \r \t \v \ddd \\. */
    static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                sb.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case '\\' -> sb.append('\\');
                default -> {
                    if (n >= '0' && n <= '7') {
                        int v = 0;
                        int k = 0;
                        while (k < 3 && i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7') {
                            v = v * 8 + (s.charAt(i) - '0');
                            i++;
                            k++;
                        }
                        i--;
                        sb.append((char) (v & 0xff));
                    } else {
                        sb.append(n);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** passwd - uid and gid of a user name, or null when unknown. */
    static long[] passwd(String user) {
        String line = entry(Path.of("/etc/passwd"), user, "passwd");
        if (line == null) {
            return null;
        }
        String[] f = line.split(":", -1);
        if (f.length < 4) {
            return null;
        }
        try {
            return new long[]{Long.parseLong(f[2]), Long.parseLong(f[3])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** group - the gid of a group name (or a number), or null when unknown. */
    static Long group(String name) {
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit) && name.length() < 10) {
            return Long.parseLong(name);
        }
        String line = entry(Path.of("/etc/group"), name, "group");
        if (line == null) {
            return null;
        }
        String[] f = line.split(":", -1);
        try {
            return f.length >= 3 ? Long.parseLong(f[2]) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String entry(Path file, String name, String database) {
        if (name.isEmpty() || name.indexOf(':') >= 0 || name.indexOf('\n') >= 0) {
            return null;
        }
        try {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (l.startsWith(name + ":")) {
                    return l;
                }
            }
        } catch (IOException e) {
            // fall through to getent
        }
        try {
            Process p = new ProcessBuilder("getent", database, name).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readNBytes(4096);
            if (p.waitFor() == 0) {
                String l = new String(out, StandardCharsets.UTF_8).strip();
                return l.startsWith(name + ":") ? l : null;
            }
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }
}
