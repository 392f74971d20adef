package tern.rewrite;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import tern.tables.AddressLookup;
import tern.tables.TableException;

/**
 * VirtualAlias - virtual_alias_maps expansion of one recipient (virtual(5)): an address found in
 * the tables is replaced by the addresses of its entry, each of which is looked up again, to any
 * depth; an address not found is a final recipient. An entry that lists its own address keeps it
 * as a final recipient without looking it up again ("user@x  user@x, other@y").
 *
 * Limits, as Postfix's: nesting deeper than virtual_alias_recursion_limit, more final recipients
 * than virtual_alias_expansion_limit, or a result address longer than
 * virtual_alias_address_length_limit refuse the message for now ("unreasonable virtual_alias_maps
 * map nesting for ADDR -- message not accepted, try again later"). An address that reappears below
 * itself (a -> b -> a) is such a loop and is reported at once rather than after the whole
 * recursion limit. Duplicate final recipients are listed once.
 */
final class VirtualAlias {
    /** ExpansionException - the expansion went past a limit; the message is refused for now. */
    static final class ExpansionException extends Exception {
        private static final long serialVersionUID = 1L;

        ExpansionException(String message) {
            super(message);
        }
    }

    private final AddressMaps maps;
    private final LocalDomains local;
    private final ResultAddress results;
    private final boolean propagate;
    private final int recursionLimit;
    private final int expansionLimit;
    private final int lengthLimit;

    VirtualAlias(AddressMaps maps, LocalDomains local, ResultAddress results, boolean propagate, int recursionLimit,
                 int expansionLimit, int lengthLimit) {
        this.maps = maps;
        this.local = local;
        this.results = results;
        this.propagate = propagate;
        this.recursionLimit = recursionLimit <= 0 ? 1000 : recursionLimit;
        this.expansionLimit = expansionLimit <= 0 ? 1000 : expansionLimit;
        this.lengthLimit = lengthLimit <= 0 ? Integer.MAX_VALUE : lengthLimit;
    }

    boolean isEmpty() {
        return maps.isEmpty();
    }

    /** found - whether the address has an entry (smtpd accepts such a recipient). */
    boolean found(String address) throws TableException {
        return !maps.isEmpty() && maps.find(address, local) != null;
    }

    /** expand - the final recipients of address (itself when it has no entry). */
    List<String> expand(String address) throws TableException, ExpansionException {
        if (maps.isEmpty()) {
            return List.of(address);
        }
        Set<String> out = new LinkedHashSet<>();
        Deque<String> above = new ArrayDeque<>();
        expand(address, address, 0, above, out);
        return List.copyOf(out);
    }

    private void expand(String original, String address, int depth, Deque<String> above, Set<String> out)
            throws TableException, ExpansionException {
        if (depth > recursionLimit) {
            throw nesting(original);
        }
        AddressLookup.Result r = maps.find(address, local);
        if (r == null) {
            add(original, address, out);
            return;
        }
        List<String> values = AddressMappings.split(r.value());
        String lower = address.toLowerCase(Locale.ROOT);
        above.push(lower);
        try {
            for (int i = 0; i < values.size(); i++) {
                String v = values.get(i);
                if (v.startsWith("@") && i > 0) {
                    continue; // "@domain" means the same user only as the first address of an entry
                }
                String target = results.make(v, address, r.unmatchedExtension(), propagate);
                if (target.length() > lengthLimit) {
                    throw new ExpansionException("unreasonable virtual_alias_maps result length " + target.length()
                            + " for " + original + " -- message not accepted, try again later");
                }
                String t = target.toLowerCase(Locale.ROOT);
                if (t.equals(lower)) {
                    add(original, target, out); // an entry may keep its own address: final, not a loop
                } else if (above.contains(t)) {
                    throw nesting(original);
                } else {
                    expand(original, target, depth + 1, above, out);
                }
            }
        } finally {
            above.pop();
        }
    }

    private void add(String original, String address, Set<String> out) throws ExpansionException {
        out.add(address);
        if (out.size() > expansionLimit) {
            throw new ExpansionException("unreasonable virtual_alias_maps map expansion size for " + original
                    + " -- message not accepted, try again later");
        }
    }

    private static ExpansionException nesting(String original) {
        return new ExpansionException("unreasonable virtual_alias_maps map nesting for " + original
                + " -- message not accepted, try again later");
    }
}
