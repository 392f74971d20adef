package tern.cleanup;

import java.io.IOException;

/**
 * CleanupRejectedException - cleanup refuses the message for good (too many hops, too big, a
 * header_checks REJECT). Unlike a plain IOException (a temporary trouble: disk full, ...), the
 * sender should not retry: smtpd answers with the 5xx reply this carries, pickup bounces.
 */
public final class CleanupRejectedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String reply;

    /** @param reply the SMTP reply without code prefix issues, e.g. "554 5.4.0 Error: too many hops" */
    public CleanupRejectedException(String reply) {
        super(reply);
        this.reply = reply;
    }

    /** reply - the complete SMTP reply line, "5xx x.y.z text". */
    public String reply() {
        return reply;
    }
}
