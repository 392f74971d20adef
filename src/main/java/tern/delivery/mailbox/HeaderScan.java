package tern.delivery.mailbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import tern.queue.Envelope;

/**
 * HeaderScan - the Delivered-To: addresses in a message's header section, for the mail loop check
 * of local(8) and virtual(8): one read of the header region of the queue file and a byte scan;
 * folded headers are unfolded. At most {@link #LIMIT} bytes of headers are looked at (cleanup
 * bounds the header section anyway).
 *
 * Failure: an IOException when the queue file cannot be read; the caller defers.
 */
public final class HeaderScan {
    static final int LIMIT = 1024 * 1024;
    private static final byte[] NAME = "delivered-to:".getBytes(StandardCharsets.US_ASCII);

    private HeaderScan() {
    }

    /** deliveredTo - the Delivered-To: values, trimmed and in lower case. */
    public static Set<String> deliveredTo(FileChannel q, Envelope env) throws IOException {
        int n = (int) Math.min(LIMIT, env.headerLength());
        byte[] b = new byte[n];
        ByteBuffer bb = ByteBuffer.wrap(b);
        long pos = env.contentOffset();
        while (bb.hasRemaining()) {
            int r = q.read(bb, pos);
            if (r < 0) {
                throw new IOException("queue file content ends early");
            }
            pos += r;
        }
        Set<String> out = new HashSet<>();
        int i = 0;
        while (i < n) {
            int end = lineEnd(b, i, n);
            if (startsWithName(b, i, end)) {
                StringBuilder v = new StringBuilder(text(b, i + NAME.length, end));
                int next = end + 1;
                while (next < n && (b[next] == ' ' || b[next] == '\t')) {
                    int e2 = lineEnd(b, next, n);
                    v.append(' ').append(text(b, next, e2).strip());
                    next = e2 + 1;
                }
                out.add(v.toString().strip().toLowerCase(Locale.ROOT));
                i = next;
                continue;
            }
            i = end + 1;
        }
        return out;
    }

    private static int lineEnd(byte[] b, int from, int n) {
        for (int k = from; k < n; k++) {
            if (b[k] == '\n') {
                return k;
            }
        }
        return n;
    }

    private static boolean startsWithName(byte[] b, int from, int end) {
        if (end - from < NAME.length) {
            return false;
        }
        for (int k = 0; k < NAME.length; k++) {
            int c = b[from + k];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != NAME[k]) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] b, int from, int end) {
        int e = end > from && b[end - 1] == '\r' ? end - 1 : end;
        return new String(b, from, Math.max(0, e - from), StandardCharsets.UTF_8);
    }
}
