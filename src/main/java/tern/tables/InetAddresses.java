package tern.tables;

/**
 * InetAddresses - strict parsing of numeric IPv4 and IPv6 addresses, never touching DNS
 * (InetAddress.getByName would resolve a name that only looks odd).
 *
 * IPv4 is exactly four decimal octets without leading zeros: Postfix reads a leading zero as octal
 * and its CIDR code rejects such an octet, so "010.1.1.1" is not an address. IPv6 is the RFC 4291
 * text form, with "::" and an optional trailing dotted quad; zone ids ("%eth0") are refused.
 */
final class InetAddresses {
    private InetAddresses() {
    }

    /** parse - 4 or 16 bytes, or null when s is not a numeric address. */
    static byte[] parse(String s) {
        return s.indexOf(':') >= 0 ? parseV6(s) : parseV4(s);
    }

    /** parseV4 - the 4 bytes of a dotted quad, or null. */
    static byte[] parseV4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int i = 0;
        int n = s.length();
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < n && i - start < 4 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int len = i - start;
            if (len == 0 || len > 3 || value > 255 || (len > 1 && s.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
            if (part < 4) {
                if (i >= n || s.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == n ? out : null;
    }

    /** parseV6 - the 16 bytes of an IPv6 address in text form, or null. */
    static byte[] parseV6(String s) {
        int n = s.length();
        if (n < 2 || n > 45) {
            return null;
        }
        int[] groups = new int[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (i == n) {
                return new byte[16];
            }
        } else if (s.charAt(0) == ':') {
            return null;
        }
        byte[] tail4 = null;
        while (i < n) {
            if (count >= 8) {
                return null;
            }
            int start = i;
            int value = 0;
            while (i < n && i - start < 5 && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 128) {
                value = value * 16 + Character.digit(s.charAt(i), 16);
                i++;
            }
            if (i < n && s.charAt(i) == '.') {
                // A trailing dotted quad: the last 32 bits.
                if (count > 6) {
                    return null;
                }
                tail4 = parseV4(s.substring(start));
                if (tail4 == null) {
                    return null;
                }
                i = n;
                break;
            }
            int len = i - start;
            if (len == 0 || len > 4) {
                return null;
            }
            groups[count++] = value;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = count;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                return null;
            }
        }
        int words = count + (tail4 == null ? 0 : 2);
        if (gap < 0 ? words != 8 : words > 7) {
            return null;
        }
        byte[] out = new byte[16];
        int fill = 8 - words;
        int w = 0;
        for (int g = 0; g < count; g++) {
            if (g == gap) {
                w += fill;
            }
            out[2 * w] = (byte) (groups[g] >> 8);
            out[2 * w + 1] = (byte) groups[g];
            w++;
        }
        if (gap == count) {
            w += fill;
        }
        if (tail4 != null) {
            System.arraycopy(tail4, 0, out, 12, 4);
        }
        return out;
    }

    /** format - the text form Postfix prints (dotted quad, or compressed IPv6). */
    static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int g = 0; g < 8; ) {
            if (word(a, g) != 0) {
                g++;
                continue;
            }
            int s = g;
            while (g < 8 && word(a, g) == 0) {
                g++;
            }
            if (g - s > bestLen && g - s > 1) {
                bestStart = s;
                bestLen = g - s;
            }
        }
        StringBuilder b = new StringBuilder();
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                b.append("::");
                g += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(word(a, g)));
        }
        return b.toString();
    }

    private static int word(byte[] a, int g) {
        return ((a[2 * g] & 0xff) << 8) | (a[2 * g + 1] & 0xff);
    }
}
