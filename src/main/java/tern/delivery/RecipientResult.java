package tern.delivery;

import tern.queue.Recipient;

/**
 * RecipientResult - the outcome of one delivery attempt for one recipient, as a delivery agent
 * reports it. The queue manager records it durably and logs it in Postfix's form:
 * "ID: to=&lt;address&gt;, orig_to=&lt;original&gt;, relay=RELAY, delay=..., delays=a/b/c/d, dsn=DSN, status=STATUS (TEXT)".
 *
 * @param recipient   the recipient, as in the request
 * @param status      sent, deferred (try again later) or bounced (give up: a DSN goes to the sender)
 * @param dsn         the enhanced status code, "2.0.0", "4.4.1", "5.1.1"
 * @param relay       what the log shows as relay=: "local", "virtual", "none", "mailman",
 *                    "mx.example.com[192.0.2.1]:25"
 * @param text        the reason shown in parentheses: "delivered to maildir",
 *                    "250 2.0.0 Ok: queued as 3F2A1C", "connect to ...: Connection refused"
 * @param setupMillis time spent setting up the delivery (connection, handshake): the "c" of delays=
 * @param dsnPassedOn the recipient was handed to a next hop that announced DSN, with its DSN
 *                    request: a success notice is that server's business now, not this system's
 *                    (Postfix sends no "relayed" notice then)
 */
public record RecipientResult(Recipient recipient, Status status, String dsn, String relay, String text,
                              long setupMillis, boolean dsnPassedOn) {

    public RecipientResult(Recipient recipient, Status status, String dsn, String relay, String text, long setupMillis) {
        this(recipient, status, dsn, relay, text, setupMillis, false);
    }

    /** Status - what happened, in the words of Postfix's status= field. */
    public enum Status {
        SENT("sent"), DEFERRED("deferred"), BOUNCED("bounced");

        private final String word;

        Status(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public static RecipientResult sent(Recipient r, String dsn, String relay, String text) {
        return new RecipientResult(r, Status.SENT, dsn, relay, text, 0);
    }

    public static RecipientResult deferred(Recipient r, String dsn, String relay, String text) {
        return new RecipientResult(r, Status.DEFERRED, dsn, relay, text, 0);
    }

    public static RecipientResult bounced(Recipient r, String dsn, String relay, String text) {
        return new RecipientResult(r, Status.BOUNCED, dsn, relay, text, 0);
    }
}
