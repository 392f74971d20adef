package tern.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

/**
 * Networks - the default mynetworks, computed from mynetworks_style as postconf(5) describes:
 * "host" lists only this machine's addresses, "subnet" the subnets of its interfaces, "class" the
 * whole class A/B/C networks. Loopback is always included. Output uses Postfix's notation
 * ("127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128").
 */
public final class Networks {
    private Networks() {
    }

    static String defaultMynetworks(String style) {
        List<String> nets = new ArrayList<>();
        nets.add("127.0.0.0/8");
        List<String> v6 = new ArrayList<>();
        v6.add("[::ffff:127.0.0.0]/104");
        v6.add("[::1]/128");
        try {
            Enumeration<NetworkInterface> ifs = NetworkInterface.getNetworkInterfaces();
            while (ifs != null && ifs.hasMoreElements()) {
                NetworkInterface ni = ifs.nextElement();
                if (!ni.isUp()) {
                    continue;
                }
                for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                    InetAddress a = ia.getAddress();
                    if (a.isLoopbackAddress() || a.isLinkLocalAddress()) {
                        continue;
                    }
                    int prefix = switch (style == null ? "host" : style) {
                        case "subnet" -> ia.getNetworkPrefixLength();
                        case "class" -> a instanceof Inet4Address ? classPrefix(a) : ia.getNetworkPrefixLength();
                        default -> a instanceof Inet4Address ? 32 : 128;
                    };
                    String net = network(a, prefix);
                    List<String> target = a instanceof Inet6Address ? v6 : nets;
                    if (!target.contains(net)) {
                        target.add(net);
                    }
                }
            }
        } catch (SocketException e) {
            // no interface list: loopback only
        }
        nets.addAll(v6);
        return String.join(" ", nets);
    }

    private static int classPrefix(InetAddress a) {
        int first = a.getAddress()[0] & 0xff;
        return first < 128 ? 8 : first < 192 ? 16 : 24;
    }

    /** network - "a.b.c.d/len" or "[v6::]/len" with host bits cleared. */
    public static String network(InetAddress a, int prefix) {
        byte[] b = a.getAddress().clone();
        for (int i = 0; i < b.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
            b[i] &= (byte) (0xff << (8 - bitsHere));
        }
        try {
            InetAddress n = InetAddress.getByAddress(b);
            String text = n.getHostAddress();
            if (n instanceof Inet6Address) {
                text = text.replaceAll("(^|:)(0(:|$)){2,}", "::").replaceFirst("%.*$", "");
                return "[" + text + "]/" + prefix;
            }
            return text + "/" + prefix;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
