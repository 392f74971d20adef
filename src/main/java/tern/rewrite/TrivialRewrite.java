package tern.rewrite;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import tern.config.Config;
import tern.log.Logger;
import tern.tables.Maps;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * TrivialRewrite - trivial-rewrite(8) for one configuration snapshot: the standard form of
 * addresses, the address mappings cleanup applies ({@link #mappings}), the resolve step the queue
 * manager asks ({@link #resolve}), and the recipient check smtpd asks ({@link #validator}).
 *
 * <h2>Resolve</h2>
 * The recipient is put in standard form; a local domain whose local part still routes elsewhere
 * ("user%host@local" with allow_percent_hack, "host!user@local" with swap_bangpath) is stripped
 * and the rest resolved again. Then the address class of the domain decides the default
 * (ADDRESS_CLASS_README), in this order:
 * <ol>
 * <li>local (mydestination, or [address] of inet_interfaces/proxy_interfaces): local_transport,
 *     next hop its own or $myhostname;</li>
 * <li>virtual alias domain: every address there must have been aliased away by cleanup, so one
 *     that is still here is "User unknown in virtual alias table" (error transport, 5.1.1);</li>
 * <li>virtual_mailbox_domains: virtual_transport, next hop its own or the recipient domain;</li>
 * <li>relay_domains: relay_transport, next hop its own, else relayhost, else the domain;</li>
 * <li>any other: default_transport, next hop its own, else relayhost, else the domain.</li>
 * </ol>
 * transport_maps then override ({@link TransportMap}; transport(5) rules for empty fields: an
 * empty transport keeps the default one, an empty next hop with a transport resets it to the
 * recipient domain, except for the error and retry transports, whose next hop is their reason).
 * The null address resolves as $empty_address_recipient@$myhostname. A numeric domain without
 * brackets is "bad address syntax" unless resolve_numeric_domain = yes; so is an empty domain
 * unless resolve_null_domain = yes (then it is $myhostname).
 *
 * Failure: a table or domain list that cannot answer throws IOException (the recipient is
 * deferred: "address resolver failure"). Tables that cannot even be opened are logged once at
 * build time and then fail each lookup the same way: the daemon keeps running and mail waits.
 */
public final class TrivialRewrite implements Resolver {
    private static final int RESOLVE_ROUNDS = 10;

    private final Config config;
    private final CanonicalForm canonical;
    private final LocalDomains local;
    private final DomainList virtualAliasDomains;
    private final DomainList virtualMailboxDomains;
    private final DomainList relayDomains;
    private final TransportMap transportMaps;
    private final Route localTransport;
    private final Route virtualTransport;
    private final Route relayTransport;
    private final Route defaultTransport;
    private final String relayhost;
    private final String myhostname;
    private final String emptyAddressRecipient;
    private final boolean resolveNumeric;
    private final boolean resolveNull;
    private final boolean showTableName;
    private final AddressMappings mappings;
    private final VirtualAlias virtualAlias;
    private final AddressMaps canonicalMaps;
    private final AddressMaps recipientCanonicalMaps;
    private final AddressMaps localRecipientMaps;
    private final AddressMaps virtualMailboxMaps;
    private final AddressMaps relayRecipientMaps;

    private TrivialRewrite(Config c, TableOpener opener, Logger log) {
        this.config = c;
        this.canonical = CanonicalForm.of(c);
        this.local = LocalDomains.of(c, opener);
        this.virtualAliasDomains = DomainList.of("virtual_alias_domains", c.get("virtual_alias_domains"), opener);
        this.virtualMailboxDomains = DomainList.of("virtual_mailbox_domains", c.get("virtual_mailbox_domains"), opener);
        this.relayDomains = DomainList.of("relay_domains", c.get("relay_domains"), opener);
        String delimiter = c.get("recipient_delimiter");
        // no $1 in transport tables, as Postfix; a table that cannot be opened fails its lookups
        Maps transport = Maps.open("transport_maps", c.get("transport_maps"), opener, new TableOpener.Options(true, false));
        this.transportMaps = new TransportMap(transport, opener.parentDomainMatchesSubdomains("transport_maps"), delimiter);
        this.localTransport = Route.parse(c.get("local_transport"));
        this.virtualTransport = Route.parse(c.get("virtual_transport"));
        this.relayTransport = Route.parse(c.get("relay_transport"));
        this.defaultTransport = Route.parse(c.get("default_transport"));
        this.relayhost = c.get("relayhost").strip();
        this.myhostname = c.get("myhostname");
        String empty = c.get("empty_address_recipient");
        this.emptyAddressRecipient = empty.isEmpty() ? "MAILER-DAEMON" : empty;
        this.resolveNumeric = c.bool("resolve_numeric_domain");
        this.resolveNull = c.bool("resolve_null_domain");
        this.showTableName = !c.get("show_user_unknown_table_name").equalsIgnoreCase("no");

        Set<String> propagate = lowerSet(c.list("propagate_unmatched_extensions"));
        this.canonicalMaps = AddressMaps.of("canonical_maps", c.get("canonical_maps"), opener, delimiter);
        this.recipientCanonicalMaps = AddressMaps.of("recipient_canonical_maps", c.get("recipient_canonical_maps"),
                opener, delimiter);
        AddressMaps senderCanonical = AddressMaps.of("sender_canonical_maps", c.get("sender_canonical_maps"), opener,
                delimiter);
        AddressMaps virtualMaps = AddressMaps.of("virtual_alias_maps", c.get("virtual_alias_maps"), opener, delimiter);
        this.virtualAlias = new VirtualAlias(virtualMaps, local, new ResultAddress(canonical, delimiter),
                propagate.contains("virtual"), (int) c.integer("virtual_alias_recursion_limit"),
                (int) c.integer("virtual_alias_expansion_limit"), (int) c.integer("virtual_alias_address_length_limit"));
        Set<String> overrides = lowerSet(c.list("receive_override_options"));
        this.mappings = new AddressMappings(canonical, CanonicalForm.remote(c), local, senderCanonical, recipientCanonicalMaps, canonicalMaps,
                lowerSet(c.list("canonical_classes")), lowerSet(c.list("sender_canonical_classes")),
                lowerSet(c.list("recipient_canonical_classes")),
                new Masquerade(c.list("masquerade_domains"), lowerSet(c.list("masquerade_exceptions"))),
                lowerSet(c.list("masquerade_classes")), virtualAlias, propagate.contains("canonical"), delimiter,
                overrides.contains("no_address_mappings"), log);
        TableOpener.Options noSubstitution = new TableOpener.Options(true, false);
        this.localRecipientMaps = AddressMaps.of("local_recipient_maps", c.get("local_recipient_maps"), opener,
                delimiter);
        this.virtualMailboxMaps = AddressMaps.of("virtual_mailbox_maps", c.get("virtual_mailbox_maps"), opener,
                delimiter, noSubstitution);
        this.relayRecipientMaps = AddressMaps.of("relay_recipient_maps", c.get("relay_recipient_maps"), opener,
                delimiter);
    }

    /**
     * open - trivial-rewrite for a snapshot. Tables are opened through opener (shared with the rest
     * of the daemon); its warnings (tables that cannot be opened) go where the opener says. log is
     * where cleanup's mapping warnings go ("postfix/cleanup").
     */
    public static TrivialRewrite open(Config config, TableOpener opener, Logger log) {
        return new TrivialRewrite(config, opener, log);
    }

    private static Set<String> lowerSet(List<String> values) {
        Set<String> s = new HashSet<>();
        for (String v : values) {
            s.add(v.toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(s);
    }

    /** mappings - what cleanup applies to envelope addresses (its AddressMapping). */
    public AddressMappings mappings() {
        return mappings;
    }

    /** canonical - the standard form of an address ("user" becomes "user@$myorigin", ...). */
    public String canonical(String address) {
        return canonical.rewrite(address);
    }

    /** localDomains - the local address class (mydestination, inet_interfaces, proxy_interfaces). */
    public LocalDomains localDomains() {
        return local;
    }

    /** validator - the recipient check for smtpd (reject_unlisted_recipient). */
    public RecipientValidator validator() {
        return new RecipientValidator(this);
    }

    @Override
    public Resolution resolve(String recipient) throws IOException {
        try {
            return resolveChecked(recipient);
        } catch (TableException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    Resolution resolveChecked(String recipient) throws TableException {
        String a = recipient == null || recipient.isEmpty() ? emptyAddressRecipient + "@" + myhostname
                : canonical.rewrite(recipient);
        String localPart = "";
        String domain = "";
        for (int round = 0; round < RESOLVE_ROUNDS; round++) {
            int at = CanonicalForm.domainAt(a);
            localPart = at < 0 ? a : a.substring(0, at);
            domain = at < 0 ? "" : a.substring(at + 1);
            if (domain.isEmpty()) {
                if (!resolveNull) {
                    return badSyntax(a);
                }
                domain = myhostname;
                a = localPart + "@" + domain;
            }
            if (!domain.startsWith("[") && LocalDomains.literal(domain) != null) {
                if (!resolveNumeric) {
                    return badSyntax(a);
                }
                domain = "[" + domain + "]";
                a = localPart + "@" + domain;
            }
            if (!local.isDestination(domain)) {
                break;
            }
            // a local domain in front of a route that goes on: strip it, resolve the rest
            String inner = null;
            int pct = CanonicalForm.lastUnquotedIndexOf(localPart, '%');
            int bang = CanonicalForm.unquotedIndexOf(localPart, '!');
            if (canonical.percentHack() && pct > 0 && pct < localPart.length() - 1) {
                inner = localPart.substring(0, pct) + "@" + localPart.substring(pct + 1);
            } else if (canonical.swapBangpath() && bang > 0 && bang < localPart.length() - 1) {
                inner = localPart.substring(bang + 1) + "@" + localPart.substring(0, bang);
            }
            if (inner == null) {
                break;
            }
            a = canonical.rewrite(inner);
        }
        String lowerDomain = domain.toLowerCase(Locale.ROOT);
        AddressClass cls;
        String transport;
        String nexthop;
        if (local.isDestination(lowerDomain)) {
            cls = AddressClass.LOCAL;
            transport = localTransport.transport().isEmpty() ? "local" : localTransport.transport();
            nexthop = localTransport.nexthop().isEmpty() ? myhostname : localTransport.nexthop();
        } else if (virtualAliasDomains.matches(lowerDomain)) {
            return new Resolution("error", "5.1.1 " + unknown(AddressClass.VIRTUAL_ALIAS), a, AddressClass.VIRTUAL_ALIAS);
        } else if (virtualMailboxDomains.matches(lowerDomain)) {
            cls = AddressClass.VIRTUAL_MAILBOX;
            transport = virtualTransport.transport().isEmpty() ? "virtual" : virtualTransport.transport();
            nexthop = virtualTransport.nexthop().isEmpty() ? domain : virtualTransport.nexthop();
        } else if (relayDomains.matches(lowerDomain)) {
            cls = AddressClass.RELAY;
            transport = relayTransport.transport().isEmpty() ? "relay" : relayTransport.transport();
            nexthop = !relayTransport.nexthop().isEmpty() ? relayTransport.nexthop()
                    : !relayhost.isEmpty() ? relayhost : domain;
        } else {
            cls = AddressClass.DEFAULT;
            transport = defaultTransport.transport().isEmpty() ? "smtp" : defaultTransport.transport();
            nexthop = !defaultTransport.nexthop().isEmpty() ? defaultTransport.nexthop()
                    : !relayhost.isEmpty() ? relayhost : domain;
        }
        Route override = transportMaps.find(a);
        if (override != null) {
            if (!override.transport().isEmpty()) {
                transport = override.transport();
                nexthop = override.nexthop().isEmpty() ? (isErrorTransport(transport) ? "" : domain) : override.nexthop();
            } else if (!override.nexthop().isEmpty()) {
                nexthop = override.nexthop();
            }
        }
        return new Resolution(transport, nexthop, a, cls);
    }

    private static boolean isErrorTransport(String t) {
        return t.equalsIgnoreCase("error") || t.equalsIgnoreCase("retry");
    }

    private Resolution badSyntax(String a) {
        return new Resolution("error", "5.1.3 bad address syntax", a, AddressClass.DEFAULT);
    }

    /** unknown - "User unknown in NAME table" (or just "User unknown", show_user_unknown_table_name = no). */
    String unknown(AddressClass cls) {
        if (!showTableName) {
            return "User unknown";
        }
        return switch (cls) {
            case LOCAL -> "User unknown in local recipient table";
            case VIRTUAL_ALIAS -> "User unknown in virtual alias table";
            case VIRTUAL_MAILBOX -> "User unknown in virtual mailbox table";
            case RELAY -> "User unknown in relay recipient table";
            case DEFAULT -> "User unknown";
        };
    }

    // what RecipientValidator needs
    Config config() {
        return config;
    }

    boolean knownByMapping(String address) throws TableException {
        return recipientCanonicalMaps.find(address, local) != null || canonicalMaps.find(address, local) != null
                || virtualAlias.found(address);
    }

    AddressMaps recipientMaps(AddressClass cls) {
        return switch (cls) {
            case LOCAL -> localRecipientMaps;
            case VIRTUAL_MAILBOX -> virtualMailboxMaps;
            case RELAY -> relayRecipientMaps;
            default -> null;
        };
    }

    LocalDomains local() {
        return local;
    }
}
