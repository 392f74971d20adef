package tern.smtpd;

/**
 * Verdict - the outcome of one restriction or one restriction list: PERMIT ends the list with
 * "yes", DUNNO passes to the next restriction, REJECT ends the whole request with the reply (a 4xx
 * reply is a deferral; Postfix logs both as "reject:").
 *
 * @param kind  what the restriction decided
 * @param reply the complete SMTP reply for REJECT ("554 5.7.1 &lt;u@x&gt;: Relay access denied"), else null
 */
record Verdict(Kind kind, String reply) {
    enum Kind { PERMIT, DUNNO, REJECT }

    static final Verdict PERMIT = new Verdict(Kind.PERMIT, null);
    static final Verdict DUNNO = new Verdict(Kind.DUNNO, null);

    static Verdict reject(String reply) {
        return new Verdict(Kind.REJECT, reply);
    }

    boolean isReject() {
        return kind == Kind.REJECT;
    }
}
