package tern.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Networks - the default mynetworks, computed as Postfix does from mynetworks_style,
 * inet_interfaces and inet_protocols: the addresses Postfix listens on (every interface for
 * "all", 127.0.0.1 and ::1 for "loopback-only", else the listed addresses or host names), each
 * as itself ("host": a /32 or /128), its interface's subnet ("subnet") or its class A/B/C network
 * ("class"; IPv6 uses the subnet). IPv4 networks come first, then IPv6 ones as "[net]/len",
 * without duplicates; link-local networks are included, as Postfix includes them.
 *
 * Failure: ConfigException with Postfix's messages ("unknown mynetworks mask style value ...",
 * "unknown inet_protocols value ...", "config variable inet_interfaces: host not found: ...",
 * "parameter inet_interfaces: no local interface found for ...").
 */
public final class Networks {
    private Networks() {
    }

    /** checkStyle - mynetworks_style must be host, subnet or class. */
    static String checkStyle(String style) throws ConfigException {
        String s = TextFile.trim(style).toLowerCase(Locale.ROOT);
        if (!s.equals("host") && !s.equals("subnet") && !s.equals("class")) {
            throw new ConfigException("unknown mynetworks mask style value \"" + TextFile.trim(style) + "\" in \""
                    + style + "\"");
        }
        return s;
    }

    /** protocols - {ipv4, ipv6} from inet_protocols ("all", "ipv4", "ipv6", comma or space separated). */
    static boolean[] protocols(String value) throws ConfigException {
        boolean v4 = false;
        boolean v6 = false;
        for (String p : Config.splitList(value)) {
            switch (p.toLowerCase(Locale.ROOT)) {
                case "all" -> {
                    v4 = true;
                    v6 = true;
                }
                case "ipv4" -> v4 = true;
                case "ipv6" -> v6 = true;
                default -> throw new ConfigException("unknown inet_protocols value \"" + p + "\" in \"" + value + "\"");
            }
        }
        return new boolean[] {v4, v6};
    }

    /** defaultMynetworks - the mynetworks value Postfix computes when main.cf does not set it. */
    static String defaultMynetworks(String style, String interfaces, String protocols) throws ConfigException {
        return compute(checkStyle(style), interfaces, protocols(protocols), MachineDefaults.interfaces());
    }

    static String compute(String style, String interfaces, boolean[] protocols,
                          List<MachineDefaults.Address> local) throws ConfigException {
        List<MachineDefaults.Address> chosen = listening(interfaces, protocols, local);
        List<String> v4 = new ArrayList<>();
        List<String> v6 = new ArrayList<>();
        for (MachineDefaults.Address a : chosen) {
            boolean isV4 = a.address() instanceof Inet4Address;
            int prefix = switch (style) {
                case "subnet" -> a.prefix();
                case "class" -> isV4 ? classPrefix(a.address()) : a.prefix();
                default -> isV4 ? 32 : 128;
            };
            String net = network(a.address(), prefix);
            List<String> target = isV4 ? v4 : v6;
            if (!target.contains(net)) {
                target.add(net);
            }
        }
        v4.addAll(v6);
        return String.join(" ", v4);
    }

    /** listening - the local addresses that inet_interfaces selects, with their prefix lengths. */
    private static List<MachineDefaults.Address> listening(String interfaces, boolean[] protocols,
                                                           List<MachineDefaults.Address> local) throws ConfigException {
        List<MachineDefaults.Address> out = new ArrayList<>();
        List<String> items = Config.splitList(interfaces);
        boolean all = false;
        boolean loopback = false;
        for (String item : items) {
            String i = item.toLowerCase(Locale.ROOT);
            all |= i.equals("all");
            loopback |= i.equals("loopback-only");
        }
        if (all || items.isEmpty()) {
            for (MachineDefaults.Address a : local) {
                if (wanted(a.address(), protocols)) {
                    out.add(a);
                }
            }
            return out;
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String item : items) {
            if (item.equalsIgnoreCase("loopback-only")) {
                addresses.add(InetAddress.getLoopbackAddress());
                try {
                    addresses.add(InetAddress.getByName("::1"));
                } catch (UnknownHostException e) {
                    // no IPv6 support: IPv4 loopback only
                }
                continue;
            }
            String host = item.startsWith("[") && item.endsWith("]") ? item.substring(1, item.length() - 1) : item;
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    addresses.add(a);
                }
            } catch (UnknownHostException e) {
                throw new ConfigException("config variable inet_interfaces: host not found: " + item);
            }
        }
        for (InetAddress want : addresses) {
            if (!wanted(want, protocols)) {
                continue;
            }
            MachineDefaults.Address found = null;
            for (MachineDefaults.Address a : local) {
                if (a.address().equals(want) || sameAddress(a.address(), want)) {
                    found = a;
                    break;
                }
            }
            if (found == null) {
                if (loopback && want.isLoopbackAddress()) {
                    continue; // loopback-only on a host without that loopback family
                }
                throw new ConfigException("parameter inet_interfaces: no local interface found for "
                        + text(want));
            }
            out.add(found);
        }
        return out;
    }

    private static boolean sameAddress(InetAddress a, InetAddress b) {
        return java.util.Arrays.equals(a.getAddress(), b.getAddress());
    }

    private static boolean wanted(InetAddress a, boolean[] protocols) {
        return a instanceof Inet4Address ? protocols[0] : protocols[1];
    }

    private static int classPrefix(InetAddress a) {
        int first = a.getAddress()[0] & 0xff;
        return first < 128 ? 8 : first < 192 ? 16 : 24;
    }

    /** network - "a.b.c.d/len" or "[v6::]/len" with host bits cleared, IPv6 written as inet_ntop does. */
    public static String network(InetAddress a, int prefix) {
        byte[] b = a.getAddress().clone();
        for (int i = 0; i < b.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
            b[i] &= (byte) (0xff << (8 - bitsHere));
        }
        if (b.length == 4) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff) + "/" + prefix;
        }
        return "[" + ipv6Text(b) + "]/" + prefix;
    }

    /** ipv6Text - RFC 5952 text: lower-case hex, the first longest run of two or more zero groups as "::". */
    static String ipv6Text(byte[] b) {
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
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }

    /**
     * text - an address as Postfix prints it: dotted quad, or RFC 5952 IPv6 without brackets. The
     * one formatting for logs, replies and messages (smtpd's client address, the smtp client's relay=).
     */
    public static String text(InetAddress a) {
        return a instanceof Inet6Address ? ipv6Text(a.getAddress()) : a.getHostAddress();
    }
}
