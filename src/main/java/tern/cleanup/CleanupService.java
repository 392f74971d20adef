package tern.cleanup;

import java.io.IOException;

/**
 * CleanupService - how a receiving service (smtpd, pickup) hands a message to cleanup, which fixes up
 * headers and envelope and writes the queue file. One call to {@link #begin} per message:
 *
 * <pre>
 *   try (CleanupStream m = cleanup.begin(origin)) {   // creates the file, assigns the queue id
 *       m.sender("", params);                         // "" is the null sender
 *       m.recipient("u@example.com", null, 0);
 *       m.contentLine(buf, off, len);                 // one line, no CRLF, already dot-unstuffed
 *       String id = m.commit();                       // durable (file and directory fsync'd)
 *   }                                                 // close() without commit(): the file is removed
 * </pre>
 *
 * Failures are IOExceptions with a message fit for a log line; after one, the message is gone and the
 * caller answers the client with a temporary error.
 */
public interface CleanupService {
    CleanupStream begin(Origin origin) throws IOException;
}
