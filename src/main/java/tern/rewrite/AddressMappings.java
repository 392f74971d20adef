package tern.rewrite;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import tern.cleanup.AddressMapping;
import tern.log.Logger;
import tern.tables.AddressLookup;
import tern.tables.TableException;

/**
 * AddressMappings - what cleanup does to envelope addresses before they are queued, in Postfix's
 * order (ADDRESS_REWRITING_README, "Address rewriting when mail is received"):
 * <ol>
 * <li>standard form ({@link CanonicalForm});</li>
 * <li>canonical mapping: sender_canonical_maps (senders) or recipient_canonical_maps (recipients),
 *     then canonical_maps, for the classes canonical_classes, sender_canonical_classes and
 *     recipient_canonical_classes allow. A mapping is applied again to its result until the result
 *     maps to itself or to nothing (at most 10 rounds, as Postfix);</li>
 * <li>address masquerading for the classes in masquerade_classes (envelope_sender by default);</li>
 * <li>for recipients, virtual alias expansion ({@link VirtualAlias}).</li>
 * </ol>
 * Results of a table lookup are put in standard form too; "@domain" as a result means the same user
 * in that domain; an address extension dropped to find an entry is put back into the result when
 * propagate_unmatched_extensions lists "canonical" (or "virtual", for virtual aliases).
 *
 * Addresses that cleanup finds in message headers come through {@link #headerAddress}: steps 1-3
 * for the classes header_sender and header_recipient, as Postfix's cleanup_rewrite_sender and
 * cleanup_rewrite_recip do; the standard form there is that of the local context, or of the remote
 * one (remote_header_rewrite_domain in place of $myorigin and $mydomain). Cleanup decides which
 * headers and which messages. receive_override_options=no_address_mappings turns all of this off
 * but the standard form.
 *
 * Failure: a table that cannot answer, or a mapping that nests too deep or grows too large, throws
 * IOException; cleanup then refuses the message with a temporary error, as Postfix's cleanup does
 * ("451 4.6.0 Alias expansion error" in Postfix), and the reason is logged as a warning.
 */
public final class AddressMappings implements AddressMapping {
    private static final int MAP11_ROUNDS = 10;

    private final CanonicalForm canonical;
    private final CanonicalForm remoteCanonical;
    private final LocalDomains local;
    private final AddressMaps senderCanonical;
    private final AddressMaps recipientCanonical;
    private final AddressMaps canonicalMaps;
    private final Set<String> canonicalClasses;
    private final Set<String> senderCanonicalClasses;
    private final Set<String> recipientCanonicalClasses;
    private final Masquerade masquerade;
    private final Set<String> masqueradeClasses;
    private final VirtualAlias virtual;
    private final boolean propagateCanonical;
    private final ResultAddress results;
    private final boolean noAddressMappings;
    private final Logger log;

    AddressMappings(CanonicalForm canonical, CanonicalForm remoteCanonical, LocalDomains local, AddressMaps senderCanonical,
                    AddressMaps recipientCanonical, AddressMaps canonicalMaps, Set<String> canonicalClasses,
                    Set<String> senderCanonicalClasses, Set<String> recipientCanonicalClasses, Masquerade masquerade,
                    Set<String> masqueradeClasses, VirtualAlias virtual, boolean propagateCanonical, String delimiters,
                    boolean noAddressMappings, Logger log) {
        this.canonical = canonical;
        this.remoteCanonical = remoteCanonical;
        this.local = local;
        this.senderCanonical = senderCanonical;
        this.recipientCanonical = recipientCanonical;
        this.canonicalMaps = canonicalMaps;
        this.canonicalClasses = canonicalClasses;
        this.senderCanonicalClasses = senderCanonicalClasses;
        this.recipientCanonicalClasses = recipientCanonicalClasses;
        this.masquerade = masquerade;
        this.masqueradeClasses = masqueradeClasses;
        this.virtual = virtual;
        this.propagateCanonical = propagateCanonical;
        this.results = new ResultAddress(canonical, delimiters);
        this.noAddressMappings = noAddressMappings;
        this.log = log;
    }

    @Override
    public String sender(String address) throws IOException {
        if (address.isEmpty()) {
            return address;
        }
        String a = canonical.rewrite(address);
        if (noAddressMappings) {
            return a;
        }
        try {
            if (senderCanonicalClasses.contains("envelope_sender")) {
                a = map11(senderCanonical, a);
            }
            if (canonicalClasses.contains("envelope_sender")) {
                a = map11(canonicalMaps, a);
            }
        } catch (TableException e) {
            throw failure(e);
        }
        if (masqueradeClasses.contains("envelope_sender")) {
            a = masquerade.apply(a);
        }
        return a;
    }

    @Override
    public List<String> recipients(String address) throws IOException {
        String a = canonical.rewrite(address);
        if (noAddressMappings) {
            return List.of(a);
        }
        try {
            if (recipientCanonicalClasses.contains("envelope_recipient")) {
                a = map11(recipientCanonical, a);
            }
            if (canonicalClasses.contains("envelope_recipient")) {
                a = map11(canonicalMaps, a);
            }
            if (masqueradeClasses.contains("envelope_recipient")) {
                a = masquerade.apply(a);
            }
            return virtual.expand(a);
        } catch (TableException e) {
            throw failure(e);
        } catch (VirtualAlias.ExpansionException e) {
            log.warning(e.getMessage());
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String headerAddress(String address, boolean sender, boolean remote) throws IOException {
        String a = (remote ? remoteCanonical : canonical).rewrite(address);
        if (noAddressMappings || a.isEmpty()) {
            return a;
        }
        String headerClass = sender ? "header_sender" : "header_recipient";
        try {
            if ((sender ? senderCanonicalClasses : recipientCanonicalClasses).contains(headerClass)) {
                a = map11(sender ? senderCanonical : recipientCanonical, a);
            }
            if (canonicalClasses.contains(headerClass)) {
                a = map11(canonicalMaps, a);
            }
        } catch (TableException e) {
            throw failure(e);
        }
        if (masqueradeClasses.contains(headerClass)) {
            a = masquerade.apply(a);
        }
        return a;
    }

    private IOException failure(TableException e) {
        log.warning(e.getMessage());
        return new IOException(e.getMessage(), e);
    }

    /** canonical - the standard form only (what smtpd and the resolver start from). */
    public String canonical(String address) {
        return canonical.rewrite(address);
    }

    /** map11 - one-to-one mapping, applied to its own result until it settles. */
    String map11(AddressMaps maps, String address) throws TableException, IOException {
        if (maps.isEmpty()) {
            return address;
        }
        String current = address;
        Set<String> seen = new HashSet<>();
        for (int round = 0; round < MAP11_ROUNDS; round++) {
            AddressLookup.Result r = maps.find(current, local);
            if (r == null) {
                return current;
            }
            List<String> values = split(r.value());
            if (values.isEmpty()) {
                return current;
            }
            String next = results.make(values.get(0), current, r.unmatchedExtension(), propagateCanonical);
            if (next.equalsIgnoreCase(current) || !seen.add(next.toLowerCase(Locale.ROOT))) {
                return next;
            }
            current = next;
        }
        String m = "unreasonable " + maps.parameter() + " map nesting for " + address
                + " -- message not accepted, try again later";
        log.warning(m);
        throw new IOException(m);
    }

    /** split - a table result with several addresses: comma or white space separated, quotes kept whole. */
    static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                cur.append(c);
            } else if (!quoted && (c == ',' || Character.isWhitespace(c))) {
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }
}
