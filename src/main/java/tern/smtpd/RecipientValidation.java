package tern.smtpd;

import java.io.IOException;

/**
 * RecipientValidation - the hook behind reject_unlisted_recipient (and smtpd_reject_unlisted_recipient,
 * on by default): whether the mail system knows a recipient, by its address class -
 * local_recipient_maps for $mydestination, virtual_mailbox_maps, relay_recipient_maps, and so on.
 * The daemon wires it to the rewrite package's RecipientValidator:
 * <pre>
 *   a -&gt; { RecipientValidator.Rejection r = validator.check(a); return r == null ? null : r.reply(a); }
 * </pre>
 * smtpd itself accepts postmaster, MAILER-DAEMON and $double_bounce_sender in any domain without
 * asking (as Postfix's smtpd does, so that bounces and complaints always get through), and asks
 * nothing when the hook is null.
 */
@FunctionalInterface
public interface RecipientValidation {
    /**
     * reject - null when the recipient is known (or nobody keeps a list for its class), else the
     * complete reply: "550 5.1.1 &lt;u@example.com&gt;: Recipient address rejected: User unknown in
     * local recipient table".
     *
     * @param address the recipient in internal form, as the client gave it
     * @throws IOException when a table cannot answer: smtpd then replies "451 4.3.0 &lt;address&gt;:
     *                     Temporary lookup failure"
     */
    String reject(String address) throws IOException;
}
