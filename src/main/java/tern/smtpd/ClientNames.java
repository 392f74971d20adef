package tern.smtpd;

import java.net.InetAddress;
import java.time.Duration;

/**
 * ClientNames - the client's host name as smtpd logs and checks it: the reverse (PTR) name of its
 * address, but only when a forward lookup of that name gives the address back; "unknown" otherwise.
 * An interface so that the lookup can move to the dns package without touching smtpd.
 */
@FunctionalInterface
public interface ClientNames {
    String UNKNOWN = "unknown";

    /** nameOf - the verified name, or {@link #UNKNOWN}; never blocks much longer than its own limit. */
    String nameOf(InetAddress address);

    /**
     * system - the JDK resolver (/etc/hosts, then DNS as nsswitch says). Java's reverse lookup already
     * confirms the name with a forward lookup (it returns the address text when that fails). The
     * lookup runs on its own virtual thread: a resolver that hangs costs the session at most limit,
     * after which the client is "unknown", as after a DNS timeout in Postfix.
     */
    static ClientNames system(Duration limit) {
        return address -> {
            String[] result = new String[1];
            Thread t = Thread.ofVirtual().start(() -> result[0] = address.getCanonicalHostName());
            try {
                if (!t.join(limit)) {
                    return UNKNOWN;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return UNKNOWN;
            }
            String name = result[0];
            if (name == null || name.isEmpty() || name.equals(address.getHostAddress()) || !isHostName(name)) {
                return UNKNOWN;
            }
            return name;
        };
    }

    /** isHostName - letters, digits, '-', '_' and dots: a PTR that is not a host name is not used. */
    private static boolean isHostName(String name) {
        boolean letter = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isLetter(c) && c < 128) {
                letter = true;
            } else if (!(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_') {
                return false;
            }
        }
        return letter;
    }
}
