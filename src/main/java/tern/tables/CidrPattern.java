package tern.tables;

/**
 * CidrPattern - one "address" or "network/prefix" pattern as cidr tables and host match lists
 * (mynetworks, ...) write them: "192.168.0.0/16", "10.1.2.3", "2001:db8::/32", "[::1]/128",
 * "[::1/128]" or "[::1]". Host bits under the prefix must be zero, as Postfix requires.
 *
 * A bad pattern is a {@link TableException} with Postfix's wording ("bad address pattern: "x"",
 * "bad mask length in "x"", "non-null host address bits in "x", perhaps you should use "y"
 * instead"); the caller adds where it was found.
 */
final class CidrPattern {
    private final byte[] network;
    private final int prefix;

    private CidrPattern(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /** parse - the pattern in text, or a TableException that says why not. */
    static CidrPattern parse(String text) throws TableException {
        String s = text;
        String mask = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new TableException("bad address pattern: \"" + text + "\"");
            }
            String inside = s.substring(1, close);
            String after = s.substring(close + 1);
            int slash = inside.indexOf('/');
            if (slash >= 0 && after.isEmpty()) {
                mask = inside.substring(slash + 1);
                inside = inside.substring(0, slash);
            } else if (after.startsWith("/") && slash < 0) {
                mask = after.substring(1);
            } else if (!after.isEmpty()) {
                throw new TableException("bad address pattern: \"" + text + "\"");
            }
            s = inside;
        } else {
            int slash = s.indexOf('/');
            if (slash >= 0) {
                mask = s.substring(slash + 1);
                s = s.substring(0, slash);
            }
        }
        byte[] addr = InetAddresses.parse(s);
        if (addr == null) {
            throw new TableException("bad address pattern: \"" + text + "\"");
        }
        int bits = addr.length * 8;
        if (mask == null) {
            return new CidrPattern(addr, bits);
        }
        int len = parseMask(mask, bits);
        if (len < 0) {
            throw new TableException("bad mask length in \"" + text + "\"");
        }
        byte[] net = clearHostBits(addr, len);
        if (!java.util.Arrays.equals(net, addr)) {
            String suggestion = InetAddresses.format(net) + "/" + len;
            if (text.startsWith("[")) {
                suggestion = "[" + InetAddresses.format(net) + "]/" + len;
            }
            throw new TableException("non-null host address bits in \"" + text + "\", perhaps you should use \""
                    + suggestion + "\" instead");
        }
        return new CidrPattern(net, len);
    }

    private static int parseMask(String m, int max) {
        if (m.isEmpty() || m.length() > 3) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v > max ? -1 : v;
    }

    static byte[] clearHostBits(byte[] addr, int prefix) {
        byte[] b = addr.clone();
        for (int i = 0; i < b.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
            b[i] &= (byte) (0xff << (8 - bitsHere));
        }
        return b;
    }

    /** length - 4 for IPv4, 16 for IPv6. */
    int length() {
        return network.length;
    }

    /** matches - whether the address (4 or 16 bytes) lies in this network; families never mix. */
    boolean matches(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xff << (8 - rest)) & 0xff;
        return (address[full] & m) == (network[full] & 0xff);
    }
}
