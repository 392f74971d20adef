package tern.smtpd;

import tern.tables.TableException;

/**
 * LocalRecipients - the hook behind reject_unlisted_recipient for addresses in a local domain
 * ($mydestination, $inet_interfaces, $proxy_interfaces): whether local_recipient_maps lists the
 * recipient. The daemon wires it to local_recipient_maps (unix:passwd.byname, alias_maps, ...).
 *
 * smtpd itself accepts postmaster, MAILER-DAEMON and $double_bounce_sender in local domains without
 * asking, as Postfix does, and asks nothing when the hook is null.
 */
@FunctionalInterface
public interface LocalRecipients {
    /**
     * known - whether the local recipient exists.
     *
     * @param address the recipient in internal form with a lower-case domain ("root@mx.example.com");
     *                an address without a domain has $myorigin appended first
     * @throws TableException when a table cannot answer: smtpd then replies with a temporary error
     */
    boolean known(String address) throws TableException;
}
