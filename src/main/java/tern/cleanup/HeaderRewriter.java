package tern.cleanup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * HeaderRewriter - address rewriting in message headers, as Postfix's cleanup does for the headers
 * of its header_sender class (From:, Sender:, Reply-To:, Resent-From:, Resent-Sender:, Errors-To:,
 * Return-Receipt-To:, Mail-Followup-To:, Disposition-Notification-To:, Return-Path:) and of its
 * header_recipient class (To:, Cc:, Bcc:, Apparently-To:, Resent-To:, Resent-Cc:, Resent-Bcc: and,
 * as in Postfix's header table, Resent-Reply-To:). Each address of the header goes through
 * {@link AddressMapping#headerAddress}.
 *
 * Only the addresses change: a new address is spliced in where the old one was, and display names,
 * comments, white space and folding stay as they came (Postfix instead re-writes the whole header
 * from its tokens and folds it again; for headers written the usual way, "Name: value" on one line,
 * the results are the same). A header whose addresses all stay the same is not copied at all, and
 * a header that does not parse ({@link AddressList}) is left alone, where Postfix would guess.
 *
 * One instance per cleanup session (not thread-safe); cleanup makes one only for mail whose
 * headers are to be rewritten (local_header_rewrite_clients, remote_header_rewrite_domain).
 */
final class HeaderRewriter {
    static final int NONE = 0;
    static final int SENDER = 1;
    static final int RECIPIENT = 2;

    private final AddressMapping mapping;
    private final boolean remote;
    private AddressList parser;

    HeaderRewriter(AddressMapping mapping, boolean remote) {
        this.mapping = mapping;
        this.remote = remote;
    }

    /** kind - SENDER, RECIPIENT or NONE for a header name in lower case. */
    static int kind(String name) {
        return switch (name) {
            case "from", "sender", "reply-to", "resent-from", "resent-sender", "errors-to", "return-receipt-to",
                 "mail-followup-to", "disposition-notification-to", "return-path" -> SENDER;
            case "to", "cc", "bcc", "apparently-to", "resent-to", "resent-cc", "resent-bcc", "resent-reply-to" -> RECIPIENT;
            default -> NONE;
        };
    }

    /**
     * rewrite - header h[0, used) (physical lines joined by '\n'), its value starting at valueStart:
     * the rewritten header, or null when no address changes (or the value does not parse).
     *
     * @throws IOException a table failed (the message is then refused for now, as for the envelope)
     */
    byte[] rewrite(byte[] h, int valueStart, int used, boolean sender) throws IOException {
        if (parser == null) {
            parser = new AddressList();
        }
        int[] spans = parser.parse(h, valueStart, used);
        int n = parser.count();
        if (spans == null || n == 0) {
            return null;
        }
        byte[][] replacements = null;
        for (int k = 0; k < n; k++) {
            int from = spans[3 * k];
            int start = spans[3 * k + 1];
            int end = spans[3 * k + 2];
            String address = decode(h, start, end);
            if (address == null) {
                continue;
            }
            String result = mapping.headerAddress(address, sender, remote);
            // a dropped source route is a change even when the address stays; a table result with a
            // line break or other control character would break the header, and is not used
            if (result.isEmpty() || (from == start && result.equals(address)) || hasControl(result)) {
                continue;
            }
            if (replacements == null) {
                replacements = new byte[n][];
                spans = spans.clone(); // the parser's array is reused by the next parse
            }
            replacements[k] = result.getBytes(StandardCharsets.UTF_8);
        }
        if (replacements == null) {
            return null;
        }
        int size = used;
        for (int k = 0; k < n; k++) {
            if (replacements[k] != null) {
                size += replacements[k].length - (spans[3 * k + 2] - spans[3 * k]);
            }
        }
        byte[] out = new byte[size];
        int in = 0;
        int o = 0;
        for (int k = 0; k < n; k++) {
            if (replacements[k] == null) {
                continue;
            }
            int from = spans[3 * k];
            System.arraycopy(h, in, out, o, from - in);
            o += from - in;
            System.arraycopy(replacements[k], 0, out, o, replacements[k].length);
            o += replacements[k].length;
            in = spans[3 * k + 2];
        }
        System.arraycopy(h, in, out, o, used - in);
        return out;
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 32 || s.charAt(i) == 127) {
                return true;
            }
        }
        return false;
    }

    /** decode - the address text; null for bytes that are not UTF-8 (they are left as they are). */
    private static String decode(byte[] h, int start, int end) {
        for (int i = start; i < end; i++) {
            if (h[i] < 0) {
                String s = new String(h, start, end - start, StandardCharsets.UTF_8);
                byte[] again = s.getBytes(StandardCharsets.UTF_8);
                return Arrays.equals(again, 0, again.length, h, start, end) ? s : null;
            }
        }
        return new String(h, start, end - start, StandardCharsets.ISO_8859_1);
    }
}
