package tern.delivery.smtp;

/**
 * EnvelopeText - how addresses and DSN values are written in SMTP commands: RFC 5321 quoting of a
 * local part that is not a dot-atom (smtp_quote_rfc821_envelope), and RFC 3461 xtext for ORCPT and
 * ENVID values.
 */
final class EnvelopeText {
    private EnvelopeText() {
    }

    /** quote - the address with its local part quoted when needed; "" (the null sender) stays "". */
    static String quote(String address) {
        if (address.isEmpty()) {
            return address;
        }
        int at = address.lastIndexOf('@');
        String local = at >= 0 ? address.substring(0, at) : address;
        String domain = at >= 0 ? address.substring(at) : "";
        if (local.length() >= 2 && local.startsWith("\"") && local.endsWith("\"")) {
            return address; // already in quoted form
        }
        if (isDotAtom(local)) {
            return address;
        }
        StringBuilder sb = new StringBuilder(local.length() + domain.length() + 4).append('"');
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').append(domain).toString();
    }

    private static boolean isDotAtom(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean atext = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0 || c >= 0x80;
            if (!atext) {
                return false;
            }
        }
        return true;
    }

    /** xtext - RFC 3461 encoding: '+', '=' and characters outside '!'..'~' become "+XX". */
    static String xtext(String s) {
        StringBuilder sb = null;
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            int c = b[i] & 0xff;
            if (c < '!' || c > '~' || c == '+' || c == '=') {
                if (sb == null) {
                    sb = new StringBuilder(b.length + 8);
                    for (int k = 0; k < i; k++) {
                        sb.append((char) b[k]);
                    }
                }
                sb.append('+').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            } else if (sb != null) {
                sb.append((char) c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** isAscii - whether s has only 7-bit characters (else it needs SMTPUTF8). */
    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
