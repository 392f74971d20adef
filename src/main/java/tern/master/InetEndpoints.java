package tern.master;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import tern.config.Config;
import tern.config.ConfigException;

/**
 * InetEndpoints - the socket addresses an inet service of master.cf listens on, as master(5) says:
 * the service name is "port" or "host:port" ("[v6addr]:port" for IPv6), where port is a number or
 * a name from /etc/services; without a host, the service listens on every address in
 * inet_interfaces ("all" means the wildcard address), filtered by inet_protocols.
 */
public final class InetEndpoints {
    private InetEndpoints() {
    }

    /** of - where the service named name listens, under config. */
    public static List<InetSocketAddress> of(String name, Config config) throws ConfigException {
        String host = null;
        String port = name;
        if (name.startsWith("[")) {
            int close = name.indexOf("]:");
            if (close < 0) {
                throw new ConfigException("master.cf: bad inet service name: " + name);
            }
            host = name.substring(1, close);
            port = name.substring(close + 2);
        } else {
            int colon = name.lastIndexOf(':');
            if (colon >= 0) {
                host = name.substring(0, colon);
                port = name.substring(colon + 1);
            }
        }
        int p = port(port);
        boolean v4 = true;
        boolean v6 = true;
        List<String> protocols = config.lowerList("inet_protocols");
        if (!protocols.contains("all")) {
            v4 = protocols.contains("ipv4");
            v6 = protocols.contains("ipv6");
        }
        List<InetSocketAddress> out = new ArrayList<>();
        if (host != null && !host.isEmpty()) {
            for (InetAddress a : addresses(host, v4, v6)) {
                out.add(new InetSocketAddress(a, p));
            }
            return out;
        }
        List<String> interfaces = config.lowerList("inet_interfaces");
        if (interfaces.isEmpty() || interfaces.contains("all")) {
            // one dual-stack wildcard socket when IPv6 is wanted, else the IPv4 wildcard
            out.add(new InetSocketAddress(wildcard(v6), p));
            return out;
        }
        for (String i : interfaces) {
            List<InetAddress> as = i.equals("loopback-only")
                    ? List.of(InetAddress.getLoopbackAddress(), loopback6())
                    : addresses(i, v4, v6);
            for (InetAddress a : as) {
                if ((a instanceof Inet4Address && v4) || (a instanceof Inet6Address && v6)) {
                    InetSocketAddress sa = new InetSocketAddress(a, p);
                    if (!out.contains(sa)) {
                        out.add(sa);
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new ConfigException("no usable address for service " + name + " in inet_interfaces = "
                    + config.get("inet_interfaces") + " with inet_protocols = " + config.get("inet_protocols"));
        }
        return out;
    }

    private static InetAddress wildcard(boolean v6) {
        try {
            return InetAddress.getByName(v6 ? "::" : "0.0.0.0");
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress loopback6() {
        try {
            return InetAddress.getByName("::1");
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<InetAddress> addresses(String host, boolean v4, boolean v6) throws ConfigException {
        try {
            List<InetAddress> out = new ArrayList<>();
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if ((a instanceof Inet4Address && v4) || (a instanceof Inet6Address && v6)) {
                    out.add(a);
                }
            }
            if (out.isEmpty()) {
                throw new ConfigException("host not found: " + host);
            }
            return out;
        } catch (UnknownHostException e) {
            throw new ConfigException("host not found: " + host);
        }
    }

    /** port - a port number or a TCP service name from /etc/services. */
    static int port(String text) throws ConfigException {
        if (!text.isEmpty() && text.chars().allMatch(Character::isDigit) && text.length() <= 5) {
            int p = Integer.parseInt(text);
            if (p > 0 && p < 65536) {
                return p;
            }
        }
        String want = text.toLowerCase(Locale.ROOT);
        try {
            for (String line : Files.readAllLines(Path.of("/etc/services"))) {
                String l = line.strip();
                int hash = l.indexOf('#');
                if (hash >= 0) {
                    l = l.substring(0, hash);
                }
                String[] w = l.split("\\s+");
                if (w.length < 2 || !w[1].endsWith("/tcp")) {
                    continue;
                }
                for (int k = 0; k < w.length; k++) {
                    if (k != 1 && w[k].equals(want)) {
                        return Integer.parseInt(w[1].substring(0, w[1].indexOf('/')));
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the built-in names
        }
        return switch (want) {
            case "smtp" -> 25;
            case "submission" -> 587;
            case "smtps", "submissions" -> 465;
            default -> throw new ConfigException("unknown service: " + text + "/tcp");
        };
    }
}
