package tern.smtpd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Xtext - RFC 3461 xtext, the encoding of ENVID= and ORCPT= values: printable ASCII except '+' and
 * '=' stands for itself, "+HH" (two upper-case hex digits) for any byte. {@link #decode} returns
 * null for anything else, so that smtpd can answer with Postfix's "Bad ... parameter syntax".
 */
final class Xtext {
    private Xtext() {
    }

    /** decode - the decoded text (UTF-8), or null when the value is not valid xtext. */
    static String decode(String value) {
        ByteArrayOutputStream out = null;
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c == '+') {
                if (i + 2 >= n) {
                    return null;
                }
                int hi = hex(value.charAt(i + 1));
                int lo = hex(value.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return null;
                }
                if (out == null) {
                    out = new ByteArrayOutputStream(n);
                    out.writeBytes(value.substring(0, i).getBytes(StandardCharsets.US_ASCII));
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c < '!' || c > '~' || c == '=') {
                return null;
            } else if (out != null) {
                out.write(c);
            }
        }
        return out == null ? value : out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
