package tern.delivery.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Destination - one next-hop destination in the forms smtp(8) and lmtp(8) accept:
 * <pre>
 *   example.com            MX lookup, port 25 (SMTP)
 *   example.com:2525       MX lookup, another port
 *   [mail.example.com]     the host's own addresses, no MX lookup
 *   [192.0.2.1]:2525       an address (also [2001:db8::1] and [ipv6:2001:db8::1])
 *   inet:host:port         LMTP over TCP (the "inet:" prefix is optional); no MX lookups for LMTP
 *   unix:/path/to/socket   LMTP over a UNIX-domain socket
 * </pre>
 * A next hop may list several destinations separated by commas or white space (Postfix 3.5). The
 * port is a number or a name from the few well-known ones (smtp, submission, lmtp, ...).
 *
 * @param host   the host or domain, brackets removed ("" for unix)
 * @param port   the TCP port
 * @param mx     whether to look up MX records
 * @param unix   the socket path for unix:, else null
 * @param text   the destination as written (for messages)
 */
record Destination(String host, int port, boolean mx, String unix, String text) {

    /** split - the destinations of a next hop list. */
    static List<String> split(String nexthop) {
        List<String> out = new ArrayList<>();
        for (String s : nexthop.split("[,\\s]+")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * parse - one destination; useMx is false when DNS is disabled (then names are looked up as
     * hosts). Returns null for a malformed destination.
     */
    static Destination parse(String dest, boolean lmtp, int defaultPort, boolean useMx) {
        String d = dest;
        if (lmtp && d.startsWith("unix:")) {
            String path = d.substring(5);
            return path.isEmpty() ? null : new Destination("", 0, false, path, dest);
        }
        if (lmtp && d.startsWith("inet:")) {
            d = d.substring(5);
        }
        String host;
        String portText = null;
        boolean bracket = d.startsWith("[");
        if (bracket) {
            int close = d.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = d.substring(1, close);
            String rest = d.substring(close + 1);
            if (!rest.isEmpty()) {
                if (rest.charAt(0) != ':') {
                    return null;
                }
                portText = rest.substring(1);
            }
            if (host.regionMatches(true, 0, "ipv6:", 0, 5)) {
                host = host.substring(5);
            }
        } else {
            int colon = d.lastIndexOf(':');
            if (colon >= 0) {
                if (d.indexOf(':') != colon) {
                    return null; // a bare IPv6 address must be written in brackets
                }
                host = d.substring(0, colon);
                portText = d.substring(colon + 1);
            } else {
                host = d;
            }
        }
        if (host.isEmpty() || host.length() > 255) {
            return null;
        }
        int port = defaultPort;
        if (portText != null) {
            port = port(portText);
            if (port <= 0) {
                return null;
            }
        }
        return new Destination(host, port, !lmtp && !bracket && useMx, null, dest);
    }

    /** port - a port number or a well-known service name, -1 when neither. */
    static int port(String s) {
        if (s.isEmpty() || s.length() > 12) {
            return -1;
        }
        boolean digits = true;
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                digits = false;
                break;
            }
        }
        if (digits) {
            int v = s.length() > 5 ? -1 : Integer.parseInt(s);
            return v > 0 && v < 65536 ? v : -1;
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "smtp" -> 25;
            case "submission" -> 587;
            case "smtps", "submissions" -> 465;
            case "lmtp" -> 24;
            default -> -1;
        };
    }

    /** cacheKey - the logical destination under which the first good session is cached. */
    String cacheKey() {
        if (unix != null) {
            return "unix:" + unix;
        }
        return (mx ? "mx:" : "host:") + host.toLowerCase(Locale.ROOT) + ":" + port;
    }
}
