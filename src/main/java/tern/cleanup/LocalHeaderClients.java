package tern.cleanup;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Predicate;

import tern.config.Config;
import tern.tables.MatchList;
import tern.tables.Table;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * LocalHeaderClients - Postfix's local_header_rewrite_clients: which messages cleanup treats as
 * local mail, whose missing Message-Id:, Date: and From: headers it adds (with
 * always_add_missing_headers = no) and whose header addresses it rewrites in the local context
 * ({@link HeaderRewriter}). Local submission (sendmail, pickup) always is; mail that the mail
 * system makes itself (local(8) forwarding) never is (Postfix's forwarding carries the original
 * message's context instead, which Tern does not record); an SMTP client is when one of the list's
 * items matches it:
 * <ul>
 * <li>permit_inet_interfaces (the default): the client address is one of $inet_interfaces
 *     (every interface address for "all", 127.0.0.1 and ::1 for "loopback-only");</li>
 * <li>permit_mynetworks: the client address matches $mynetworks;</li>
 * <li>permit_sasl_authenticated: the client logged in with AUTH;</li>
 * <li>check_address_map type:table, or type:table alone: the table has an entry for the client
 *     address (the value is ignored; static:all therefore matches every client);</li>
 * <li>permit_tls_clientcerts, permit_tls_all_clientcerts: accepted; they match nothing while Tern
 *     has no TLS client certificates.</li>
 * </ul>
 * A word that is none of these draws Postfix's "parameter local_header_rewrite_clients: invalid
 * request: WORD" each time it is met, and matches nothing. A table that cannot answer is a warning
 * and no match (the message is then treated as remote: headers are not added, nor rewritten
 * unless remote_header_rewrite_domain is set).
 *
 * Built once per configuration snapshot (host names in inet_interfaces are resolved then);
 * thread-safe.
 */
public final class LocalHeaderClients implements Predicate<Origin> {
    private static final String PARAMETER = "local_header_rewrite_clients";

    /** Item - one list element, tried in order. */
    private sealed interface Item permits InetInterfaces, Mynetworks, Sasl, AddressMap, Never, Invalid {
    }

    private record InetInterfaces(List<byte[]> addresses) implements Item {
    }

    private record Mynetworks(MatchList list) implements Item {
    }

    private record Sasl() implements Item {
    }

    private record AddressMap(Table table) implements Item {
    }

    private record Never() implements Item {
    }

    private record Invalid(String word) implements Item {
    }

    private final List<Item> items;
    private final Consumer<String> warnings;

    private LocalHeaderClients(List<Item> items, Consumer<String> warnings) {
        this.items = items;
        this.warnings = warnings;
    }

    /**
     * of - the predicate for a configuration's local_header_rewrite_clients.
     *
     * @param config   the cleanup service's view of main.cf
     * @param tables   opens the lookup tables of the list (and of mynetworks)
     * @param warnings where warnings go ("postfix/cleanup[pid]: warning: ...")
     * @throws TableException for a table Postfix would refuse to open (an unknown type)
     */
    public static LocalHeaderClients of(Config config, TableOpener tables, Consumer<String> warnings)
            throws TableException {
        List<String> words = config.list(PARAMETER);
        List<Item> items = new ArrayList<>(words.size());
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            switch (w.toLowerCase(Locale.ROOT)) {
                case "permit_inet_interfaces" -> items.add(new InetInterfaces(interfaceAddresses(config, warnings)));
                case "permit_mynetworks" -> items.add(new Mynetworks(
                        MatchList.hosts("mynetworks", config.get("mynetworks"), tables)));
                case "permit_sasl_authenticated" -> items.add(new Sasl());
                case "permit_tls_clientcerts", "permit_tls_all_clientcerts" -> items.add(new Never());
                case "check_address_map" -> {
                    if (i + 1 < words.size() && words.get(i + 1).indexOf(':') > 0) {
                        items.add(new AddressMap(tables.open(words.get(++i))));
                    } else {
                        items.add(new Invalid(w));
                    }
                }
                default -> items.add(w.indexOf(':') > 0 ? new AddressMap(tables.open(w)) : new Invalid(w));
            }
        }
        return new LocalHeaderClients(List.copyOf(items), warnings);
    }

    /** test - whether mail from this origin gets the local treatment (missing headers added). */
    @Override
    public boolean test(Origin origin) {
        if (origin.isLocal()) {
            return true;
        }
        if (origin.isInternal() || items.isEmpty()) {
            return false;
        }
        byte[] client = addressBytes(origin.clientAddress());
        for (Item item : items) {
            boolean match = switch (item) {
                case InetInterfaces ii -> client != null && contains(ii.addresses(), client);
                case Mynetworks m -> matches(m.list(), origin);
                case Sasl s -> origin.saslUser() != null;
                case AddressMap a -> lookup(a.table(), origin.clientAddress());
                case Never n -> false;
                case Invalid v -> {
                    warnings.accept("parameter " + PARAMETER + ": invalid request: " + v.word());
                    yield false;
                }
            };
            if (match) {
                return true;
            }
        }
        return false;
    }

    private boolean matches(MatchList list, Origin origin) {
        try {
            return list.matchesClient(origin.clientName(), origin.clientAddress());
        } catch (TableException e) {
            warnings.accept(PARAMETER + ": " + e.getMessage());
            return false;
        }
    }

    private boolean lookup(Table table, String address) {
        if (address.isEmpty()) {
            return false;
        }
        try {
            return table.lookup(address) != null;
        } catch (TableException e) {
            warnings.accept(PARAMETER + ": " + table.spec() + ": " + e.getMessage());
            return false;
        }
    }

    private static boolean contains(List<byte[]> list, byte[] address) {
        for (byte[] a : list) {
            if (Arrays.equals(a, address)) {
                return true;
            }
        }
        return false;
    }

    /** addressBytes - a numeric client address (no DNS: the text is always an address), or null. */
    private static byte[] addressBytes(String text) {
        if (text.isEmpty()) {
            return null;
        }
        int pct = text.indexOf('%');
        String a = pct > 0 ? text.substring(0, pct) : text;
        if (Character.digit(a.charAt(0), 16) < 0 && a.charAt(0) != ':') {
            return null; // not an address literal: never resolve a name here
        }
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * interfaceAddresses - the addresses of $inet_interfaces: every interface address for "all",
     * the loopback addresses for "loopback-only", else each listed address or host name. A name
     * that does not resolve is a warning and adds nothing.
     */
    private static List<byte[]> interfaceAddresses(Config config, Consumer<String> warnings) {
        List<byte[]> out = new ArrayList<>();
        List<String> names = config.lowerList("inet_interfaces");
        for (String n : names.isEmpty() ? List.of("all") : names) {
            if (n.equals("all") || n.equals("loopback-only")) {
                boolean all = n.equals("all");
                try {
                    Enumeration<NetworkInterface> nis = NetworkInterface.getNetworkInterfaces();
                    while (nis != null && nis.hasMoreElements()) {
                        for (InetAddress a : Collections.list(nis.nextElement().getInetAddresses())) {
                            if (all || a.isLoopbackAddress()) {
                                out.add(a.getAddress());
                            }
                        }
                    }
                } catch (SocketException e) {
                    warnings.accept(PARAMETER + ": cannot list the network interfaces: " + e.getMessage());
                }
                continue;
            }
            String host = n.startsWith("[") && n.endsWith("]") ? n.substring(1, n.length() - 1) : n;
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    out.add(a.getAddress());
                }
            } catch (UnknownHostException e) {
                warnings.accept(PARAMETER + ": inet_interfaces: host not found: " + n);
            }
        }
        return List.copyOf(out);
    }
}
