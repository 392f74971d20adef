package tern.rewrite;

import java.util.Locale;

import tern.tables.Maps;
import tern.tables.TableException;

/**
 * TransportMap - transport_maps as transport(5) describes them: the recipient address is looked up
 * as "user+ext@domain" (every table), then, in fixed-string tables only, "user@domain" (when there
 * was an extension), "domain", its parent domains (".parent", or "parent" when transport_maps is
 * listed in parent_domain_matches_subdomains), and finally "*". Pattern tables (regexp, pcre) see
 * the whole address only. The first answer wins; a failing table throws.
 */
final class TransportMap {
    private final Maps maps;
    private final boolean parentMatches;
    private final String delimiters;

    TransportMap(Maps maps, boolean parentMatches, String delimiters) {
        this.maps = maps;
        this.parentMatches = parentMatches;
        this.delimiters = delimiters == null ? "" : delimiters;
    }

    boolean isEmpty() {
        return maps.isEmpty();
    }

    /** find - the route for address (user@domain in standard form), or null when no entry applies. */
    Route find(String address) throws TableException {
        if (maps.isEmpty()) {
            return null;
        }
        String v = maps.find(address);
        int at = CanonicalForm.domainAt(address);
        String domain = at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
        if (v == null && at > 0) {
            String local = address.substring(0, at);
            int ext = extensionAt(local);
            if (ext > 0) {
                v = maps.findFixed(local.substring(0, ext) + "@" + domain);
            }
        }
        if (v == null && !domain.isEmpty()) {
            v = maps.findFixed(domain);
            int dot = domain.indexOf('.', 1);
            while (v == null && dot > 0) {
                v = maps.findFixed(parentMatches ? domain.substring(dot + 1) : domain.substring(dot));
                dot = domain.indexOf('.', dot + 1);
            }
        }
        if (v == null) {
            v = maps.findFixed("*");
        }
        return v == null ? null : Route.parse(v);
    }

    /** extensionAt - where "+ext" starts in a local part, or -1 (never for postmaster/MAILER-DAEMON). */
    private int extensionAt(String local) {
        if (delimiters.isEmpty() || local.equalsIgnoreCase("postmaster") || local.equalsIgnoreCase("MAILER-DAEMON")) {
            return -1;
        }
        for (int i = 1; i < local.length(); i++) {
            if (delimiters.indexOf(local.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
