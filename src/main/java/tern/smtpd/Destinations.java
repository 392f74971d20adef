package tern.smtpd;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;

import tern.config.Config;
import tern.tables.MatchList;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * Destinations - the address class of a recipient domain, as Postfix's trivial-rewrite resolves it
 * for smtpd's relay and recipient checks: local ($mydestination, or an address literal of
 * $inet_interfaces / $proxy_interfaces), virtual alias, virtual mailbox, relay ($relay_domains), or
 * default (somewhere else: relaying). The rewrite package's resolve step knows the same classes (and
 * more: transport_maps); smtpd keeps this small copy so that relay control needs nothing wired in.
 *
 * Failure: building it throws TableException for a bad list (unsupported table type); classifying
 * throws it when a table in a list cannot answer.
 */
final class Destinations {
    enum AddressClass { LOCAL, VIRTUAL_ALIAS, VIRTUAL_MAILBOX, RELAY, DEFAULT }

    private final MatchList mydestination;
    private final MatchList virtualAlias;
    private final MatchList virtualMailbox;
    private final MatchList relay;
    private final List<byte[]> interfaces;
    private final String myorigin;

    Destinations(Config c, TableOpener opener) throws TableException {
        mydestination = MatchList.domains("mydestination", c.get("mydestination"), opener);
        virtualAlias = MatchList.domains("virtual_alias_domains", c.get("virtual_alias_domains"), opener);
        virtualMailbox = MatchList.domains("virtual_mailbox_domains", c.get("virtual_mailbox_domains"), opener);
        relay = MatchList.domains("relay_domains", c.get("relay_domains"), opener);
        List<byte[]> addrs = new ArrayList<>();
        addInterfaces(addrs, c.list("inet_interfaces"));
        addInterfaces(addrs, c.list("proxy_interfaces"));
        interfaces = List.copyOf(addrs);
        myorigin = SmtpAddress.lower(c.get("myorigin"));
    }

    /** classify - the class of a domain (any case); "" stands for $myorigin, as for "user" alone. */
    AddressClass classify(String domain) throws TableException {
        String d = domain.isEmpty() ? myorigin : SmtpAddress.lower(domain);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.startsWith("[")) {
            return isInterfaceLiteral(d) ? AddressClass.LOCAL : AddressClass.DEFAULT;
        }
        if (mydestination.matchesDomain(d)) {
            return AddressClass.LOCAL;
        }
        if (virtualAlias.matchesDomain(d)) {
            return AddressClass.VIRTUAL_ALIAS;
        }
        if (virtualMailbox.matchesDomain(d)) {
            return AddressClass.VIRTUAL_MAILBOX;
        }
        if (relay.matchesDomain(d)) {
            return AddressClass.RELAY;
        }
        return AddressClass.DEFAULT;
    }

    private boolean isInterfaceLiteral(String literal) {
        if (!SmtpAddress.validLiteral(literal)) {
            return false;
        }
        String inner = literal.substring(1, literal.length() - 1);
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            inner = inner.substring(5);
        }
        try {
            byte[] a = InetAddress.getByName(inner).getAddress();
            for (byte[] b : interfaces) {
                if (Arrays.equals(a, b)) {
                    return true;
                }
            }
        } catch (UnknownHostException e) {
            // a literal that validLiteral accepted always parses; nothing to do
        }
        return false;
    }

    private static void addInterfaces(List<byte[]> out, List<String> names) {
        for (String n : names) {
            String name = n.toLowerCase(java.util.Locale.ROOT);
            if (name.equals("all") || name.equals("loopback-only")) {
                try {
                    Enumeration<NetworkInterface> ifs = NetworkInterface.getNetworkInterfaces();
                    while (ifs != null && ifs.hasMoreElements()) {
                        NetworkInterface ni = ifs.nextElement();
                        for (InetAddress a : java.util.Collections.list(ni.getInetAddresses())) {
                            if (name.equals("all") || a.isLoopbackAddress()) {
                                out.add(a.getAddress());
                            }
                        }
                    }
                } catch (SocketException e) {
                    // no interface list: no local literals
                }
                continue;
            }
            String host = name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    out.add(a.getAddress());
                }
            } catch (UnknownHostException e) {
                // an interface that does not resolve has no literal to match
            }
        }
    }
}
