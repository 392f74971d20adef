package tern.tables;

import java.util.Locale;
import java.util.function.Predicate;

/**
 * AddressLookup - Postfix's address lookup in a table list (virtual(5), canonical(5), access(5)
 * recipient/sender checks, local_recipient_maps...). For "user+ext@domain" with
 * recipient_delimiter "+" the queries are, in order, the first answer winning:
 * <ol>
 * <li>"user+ext@domain" - every table, pattern tables too (they see only this full address);</li>
 * <li>"user@domain" - fixed-string tables only, and only when there was an extension;</li>
 * <li>"user+ext", then "user" - only when the domain is local (the caller's predicate: Postfix uses
 *     $myorigin, $mydestination, $inet_interfaces, $proxy_interfaces), or the address has no domain;</li>
 * <li>"@domain".</li>
 * </ol>
 * Fixed-string tables fold the keys to lower case themselves. recipient_delimiter may list several
 * characters (any of them splits); the localpart is split at the first one found, but never for
 * postmaster, MAILER-DAEMON, owner-* or *-request (the last two when '-' is a delimiter), nor when
 * the delimiter is the first character. A failing table ends the lookup with its TableException.
 */
public final class AddressLookup {
    /**
     * Result - what was found: the value, the key that found it, and the extension (with its
     * delimiter, e.g. "+ext") that was dropped to find it, or null when the key kept it; virtual
     * alias expansion appends that extension to the result (propagate_unmatched_extensions).
     */
    public record Result(String value, String key, String unmatchedExtension) {
    }

    private final Maps maps;
    private final String delimiters;

    public AddressLookup(Maps maps, String recipientDelimiter) {
        this.maps = maps;
        this.delimiters = recipientDelimiter == null ? "" : recipientDelimiter;
    }

    public Maps maps() {
        return maps;
    }

    /** find - the first answer for address, or null; isLocalDomain gets the domain in lower case. */
    public Result find(String address, Predicate<String> isLocalDomain) throws TableException {
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        String domain = at < 0 ? null : address.substring(at + 1);
        if (domain != null && domain.isEmpty()) {
            domain = null;
        }
        int split = extensionAt(local);
        String bareLocal = split < 0 ? local : local.substring(0, split);
        String ext = split < 0 ? null : local.substring(split);
        String suffix = domain == null ? "" : "@" + domain;

        String v = maps.find(address);
        if (v != null) {
            return new Result(v, address, null);
        }
        if (ext != null) {
            String key = bareLocal + suffix;
            v = maps.findFixed(key);
            if (v != null) {
                return new Result(v, key, ext);
            }
        }
        if (domain != null && isLocalDomain.test(domain.toLowerCase(Locale.ROOT))) {
            if (ext != null) {
                v = maps.findFixed(local);
                if (v != null) {
                    return new Result(v, local, null);
                }
            }
            v = maps.findFixed(bareLocal);
            if (v != null) {
                return new Result(v, bareLocal, ext);
            }
        }
        if (domain != null) {
            String key = "@" + domain;
            v = maps.findFixed(key);
            if (v != null) {
                return new Result(v, key, null);
            }
        }
        return null;
    }

    /** lookup - find()'s value only. */
    public String lookup(String address, Predicate<String> isLocalDomain) throws TableException {
        Result r = find(address, isLocalDomain);
        return r == null ? null : r.value();
    }

    /** extensionAt - where the extension (with its delimiter) starts in the localpart, or -1. */
    int extensionAt(String local) {
        if (delimiters.isEmpty() || local.isEmpty()) {
            return -1;
        }
        if (local.equalsIgnoreCase("postmaster") || local.equalsIgnoreCase("MAILER-DAEMON")) {
            return -1;
        }
        String lower = local.toLowerCase(Locale.ROOT);
        if (delimiters.indexOf('-') >= 0 && (lower.startsWith("owner-") || (lower.endsWith("-request")
                && lower.length() > 8))) {
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
