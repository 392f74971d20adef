package tern.rewrite;

import java.util.List;

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
 * A parameter whose tables cannot be opened (unknown type, bad spec) is kept as a table that fails
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
        Maps maps;
        try {
            maps = Maps.open(parameter, value, opener, options);
        } catch (TableException e) {
            opener.warn(e.getMessage());
            maps = Maps.of(parameter, List.of(new Failing(e.getMessage())));
        }
        return new AddressMaps(parameter, new AddressLookup(maps, delimiter));
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

    /** Failing - stands in for tables that could not be opened. */
    private static final class Failing implements tern.tables.Table {
        private final String reason;

        Failing(String reason) {
            this.reason = reason;
        }

        @Override
        public String lookup(String key) throws TableException {
            throw new TableException(reason);
        }

        @Override
        public String spec() {
            return "unavailable";
        }

        @Override
        public boolean isFixed() {
            return true;
        }
    }
}
