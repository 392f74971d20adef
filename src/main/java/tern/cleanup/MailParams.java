package tern.cleanup;

/**
 * MailParams - the ESMTP parameters of MAIL FROM that travel with a message.
 *
 * @param size     the SIZE= value, or -1
 * @param body     "7BIT", "8BITMIME", "BINARYMIME", or null when not given
 * @param ret      "FULL", "HDRS", or null
 * @param envid    the ENVID= value (xtext-decoded), or null
 * @param smtputf8 whether SMTPUTF8 was requested
 */
public record MailParams(long size, String body, String ret, String envid, boolean smtputf8) {
    public static final MailParams NONE = new MailParams(-1, null, null, null, false);
}
