package tern.smtpd;

import java.util.List;
import java.util.Locale;

import tern.config.Config;
import tern.tables.Table;
import tern.tables.TableException;

/**
 * AccessRestriction - check_client_access, check_helo_access, check_sender_access and
 * check_recipient_access: look the subject up in an access(5) table and act on the first result.
 *
 * Keys, in Postfix's order (a pattern table - regexp, pcre, cidr - gets only the full name and
 * address, a fixed-string table also the shorter forms):
 * <ul>
 * <li>client: its name, then its parent domains; then its address, then the address with the least
 *     significant octets (IPv4) or groups (IPv6) taken off;</li>
 * <li>helo: the name, then its parent domains;</li>
 * <li>sender, recipient: user@domain, then domain and its parent domains, then "user@"; the null
 *     sender is looked up as $smtpd_null_access_lookup_key.</li>
 * </ul>
 * Parent domains are "example.com" for "sub.example.com" when smtpd_access_maps is in
 * parent_domain_matches_subdomains (the default), else ".example.com".
 *
 * Results: OK (or a number) permits, DUNNO goes on, REJECT/DEFER [text] reject with
 * access_map_reject_code/access_map_defer_code, "4NN/5NN [x.y.z] text" rejects with that reply,
 * anything else is read as a list of restrictions. Actions that Tern does not implement yet (HOLD,
 * DISCARD, FILTER, REDIRECT, PREPEND, ...) are answered as Postfix answers a broken table entry:
 * a warning and "451 4.3.5 Server configuration error", so that mail is not quietly treated as if
 * the entry were not there. A table that fails throws TableException.
 */
final class AccessRestriction implements Restriction {
    enum Target { CLIENT, HELO, SENDER, RECIPIENT }

    private final Target target;
    private final Table table;
    private final int depth;

    AccessRestriction(Target target, Table table, int depth) {
        this.target = target;
        this.table = table;
        this.depth = depth;
    }

    @Override
    public Verdict check(Check c) throws TableException {
        boolean parent = c.checks.opener().parentDomainMatchesSubdomains("smtpd_access_maps");
        String value = switch (target) {
            case CLIENT -> lookupClient(c.s, parent);
            case HELO -> c.s.helo == null ? null : lookupDomain(SmtpAddress.lower(c.s.helo), parent);
            case SENDER -> c.s.sender == null ? null : lookupAddress(c, c.s.sender, parent);
            case RECIPIENT -> c.s.recipient == null ? null : lookupAddress(c, c.s.recipient, parent);
        };
        if (value == null) {
            return Verdict.DUNNO;
        }
        return act(c, value.strip());
    }

    private ListKind kind() {
        return switch (target) {
            case CLIENT -> ListKind.CLIENT;
            case HELO -> ListKind.HELO;
            case SENDER -> ListKind.SENDER;
            case RECIPIENT -> ListKind.RECIPIENT;
        };
    }

    private String lookupClient(CheckState s, boolean parent) throws TableException {
        String v = lookupDomain(SmtpAddress.lower(s.clientName), parent);
        if (v != null) {
            return v;
        }
        String addr = s.clientAddress;
        v = table.lookup(addr);
        if (v != null || !table.isFixed()) {
            return v;
        }
        char sep = addr.indexOf(':') >= 0 ? ':' : '.';
        int cut = addr.lastIndexOf(sep);
        while (cut > 0) {
            String key = addr.substring(0, cut);
            if (!key.endsWith(String.valueOf(sep))) {
                v = table.lookup(key);
                if (v != null) {
                    return v;
                }
            }
            cut = addr.lastIndexOf(sep, cut - 1);
        }
        return null;
    }

    /** lookupDomain - the name, then (fixed tables only) its parent domains. */
    private String lookupDomain(String name, boolean parent) throws TableException {
        String v = table.lookup(name);
        if (v != null || !table.isFixed()) {
            return v;
        }
        int dot = name.indexOf('.');
        while (dot >= 0 && dot < name.length() - 1) {
            v = table.lookup(parent ? name.substring(dot + 1) : name.substring(dot));
            if (v != null) {
                return v;
            }
            dot = name.indexOf('.', dot + 1);
        }
        return null;
    }

    private String lookupAddress(Check c, String address, boolean parent) throws TableException {
        if (address.isEmpty()) {
            return table.lookup(c.checks.nullAccessLookupKey());
        }
        String v = table.lookup(address);
        if (v != null || !table.isFixed()) {
            return v;
        }
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        v = lookupDomain(SmtpAddress.lower(address.substring(at + 1)), parent);
        if (v != null) {
            return v;
        }
        return table.lookup(address.substring(0, at + 1));
    }

    private Verdict act(Check c, String value) throws TableException {
        int sp = value.indexOf(' ');
        String action = (sp < 0 ? value : value.substring(0, sp)).toUpperCase(Locale.ROOT);
        String text = sp < 0 ? "" : value.substring(sp + 1).strip();
        ListKind kind = kind();
        if (action.equals("OK") || allDigits(action) && action.length() != 3) {
            return Verdict.PERMIT;
        }
        switch (action) {
            case "DUNNO":
                return Verdict.DUNNO;
            case "REJECT":
                return c.reject(c.checks.code("access_map_reject_code"), "5.7.1", kind,
                        text.isEmpty() ? "Access denied" : text);
            case "DEFER":
                return c.reject(c.checks.code("access_map_defer_code"), "4.7.1", kind,
                        text.isEmpty() ? "Access denied" : text);
            case "HOLD", "DISCARD", "FILTER", "REDIRECT", "PREPEND", "BCC", "WARN", "INFO", "DEFER_IF_PERMIT",
                 "DEFER_IF_REJECT":
                c.warning("access table " + table.spec() + ": action " + action + " is not implemented by Tern");
                return Verdict.reject("451 4.3.5 Server configuration error");
            default:
                break;
        }
        if (action.length() == 3 && (action.charAt(0) == '4' || action.charAt(0) == '5') && allDigits(action)) {
            String dsn = action.charAt(0) + ".7.1";
            if (isDsn(text, action.charAt(0))) {
                int end = text.indexOf(' ');
                dsn = end < 0 ? text : text.substring(0, end);
                text = end < 0 ? "" : text.substring(end + 1).strip();
            }
            return Verdict.reject(action + " " + dsn + " <" + kind.what(c.s) + ">: " + kind.rejected + ": "
                    + (text.isEmpty() ? "Access denied" : text));
        }
        if (allDigits(action)) {
            return Verdict.PERMIT; // an all-numerical result is OK, for historical reasons
        }
        // a list of restrictions, evaluated in place of this entry
        if (depth >= 10) {
            c.warning("access table " + table.spec() + ": restrictions nested too deep");
            return Verdict.reject("451 4.3.5 Server configuration error");
        }
        List<String> words = Config.splitList(value);
        return RestrictionList.compile(c.list, words, c.checks, depth + 1).evaluate(c);
    }

    private static boolean allDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** isDsn - "x.y.z" at the start of text, with x the class of the reply code. */
    private static boolean isDsn(String text, char klass) {
        int end = text.indexOf(' ');
        String d = end < 0 ? text : text.substring(0, end);
        if (d.length() < 5 || d.charAt(0) != klass || d.charAt(1) != '.') {
            return false;
        }
        int dots = 0;
        for (int i = 1; i < d.length(); i++) {
            char ch = d.charAt(i);
            if (ch == '.') {
                dots++;
            } else if (ch < '0' || ch > '9') {
                return false;
            }
        }
        return dots == 2 && !d.endsWith(".");
    }
}
