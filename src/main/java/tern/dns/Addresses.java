package tern.dns;

import java.net.Inet4Address;
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
        return tern.config.Networks.text(a);
    }

    public static boolean isV4(InetAddress a) {
        return a instanceof Inet4Address;
    }
}
