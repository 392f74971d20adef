package tern.delivery.local;

import java.util.Locale;

/**
 * LocalAddress - a recipient address as local(8) takes it apart: the localpart folded to lower
 * case (all delivery decisions use it), the bare user name and the extension split at the first
 * recipient_delimiter character, and the domain.
 *
 * The localpart is never split for postmaster and MAILER-DAEMON, nor (with owner_request_special
 * and '-' among the delimiters) for owner-* and *-request, nor at its first character.
 *
 * @param address   the address as given (case kept: RECIPIENT, Delivered-To:)
 * @param local     the localpart, lower case
 * @param user      the localpart without extension, lower case
 * @param extension the extension without its delimiter, lower case, "" when none
 * @param delimiter the delimiter character found, "" when none
 * @param domain    the domain as given, "" when none
 */
record LocalAddress(String address, String local, String user, String extension, String delimiter, String domain) {

    static LocalAddress parse(String address, String delimiters, boolean ownerRequestSpecial) {
        int at = address.lastIndexOf('@');
        String local = (at < 0 ? address : address.substring(0, at)).toLowerCase(Locale.ROOT);
        String domain = at < 0 ? "" : address.substring(at + 1);
        int split = split(local, delimiters, ownerRequestSpecial);
        if (split < 0) {
            return new LocalAddress(address, local, local, "", "", domain);
        }
        return new LocalAddress(address, local, local.substring(0, split), local.substring(split + 1),
                String.valueOf(local.charAt(split)), domain);
    }

    private static int split(String local, String delimiters, boolean ownerRequestSpecial) {
        if (delimiters.isEmpty() || local.isEmpty()) {
            return -1;
        }
        if (local.equals("postmaster") || local.equals("mailer-daemon")) {
            return -1;
        }
        if (ownerRequestSpecial && delimiters.indexOf('-') >= 0
                && (local.startsWith("owner-") || (local.endsWith("-request") && local.length() > 8))) {
            return -1;
        }
        for (int i = 1; i < local.length(); i++) {
            if (delimiters.indexOf(local.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    boolean hasExtension() {
        return !delimiter.isEmpty();
    }
}
