package tern.smtpd;

import java.net.InetAddress;

/**
 * CheckState - what the restrictions may look at: the session's client, HELO name, envelope so
 * far, and the recipient or ETRN site being decided. The session updates it as the conversation
 * goes on; restrictions only read it. Not thread-safe (one session, one thread).
 */
final class CheckState {
    final String clientName;
    final String clientAddress;
    final InetAddress clientInet;
    /** "name[addr]" as in log lines. */
    final String namaddr;
    /** the HELO/EHLO name, or null before any. */
    String helo;
    /** the MAIL FROM address in internal form ("" for the null sender), or null before MAIL. */
    String sender;
    /** the RCPT TO or VRFY address being decided, or null. */
    String recipient;
    /** the ETRN site being decided, or null. */
    String etrnSite;
    /** the SASL user, or null (always null until AUTH exists). */
    String saslUser;
    /** recipients accepted in this transaction. */
    int recipientCount;
    /** "SMTP" or "ESMTP". */
    String protocol = "SMTP";

    CheckState(String clientName, String clientAddress, InetAddress clientInet, String namaddr) {
        this.clientName = clientName;
        this.clientAddress = clientAddress;
        this.clientInet = clientInet;
        this.namaddr = namaddr;
    }
}
