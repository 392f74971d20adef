package tern.tables;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tern.config.Config;

/**
 * MatchList - Postfix's match lists, as postconf(5) describes them for domain lists (mydestination,
 * relay_domains, virtual_alias_domains, ...) and for host/address lists (mynetworks,
 * smtpd_client_event_limit_exceptions, debug_peer_list, ...).
 *
 * Patterns, separated by commas and/or whitespace, tried left to right; the first that matches
 * decides, "!pattern" makes that decision "no", and no match at all is "no":
 * <ul>
 * <li>"example.com" matches that name; when the parameter is listed in
 *     parent_domain_matches_subdomains it also matches its subdomains ("sub.example.com").</li>
 * <li>".example.com" matches subdomains, when the parameter is not listed there.</li>
 * <li>"/file/name" is replaced by the patterns in that file (comments and continuation lines as in
 *     table files); "!/file/name" negates each of them.</li>
 * <li>"type:table" matches when the name is a key of the table (the value is ignored). A fixed-string
 *     table is also asked for the parent domains: "b.c" then "c" of "a.b.c" with
 *     parent_domain_matches_subdomains, ".b.c" then ".c" without. Pattern tables see the full name only.</li>
 * <li>Host lists also take addresses "10.1.2.3", "[::1]", and networks "10.0.0.0/8",
 *     "[2001:db8::]/32" (an IPv6 address must be in [] here, else its ':' reads as type:table),
 *     and look up the client address in type:table patterns after its name.</li>
 * </ul>
 * Names are compared without regard to case.
 *
 * Failure, as in Postfix: a pattern that cannot be used (a missing /file/name, a bad network such as
 * "10.0.0.1/8", an unsupported table type) does not stop the list from being built; it is logged
 * once ("mynetworks: non-null host address bits in ...") and a match that reaches it throws
 * {@link TableException} with that message, as does a table that fails during a match. The caller
 * then answers 451 4.3.0 or defers, instead of guessing. Patterns before it still decide as usual.
 */
public final class MatchList {
    private enum Kind { NAME, ADDRESS, NETWORK, TABLE, ERROR }

    /** Item - one pattern; an ERROR item is a pattern that could not be used, text is why. */
    private record Item(boolean negate, Kind kind, String text, byte[] address, CidrPattern network, Table table) {
    }

    private final String parameterName;
    private final boolean parent;
    private final List<Item> items;

    private MatchList(String parameterName, boolean parent, List<Item> items) {
        this.parameterName = parameterName;
        this.parent = parent;
        this.items = items;
    }

    /** domains - a domain list (mydestination, relay_domains, virtual_*_domains, ...). */
    public static MatchList domains(String parameterName, String expandedValue, TableOpener opener)
            throws TableException {
        List<Item> items = new ArrayList<>();
        parse(parameterName, expandedValue, false, false, opener, items, 0);
        return new MatchList(parameterName, opener.parentDomainMatchesSubdomains(parameterName), List.copyOf(items));
    }

    /** hosts - a host name/address list (mynetworks, debug_peer_list, smtpd_client_* lists, ...). */
    public static MatchList hosts(String parameterName, String expandedValue, TableOpener opener)
            throws TableException {
        List<Item> items = new ArrayList<>();
        parse(parameterName, expandedValue, true, false, opener, items, 0);
        return new MatchList(parameterName, opener.parentDomainMatchesSubdomains(parameterName), List.copyOf(items));
    }

    /** parameterName - the parameter this list was built from. */
    public String parameterName() {
        return parameterName;
    }

    /** isEmpty - whether the list has no patterns at all (it then matches nothing). */
    public boolean isEmpty() {
        return items.isEmpty();
    }

