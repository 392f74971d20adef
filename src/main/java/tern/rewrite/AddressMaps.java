package tern.rewrite;

import tern.tables.AddressLookup;
import tern.tables.Maps;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * AddressMaps - one address-keyed *_maps parameter (canonical_maps, virtual_alias_maps,
 * local_recipient_maps, ...) searched in Postfix's order for addresses (see
 * {@link AddressLookup}): user+ext@domain, user@domain, then user+ext and user when the domain is
 * local (mydestination, inet_interfaces, proxy_interfaces, or $myorigin), then @domain.
 *
 * A table that cannot be opened (unknown type, bad spec) becomes the opener's surrogate, which fails
 * every lookup with the reason: the mail concerned is deferred, never treated as "not found".
 */
final class AddressMaps {
    private final String parameter;
    private final AddressLookup lookup;

    private AddressMaps(String parameter, AddressLookup lookup) {
        this.parameter = parameter;
        this.lookup = lookup;
    }

    static AddressMaps of(String parameter, String value, TableOpener opener, String delimiter) {
        return of(parameter, value, opener, delimiter, TableOpener.Options.DEFAULT);
    }

    static AddressMaps of(String parameter, String value, TableOpener opener, String delimiter,
                          TableOpener.Options options) {
        // a table that cannot be opened is a surrogate that fails each lookup (logged once by the opener)
        return new AddressMaps(parameter, new AddressLookup(Maps.open(parameter, value, opener, options), delimiter));
    }

    String parameter() {
        return parameter;
    }

    boolean isEmpty() {
        return lookup.maps().isEmpty();
    }

    Maps maps() {
        return lookup.maps();
    }

    /** find - the first answer for address, or null; a table (or mydestination) that fails throws. */
    AddressLookup.Result find(String address, LocalDomains local) throws TableException {
        if (isEmpty()) {
            return null;
        }
        try {
            return lookup.find(address, d -> {
                try {
                    return local.isLocalForLookup(d);
                } catch (TableException e) {
                    throw new Unchecked(e);
                }
            });
        } catch (Unchecked u) {
            throw u.cause;
        }
    }

    /** Unchecked - carries a TableException through AddressLookup's predicate. */
    private static final class Unchecked extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient TableException cause;

        Unchecked(TableException cause) {
            super(cause.getMessage(), null, false, false);
            this.cause = cause;
        }
    }
}
