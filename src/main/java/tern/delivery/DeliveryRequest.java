package tern.delivery;

import java.nio.file.Path;
import java.util.List;

import tern.queue.Envelope;
import tern.queue.Recipient;

/**
 * DeliveryRequest - one delivery attempt that the queue manager hands to a delivery agent: one
 * message, some of its recipients, all with the same transport and next hop.
 *
 * @param queueFile   the message's queue file (in "active"); the content is read from it with
 *                    {@link tern.queue.QueueFile#openContent()} / {@link tern.queue.ContentStream}
 *                    at the offsets in envelope
 * @param envelope    the message's envelope (sender, attributes, content position)
 * @param recipients  the recipients to attempt, with their queue indexes, original addresses and DSN
 *                    fields; the agent reports an outcome for every one of them
 * @param transport   the master.cf service name chosen by the resolve step ("smtp", "local", "mailman")
 * @param nexthop     the next hop from the resolve step ("example.com", "[10.0.0.1]:2525",
 *                    "unix:/path"; for local/virtual: the recipient domain)
 * @param activeMillis when the queue manager took the message into the active queue (for delays=)
 */
public record DeliveryRequest(Path queueFile, Envelope envelope, List<Recipient> recipients, String transport,
                              String nexthop, long activeMillis) {

    public String queueId() {
        return envelope.id();
    }
}
