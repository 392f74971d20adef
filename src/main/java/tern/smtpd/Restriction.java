package tern.smtpd;

import tern.tables.TableException;

/**
 * Restriction - one element of an smtpd_*_restrictions list ("permit_mynetworks",
 * "check_client_access hash:/etc/postfix/access", ...). A new restriction is one implementation
 * and one case in {@link RestrictionList#compile}.
 *
 * Failure: a table that cannot answer throws TableException; the caller turns it into a temporary
 * reply, never into a permit.
 */
@FunctionalInterface
interface Restriction {
    Verdict check(Check c) throws TableException;
}
