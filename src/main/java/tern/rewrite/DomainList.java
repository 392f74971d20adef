package tern.rewrite;

import tern.tables.MatchList;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * DomainList - a domain list parameter (mydestination, relay_domains, virtual_alias_domains,
 * virtual_mailbox_domains) as the resolve step asks it. A list that cannot even be built (an
 * unknown table type, an unreadable /file) does not stop the daemon: it fails every question
 * with the reason, so that the mail concerned is deferred (and the reason logged) until the
 * configuration is fixed, as Postfix's trivial-rewrite does when a table is unavailable.
 */
final class DomainList {
    private final MatchList list;
    private final String failure;

    private DomainList(MatchList list, String failure) {
        this.list = list;
        this.failure = failure;
    }

    /** of - the list of parameter name with its (expanded) value. */
    static DomainList of(String name, String value, TableOpener opener) {
        try {
            return new DomainList(MatchList.domains(name, value, opener), null);
        } catch (TableException e) {
            opener.warn(name + ": " + e.getMessage());
            return new DomainList(null, name + ": " + e.getMessage());
        }
    }

    boolean isEmpty() {
        return list != null && list.isEmpty();
    }

    /** matches - whether domain is in the list; a table that cannot answer throws. */
    boolean matches(String domain) throws TableException {
        if (list == null) {
            throw new TableException(failure);
        }
        return list.matchesDomain(domain);
    }
}
