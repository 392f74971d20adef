package tern.delivery;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * @param content     the queue manager's open channel on queueFile, shared by every request of the
 *                    message (so that a delivery costs no open and close of its own), or null; agents
 *                    get it from {@link #channel} and give it back with {@link #release}, read it only
 *                    with positional reads, and never close it themselves
 */
public record DeliveryRequest(Path queueFile, Envelope envelope, List<Recipient> recipients, String transport,
                              String nexthop, long activeMillis, FileChannel content) {

    /** DeliveryRequest - a request without a shared channel: the agent opens the queue file itself. */
    public DeliveryRequest(Path queueFile, Envelope envelope, List<Recipient> recipients, String transport,
                           String nexthop, long activeMillis) {
        this(queueFile, envelope, recipients, transport, nexthop, activeMillis, null);
    }

    /** channel - a read channel on the queue file: the shared one, or a new one; see {@link #release}. */
    public FileChannel channel() throws IOException {
        return content != null ? content : FileChannel.open(queueFile, StandardOpenOption.READ);
    }

    /**
     * release - the agent is done with a channel from {@link #channel} (null: none was got): closed
     * unless it is the shared one. It was only read from, so a failed close loses nothing.
     */
    public void release(FileChannel ch) {
        if (ch != null && ch != content) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing was written through it
            }
        }
    }

    public String queueId() {
        return envelope.id();
    }
}
