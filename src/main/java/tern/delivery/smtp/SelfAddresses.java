package tern.delivery.smtp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import tern.config.Config;
import tern.dns.DnsAnswer;
import tern.dns.Resolver;

/**
 * SelfAddresses - the addresses this mail system receives mail on, for mail loop detection: the
 * inet_interfaces addresses (every interface address for "all"), the proxy_interfaces addresses,
 * and the exact listening endpoints that the daemon reports. Postfix counts an MX host as itself
 * when its address is one of these and the port is the SMTP port; an address and port on which
 * this instance actually listens counts whatever the port (so that two instances on one machine,
 * on different ports, are told apart).
 */
final class SelfAddresses {
    private final Set<InetAddress> addresses;
    private final Set<InetSocketAddress> endpoints;

    SelfAddresses(Set<InetAddress> addresses, Set<InetSocketAddress> endpoints) {
        this.addresses = Set.copyOf(addresses);
        this.endpoints = Set.copyOf(endpoints);
    }

    static SelfAddresses of(Config c, Resolver dns, List<InetSocketAddress> listening) {
        Set<InetAddress> own = new HashSet<>();
        for (String name : List.of("inet_interfaces", "proxy_interfaces")) {
            for (String i : c.lowerList(name)) {
                if (i.equals("all")) {
                    own.addAll(interfaceAddresses());
                } else if (i.equals("loopback-only")) {
                    own.add(InetAddress.getLoopbackAddress());
                    DnsAnswer<InetAddress> six = dns.host("::1", false, true, false, true);
                    own.addAll(six.records());
                } else {
                    String host = i.startsWith("[") && i.endsWith("]") ? i.substring(1, i.length() - 1) : i;
                    DnsAnswer<InetAddress> a = dns.host(host, true, true, true, true);
                    own.addAll(a.records());
                }
            }
        }
        if (c.lowerList("inet_interfaces").isEmpty()) {
            own.addAll(interfaceAddresses());
        }
        Set<InetSocketAddress> eps = new HashSet<>();
        for (InetSocketAddress e : listening) {
            if (e.getAddress() != null && e.getAddress().isAnyLocalAddress()) {
                for (InetAddress a : interfaceAddresses()) {
                    eps.add(new InetSocketAddress(a, e.getPort()));
                }
            } else {
                eps.add(e);
            }
        }
        return new SelfAddresses(own, eps);
    }

    private static List<InetAddress> interfaceAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            Enumeration<NetworkInterface> nis = NetworkInterface.getNetworkInterfaces();
            while (nis != null && nis.hasMoreElements()) {
                NetworkInterface ni = nis.nextElement();
                Enumeration<InetAddress> as = ni.getInetAddresses();
                while (as.hasMoreElements()) {
                    InetAddress a = as.nextElement();
                    if (a.isLinkLocalAddress()) {
                        continue;
                    }
                    out.add(stripScope(a));
                }
            }
        } catch (SocketException e) {
            out.add(InetAddress.getLoopbackAddress());
        }
        return out;
    }

    private static InetAddress stripScope(InetAddress a) {
        try {
            return InetAddress.getByAddress(a.getAddress());
        } catch (java.net.UnknownHostException e) {
            return a;
        }
    }

    /** isSelf - whether a server at addr:port is this mail system. */
    boolean isSelf(InetAddress addr, int port) {
        if (endpoints.contains(new InetSocketAddress(addr, port))) {
            return true;
        }
        return port == 25 && addresses.contains(addr);
    }
}
