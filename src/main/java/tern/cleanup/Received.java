package tern.cleanup;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Received - the Received: header that Postfix puts on a message where it enters the mail system,
 * worded and folded as Postfix's, by where the message came from:
 * <pre>
 *   Received: from HELO (NAME [ADDR])                     an SMTP client (smtpd, also sendmail -bs)
 *           by MYHOSTNAME (MAIL_NAME) with PROTOCOL id ID
 *           for &lt;RCPT&gt;; DATE                             (the "for" clause with exactly one recipient)
 *   Received: by MYHOSTNAME (MAIL_NAME, from userid UID)   local submission (pickup)
 *           id ID; DATE
 *   Received: by MYHOSTNAME (MAIL_NAME)                    made by the mail system itself
 *           id ID; DATE
 * </pre>
 * It only makes text: the caller writes the lines (physical lines, without line ends). It never fails.
 */
public final class Received {
    /** RFC 5322 date with the zone name, as Postfix writes it: "Wed, 25 Nov 2026 11:38:30 +0000 (UTC)". */
    public static final DateTimeFormatter RFC822 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z (zzz)",
            Locale.ROOT);

    private Received() {
    }

    /**
     * lines - the header's physical lines.
     *
     * @param origin         where the message came from
     * @param id             the queue id of the file that the header goes into
     * @param onlyRecipient  the recipient when there is exactly one, else null (no "for" clause)
     * @param myhostname     $myhostname
     * @param mailName       $mail_name
     * @param when           the time written into the header
     */
    public static List<String> lines(Origin origin, String id, String onlyRecipient, String myhostname, String mailName,
                                     ZonedDateTime when) {
        String date = when.format(RFC822);
        List<String> out = new ArrayList<>(3);
        if (origin.isInternal()) {
            // mail made by the mail system itself (local(8) forwarding): no client, no "for" clause
            out.add("Received: by " + myhostname + " (" + mailName + ")");
            out.add("\tid " + id + "; " + date);
            return out;
        }
        String rcpt = onlyRecipient != null && !origin.isLocal() ? "\tfor <" + onlyRecipient + ">; " + date : null;
        if (origin.isLocal()) {
            out.add("Received: by " + myhostname + " (" + mailName + ", from userid " + origin.uid() + ")");
            out.add("\tid " + id + "; " + date);
            return out;
        }
        String helo = origin.helo().isEmpty() ? origin.clientName() : origin.helo();
        out.add("Received: from " + helo + " (" + origin.clientName() + " [" + origin.clientAddress() + "])");
        String by = "\tby " + myhostname + " (" + mailName + ") with " + origin.protocol() + " id " + id;
        if (rcpt == null) {
            out.add(by + ";");
            out.add("\t" + date);
        } else {
            out.add(by);
            out.add(rcpt);
        }
        return out;
    }
}
