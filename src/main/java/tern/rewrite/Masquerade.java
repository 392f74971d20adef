package tern.rewrite;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Masquerade - masquerade_domains: hide hosts inside a domain behind the domain. The list is tried
 * left to right and the first pattern that concerns the address decides: "example.com" turns
 * "user@any.thing.example.com" into "user@example.com" (the domain itself stays as it is);
 * "!foo.example.com" leaves foo.example.com and its subdomains alone. User names in
 * masquerade_exceptions (compared without case) are never masqueraded.
 */
final class Masquerade {
    private final List<String> domains;
    private final Set<String> exceptions;

    Masquerade(List<String> domains, Set<String> exceptions) {
        this.domains = domains;
        this.exceptions = exceptions;
    }

    boolean isEmpty() {
        return domains.isEmpty();
    }

    /** apply - the masqueraded address, or the address itself. */
    String apply(String address) {
        if (domains.isEmpty()) {
            return address;
        }
        int at = CanonicalForm.domainAt(address);
        if (at <= 0) {
            return address;
        }
        String local = address.substring(0, at);
        if (exceptions.contains(local.toLowerCase(Locale.ROOT))) {
            return address;
        }
        String domain = address.substring(at + 1).toLowerCase(Locale.ROOT);
        for (String pattern : domains) {
            boolean negate = pattern.startsWith("!");
            String p = (negate ? pattern.substring(1) : pattern).toLowerCase(Locale.ROOT);
            if (p.startsWith(".")) {
                p = p.substring(1);
            }
            if (p.isEmpty()) {
                continue;
            }
            if (domain.equals(p)) {
                return address;
            }
            if (domain.endsWith("." + p)) {
                return negate ? address : local + "@" + p;
            }
        }
        return address;
    }
}
