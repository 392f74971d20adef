package tern.rewrite;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import tern.config.Config;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * LocalDomains - which domains are this machine's: the local address class. A domain is local
 * when mydestination lists it, or when it is an address literal ("[192.0.2.1]", "[ipv6:::1]") of
 * one of the addresses in inet_interfaces or proxy_interfaces ("all" means every address of every
 * interface; "loopback-only" the loopback addresses). Host names in those parameters are looked
 * up once when the snapshot is built.
 *
 * For table lookups by bare user name (virtual(5), canonical(5): "user" matches user@site when
 * site is local), $myorigin also counts: {@link #isLocalForLookup}.
 */
public final class LocalDomains {
    private final DomainList mydestination;
    private final Set<InetAddress> interfaces;
    private final String myorigin;

    LocalDomains(DomainList mydestination, Set<InetAddress> interfaces, String myorigin) {
        this.mydestination = mydestination;
        this.interfaces = interfaces;
        this.myorigin = myorigin.toLowerCase(Locale.ROOT);
    }

    static LocalDomains of(Config c, TableOpener opener) {
        Set<InetAddress> addrs = new HashSet<>();
        addInterfaces(c.list("inet_interfaces"), addrs);
        addInterfaces(c.list("proxy_interfaces"), addrs);
        String origin = c.get("myorigin");
        return new LocalDomains(DomainList.of("mydestination", c.get("mydestination"), opener), Set.copyOf(addrs),
                origin.isEmpty() ? c.get("myhostname") : origin);
    }

    private static void addInterfaces(List<String> values, Set<InetAddress> out) {
        for (String v : values) {
            String s = v.toLowerCase(Locale.ROOT);
            if (s.equals("all") || s.equals("loopback-only")) {
                boolean loopbackOnly = s.equals("loopback-only");
                try {
                    Enumeration<NetworkInterface> nis = NetworkInterface.getNetworkInterfaces();
                    while (nis != null && nis.hasMoreElements()) {
                        NetworkInterface ni = nis.nextElement();
                        Enumeration<InetAddress> as = ni.getInetAddresses();
                        while (as.hasMoreElements()) {
                            InetAddress a = as.nextElement();
                            if (!loopbackOnly || a.isLoopbackAddress()) {
                                out.add(strip(a));
                            }
                        }
                    }
                } catch (SocketException e) {
                    // no interface list: only the loopback addresses below
                }
                out.add(InetAddress.getLoopbackAddress());
                continue;
            }
            InetAddress literal = literal(s);
            if (literal != null) {
                out.add(literal);
                continue;
            }
            try {
                for (InetAddress a : InetAddress.getAllByName(s)) {
                    out.add(strip(a));
                }
            } catch (UnknownHostException | SecurityException e) {
                // a name that does not resolve names no address of ours
            }
        }
    }

    /** strip - an address without its scope (fe80::1%eth0 compares as fe80::1). */
    private static InetAddress strip(InetAddress a) {
        try {
            return InetAddress.getByAddress(a.getAddress());
        } catch (UnknownHostException e) {
            return a;
        }
    }

    /** literal - a numeric address (no DNS), or null. Accepts "[...]" and the "ipv6:" prefix. */
    static InetAddress literal(String text) {
        String s = text;
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.regionMatches(true, 0, "ipv6:", 0, 5)) {
            s = s.substring(5);
        }
        if (s.isEmpty() || s.indexOf('%') >= 0) {
            return null;
        }
        boolean plausible = true;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (!(Character.digit(ch, 16) >= 0 || ch == '.' || ch == ':')) {
                plausible = false;
                break;
            }
        }
        if (!plausible || (s.indexOf(':') < 0 && s.chars().filter(ch -> ch == '.').count() != 3)) {
            return null;
        }
        try {
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** isDestination - whether the domain is final destination here (the local address class). */
    public boolean isDestination(String domain) throws TableException {
        if (domain.startsWith("[") && domain.endsWith("]")) {
            InetAddress a = literal(domain);
            return a != null && interfaces.contains(a);
        }
        return mydestination.matches(domain);
    }

    /** isLocalForLookup - isDestination, or $myorigin: where "user" table keys apply. */
    public boolean isLocalForLookup(String domain) throws TableException {
        return domain.toLowerCase(Locale.ROOT).equals(myorigin) || isDestination(domain);
    }
}