    private static void parse(String param, String value, boolean hosts, boolean negated, TableOpener opener,
                              List<Item> out, int depth) throws TableException {
        if (depth > 10) {
            throw new TableException(param + ": /file/name patterns nested too deep");
        }
        for (String raw : Config.splitList(value)) {
            String item = raw;
            boolean negate = negated;
            while (item.startsWith("!")) {
                negate = !negate;
                item = item.substring(1);
            }
            if (item.isEmpty()) {
                out.add(error(param, negate, "empty pattern after '!'", opener));
                continue;
            }
            if (item.startsWith("/")) {
                List<SourceLines.Line> lines;
                try {
                    lines = SourceLines.read(Path.of(item));
                } catch (TableException e) {
                    out.add(error(param, negate, e.getMessage(), opener));
                    continue;
                }
                StringBuilder text = new StringBuilder();
                for (SourceLines.Line l : lines) {
                    text.append(l.text()).append('\n');
                }
                parse(param, text.toString(), hosts, negate, opener, out, depth + 1);
                continue;
            }
            if (item.indexOf(':') >= 0 && !(hosts && item.startsWith("["))) {
                out.add(new Item(negate, Kind.TABLE, item, null, null,
                        opener.openOrSurrogate(item, TableOpener.Options.DEFAULT)));
                continue;
            }
            if (hosts) {
                if (item.indexOf('/') >= 0) {
                    try {
                        out.add(new Item(negate, Kind.NETWORK, item, null, CidrPattern.parse(item), null));
                    } catch (TableException e) {
                        out.add(error(param, negate, e.getMessage(), opener));
                    }
                    continue;
                }
                String bare = item.startsWith("[") && item.endsWith("]") ? item.substring(1, item.length() - 1) : item;
                byte[] a = InetAddresses.parse(bare);
                if (a != null) {
                    out.add(new Item(negate, Kind.ADDRESS, item, a, null, null));
                    continue;
                }
            }
            out.add(new Item(negate, Kind.NAME, Keys.fold(item), null, null, null));
        }
    }

    private static Item error(String param, boolean negate, String why, TableOpener opener) {
        String text = param + ": " + why;
        opener.warn(text);
        return new Item(negate, Kind.ERROR, text, null, null, null);
    }

    /** matchesDomain - whether the domain (any case) is in this list. */
    public boolean matchesDomain(String domain) throws TableException {
        String name = Keys.fold(domain);
        for (Item item : items) {
            boolean hit = switch (item.kind) {
                case NAME -> nameMatches(name, item.text);
                case TABLE -> tableMatchesName(item.table, name);
                case ERROR -> throw new TableException(item.text);
                default -> false;
            };
            if (hit) {
                return !item.negate;
            }
        }
        return false;
    }

    /**
     * matchesClient - whether a client with this name ("unknown" when it has none) and address
     * matches: name patterns see the name, address and network patterns the address, and tables
     * are asked for the name (with parent domains) and then for the address.
     */
    public boolean matchesClient(String hostname, String address) throws TableException {
        String name = Keys.fold(hostname == null ? "unknown" : hostname);
        String addrText = address == null ? "" : address;
        if (addrText.startsWith("[") && addrText.endsWith("]")) {
            addrText = addrText.substring(1, addrText.length() - 1);
        }
        if (addrText.regionMatches(true, 0, "ipv6:", 0, 5)) {
            addrText = addrText.substring(5);
        }
        byte[] addr = InetAddresses.parse(addrText);
        for (Item item : items) {
            boolean hit = switch (item.kind) {
                case NAME -> nameMatches(name, item.text);
                case ADDRESS -> addr != null && java.util.Arrays.equals(addr, item.address);
                case NETWORK -> addr != null && item.network.matches(addr);
                case TABLE -> tableMatchesName(item.table, name)
                        || (!addrText.isEmpty() && lookup(item.table, addrText));
                case ERROR -> throw new TableException(item.text);
            };
            if (hit) {
                return !item.negate;
            }
        }
        return false;
    }

    private boolean nameMatches(String name, String pattern) {
        if (name.equals(pattern)) {
            return true;
        }
        if (parent) {
            // "example.com" matches "x.example.com" (a whole label boundary, never "xexample.com").
            int at = name.length() - pattern.length();
            return at > 0 && name.charAt(at - 1) == '.' && name.endsWith(pattern);
        }
        return pattern.startsWith(".") && name.length() > pattern.length() && name.endsWith(pattern);
    }

    private boolean lookup(Table table, String key) throws TableException {
        try {
            return table.lookup(key) != null;
        } catch (TableException e) {
            throw new TableException(parameterName + ": " + e.getMessage(), e);
        }
    }

    private boolean tableMatchesName(Table table, String name) throws TableException {
        if (lookup(table, name)) {
            return true;
        }
        if (!table.isFixed()) {
            return false;
        }
        int dot = name.indexOf('.', 1);
        while (dot > 0) {
            String key = parent ? name.substring(dot + 1) : name.substring(dot);
            if (!key.isEmpty() && lookup(table, key)) {
                return true;
            }
            dot = name.indexOf('.', dot + 1);
        }
        return false;
    }
}
