package tern.rewrite;

/**
 * ResultAddress - an address from a table result (canonical(5), virtual(5)) made ready for use, as
 * those manuals say under "RESULT ADDRESS REWRITING": "@otherdomain" means the looked-up user in
 * otherdomain; the standard form is applied (append_at_myorigin, append_dot_mydomain); and an
 * address extension that was dropped to find the entry is put back (propagate_unmatched_extensions).
 */
final class ResultAddress {
    private final CanonicalForm canonical;
    private final String delimiters;

    ResultAddress(CanonicalForm canonical, String delimiters) {
        this.canonical = canonical;
        this.delimiters = delimiters == null ? "" : delimiters;
    }

    /** make - value (one address of a result) for the looked-up address. */
    String make(String value, String lookedUp, String unmatchedExtension, boolean propagate) {
        String v = value;
        if (v.startsWith("@")) {
            int at = CanonicalForm.domainAt(lookedUp);
            v = (at < 0 ? lookedUp : lookedUp.substring(0, at)) + v;
        }
        v = canonical.rewrite(v);
        if (propagate && unmatchedExtension != null) {
            v = withExtension(v, unmatchedExtension);
        }
        return v;
    }

    /** withExtension - "user@domain" with "+ext" becomes "user+ext@domain" (unless it has one already). */
    String withExtension(String address, String extension) {
        int at = CanonicalForm.domainAt(address);
        String localPart = at < 0 ? address : address.substring(0, at);
        for (int i = 1; i < localPart.length(); i++) {
            if (delimiters.indexOf(localPart.charAt(i)) >= 0) {
                return address;
            }
        }
        return at < 0 ? address + extension : localPart + extension + address.substring(at);
    }
}
