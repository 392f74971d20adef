package tern.smtpd;

/**
 * EtrnService - the hook behind ETRN (RFC 1985): start delivery of the mail queued for a site. The
 * daemon wires it to the queue manager's flush (fast_flush_domains decides which sites qualify, as
 * Postfix's flush service does).
 */
@FunctionalInterface
public interface EtrnService {
    /** Result - what became of the request; smtpd turns it into Postfix's reply. */
    enum Result {
        /** "250 Queuing started" */
        STARTED,
        /** "459 &lt;site&gt;: service unavailable", and a warning in the log: the site does not qualify */
        NOT_ELIGIBLE,
        /** "458 Unable to queue messages": the flush could not be started */
        FAILED
    }

    /** flush - the site as the client gave it ("example.com", "@example.com", "#queue"). */
    Result flush(String site);
}
