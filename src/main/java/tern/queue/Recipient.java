package tern.queue;

/**
 * Recipient - one envelope recipient as the queue file holds it.
 *
 * @param index    its position among the message's recipients (0-based); status records name it
 * @param address  the recipient to deliver to (after cleanup's rewriting)
 * @param original the address as the client gave it, before rewriting ("" when not known); logged as
 *                 orig_to= when it differs from address
 * @param orcpt    the DSN ORCPT value as given ("rfc822;user@example.com"), "" when none
 * @param notifyBits DSN NOTIFY bits (see {@link tern.cleanup.CleanupStream}), 0 when none was given
 */
public record Recipient(int index, String address, String original, String orcpt, int notifyBits) {
}
