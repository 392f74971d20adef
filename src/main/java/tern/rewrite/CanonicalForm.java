package tern.rewrite;

import tern.config.Config;

/**
 * CanonicalForm - trivial-rewrite's "local" rewriting context: an address made into the standard
 * user@fully.qualified.domain form before any table sees it (ADDRESS_REWRITING_README, "Rewrite
 * addresses to standard form"):
 * <ol>
 * <li>a source route is dropped: "@hosta,@hostb:user@site" becomes "user@site";</li>
 * <li>swap_bangpath: "site!user" becomes "user@site" (the first "!" of an address without "@");</li>
 * <li>allow_percent_hack: "user%domain" becomes "user@domain" (the last "%" of an address without "@");</li>
 * <li>append_at_myorigin: "user" becomes "user@$myorigin";</li>
 * <li>append_dot_mydomain: "user@host" becomes "user@host.$mydomain" (not for [address] literals);</li>
 * <li>one trailing dot of the domain is removed ("user@site." becomes "user@site").</li>
 * </ol>
 * The null address "" stays "". An "@" inside a quoted local part does not count as the domain
 * separator. Pure string work: no tables, never fails.
 */
public final class CanonicalForm {
    private final String myorigin;
    private final String mydomain;
    private final boolean appendAtMyorigin;
    private final boolean appendDotMydomain;
    private final boolean swapBangpath;
    private final boolean percentHack;

    public CanonicalForm(String myorigin, String mydomain, boolean appendAtMyorigin, boolean appendDotMydomain,
                         boolean swapBangpath, boolean percentHack) {
        this.myorigin = myorigin;
        this.mydomain = mydomain;
        this.appendAtMyorigin = appendAtMyorigin;
        this.appendDotMydomain = appendDotMydomain;
        this.swapBangpath = swapBangpath;
        this.percentHack = percentHack;
    }

    /** of - the rewriting of a configuration snapshot. */
    public static CanonicalForm of(Config c) {
        String origin = c.get("myorigin");
        return new CanonicalForm(origin.isEmpty() ? c.get("myhostname") : origin, c.get("mydomain"),
                c.bool("append_at_myorigin"), c.bool("append_dot_mydomain"), c.bool("swap_bangpath"),
                c.bool("allow_percent_hack"));
    }

    /**
     * remote - the rewriting of the remote context (headers of mail from other clients):
     * remote_header_rewrite_domain stands for both $myorigin and $mydomain, as in trivial-rewrite.
     * Cleanup does not use it when that parameter is empty.
     */
    public static CanonicalForm remote(Config c) {
        String domain = c.get("remote_header_rewrite_domain");
        return new CanonicalForm(domain, domain, c.bool("append_at_myorigin"), c.bool("append_dot_mydomain"),
                c.bool("swap_bangpath"), c.bool("allow_percent_hack"));
    }

    public boolean percentHack() {
        return percentHack;
    }

    public boolean swapBangpath() {
        return swapBangpath;
    }

    /** rewrite - the standard form of address. */
    public String rewrite(String address) {
        if (address == null || address.isEmpty()) {
            return "";
        }
        String a = stripRoute(address.strip());
        int at = domainAt(a);
        if (at < 0 && swapBangpath) {
            int bang = unquotedIndexOf(a, '!');
            if (bang > 0 && bang < a.length() - 1) {
                a = a.substring(bang + 1) + "@" + a.substring(0, bang);
                at = domainAt(a);
            }
        }
        if (at < 0 && percentHack) {
            int pct = lastUnquotedIndexOf(a, '%');
            if (pct > 0 && pct < a.length() - 1) {
                a = a.substring(0, pct) + "@" + a.substring(pct + 1);
                at = domainAt(a);
            }
        }
        if (at < 0) {
            return appendAtMyorigin && !myorigin.isEmpty() ? a + "@" + myorigin : a;
        }
        String local = a.substring(0, at);
        String domain = a.substring(at + 1);
        if (domain.endsWith(".") && !domain.endsWith("..")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (appendDotMydomain && !domain.isEmpty() && domain.indexOf('.') < 0 && !domain.startsWith("[")
                && !mydomain.isEmpty()) {
            domain = domain + "." + mydomain;
        }
        return local + "@" + domain;
    }

    /** stripRoute - "@a,@b:user@site" is "user@site". */
    static String stripRoute(String a) {
        if (!a.startsWith("@")) {
            return a;
        }
        int colon = a.indexOf(':');
        return colon > 0 && colon < a.length() - 1 ? a.substring(colon + 1) : a;
    }

    /** domainAt - where the "@" before the domain is, or -1; an "@" in a quoted local part does not count. */
    public static int domainAt(String a) {
        return lastUnquotedIndexOf(a, '@');
    }

    static int unquotedIndexOf(String a, char c) {
        boolean quoted = false;
        for (int i = 0; i < a.length(); i++) {
            char ch = a.charAt(i);
            if (ch == '\\' && quoted) {
                i++;
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == c && !quoted) {
                return i;
            }
        }
        return -1;
    }

    static int lastUnquotedIndexOf(String a, char c) {
        boolean quoted = false;
        int last = -1;
        for (int i = 0; i < a.length(); i++) {
            char ch = a.charAt(i);
            if (ch == '\\' && quoted) {
                i++;
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == c && !quoted) {
                last = i;
            }
        }
        return last;
    }
}
