package tern.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Addresses - numeric IP address parsing and printing without any name lookup (InetAddress.getByName
 * would ask the name service for anything that is not an address literal).
 */
public final class Addresses {
    private Addresses() {
    }

    /**
     * parseNumeric - an IPv4 dotted quad or an IPv6 literal (without brackets, an optional "%scope"
     * is not accepted), or null when text is not a numeric address.
     */
    public static InetAddress parseNumeric(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return null;
        }
        if (text.indexOf(':') >= 0) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
                        || c == '.';
                if (!ok) {
                    return null;
                }
            }
            try {
                InetAddress a = InetAddress.getByName(text); // a literal: no lookup happens
                return a;
            } catch (UnknownHostException | IllegalArgumentException e) {
                return null;
            }
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3) {
                return null;
            }
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                char c = p.charAt(k);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** text - the numeric form Postfix prints: dotted quad, or compressed IPv6 without brackets. */
    public static String text(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            // longest run of zero 16-bit groups becomes "::" (RFC 5952)
            int[] g = new int[8];
            for (int i = 0; i < 8; i++) {
                g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
            }
            int bestStart = -1;
            int bestLen = 0;
            for (int i = 0; i < 8; ) {
                if (g[i] != 0) {
                    i++;
                    continue;
                }
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen && j - i >= 2) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            }
            StringBuilder sb = new StringBuilder(39);
            for (int i = 0; i < 8; i++) {
                if (i == bestStart) {
                    sb.append(i == 0 ? "::" : ":");
                    i += bestLen - 1;
                    continue;
                }
                sb.append(Integer.toHexString(g[i]));
                if (i < 7) {
                    sb.append(':');
                }
            }
            return sb.toString();
        }
        return a.getHostAddress();
    }

    public static boolean isV4(InetAddress a) {
        return a instanceof Inet4Address;
    }
}
