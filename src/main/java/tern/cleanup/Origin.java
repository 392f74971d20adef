package tern.cleanup;

/**
 * Origin - where a message came from, as the receiving service knows it. It goes into the queue
 * file (postcat shows it, the Received: header and logs use it).
 *
 * @param clientName    the client's verified host name, or "unknown" (local submission: "localhost")
 * @param clientAddress the client's IP address as text ("127.0.0.1", "::1"); "" for local submission
 * @param clientPort    the client's port, 0 for local submission
 * @param helo          the HELO/EHLO argument, or "" when none was given
 * @param protocol      SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA, or "local" for sendmail/pickup
 * @param service       the master.cf service name that received it ("smtp", "submission", "pickup")
 * @param saslUser      the authenticated user, or null
 * @param uid           for local submission, the submitting user's id; -1 for network clients
 */
public record Origin(String clientName, String clientAddress, int clientPort, String helo, String protocol,
                     String service, String saslUser, int uid) {

    /** network - a message from an SMTP client. */
    public static Origin network(String clientName, String clientAddress, int clientPort, String helo, String protocol,
                                 String service, String saslUser) {
        return new Origin(clientName, clientAddress, clientPort, helo, protocol, service, saslUser, -1);
    }

    /** local - a message submitted on this machine (sendmail, then pickup) by user id uid. */
    public static Origin local(String service, int uid) {
        return new Origin("localhost", "", 0, "", "local", service, null, uid);
    }

    /**
     * internal - a message that the mail system itself makes from another one (local(8) forwarding
     * through aliases and .forward files): no client; its Received: header is "by HOST (NAME)".
     */
    public static Origin internal(String service) {
        return new Origin("", "", 0, "", "", service, null, -1);
    }

    public boolean isInternal() {
        return uid < 0 && clientName.isEmpty() && clientAddress.isEmpty() && protocol.isEmpty();
    }

    public boolean isLocal() {
        return uid >= 0;
    }
}
