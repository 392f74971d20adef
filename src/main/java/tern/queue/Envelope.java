package tern.queue;

import java.util.List;
import java.util.Map;

/**
 * Envelope - what a queue file says about its message, apart from the content: who sent it, to
 * whom, when it arrived, where it came from, and where the content lies in the file.
 *
 * @param id            the queue id (also the file name)
 * @param arrivalMillis arrival time, milliseconds since the epoch
 * @param sender        the envelope sender, "" for the null sender
 * @param attributes    name=value attributes in file order (client_name, client_address, helo_name,
 *                      protocol_name, envid, ret, body, smtputf8, ...; see {@link QueueFile})
 * @param recipients    every recipient, in file order
 * @param contentOffset where the content starts in the file
 * @param contentLength the content's length in bytes (in its stored, SMTP wire form)
 * @param headerLength  the length of the header section within the content, including the
 *                      empty line that ends it when there is one
 * @param longestLine   the longest content line in stored bytes without its CRLF (what SMTP
 *                      line length limits apply to), -1 when not known
 */
public record Envelope(String id, long arrivalMillis, String sender, Map<String, String> attributes,
                       List<Recipient> recipients, long contentOffset, long contentLength, long headerLength,
                       long longestLine) {

    /** Envelope - without knowing the longest line. */
    public Envelope(String id, long arrivalMillis, String sender, Map<String, String> attributes,
                    List<Recipient> recipients, long contentOffset, long contentLength, long headerLength) {
        this(id, arrivalMillis, sender, attributes, recipients, contentOffset, contentLength, headerLength, -1);
    }

    /** attribute - an attribute's value, or "" when absent. */
    public String attribute(String name) {
        String v = attributes.get(name);
        return v == null ? "" : v;
    }
}
