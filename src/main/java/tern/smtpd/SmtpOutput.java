package tern.smtpd;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SmtpOutput - replies on their way to the client. Replies are collected in one small buffer and
 * written with one system call when the session is about to wait for input (SmtpInput's flush hook)
 * or ends, so that a pipelined batch of commands gets its replies in one packet, in order.
 *
 * A write that the client does not take (it stopped reading) is bounded by smtpd_timeout through the
 * server's {@link WriteDeadlines}: the socket is closed and the write fails with an IOException.
 */
final class SmtpOutput {
    private final OutputStream out;
    private final long timeoutNanos;
    private byte[] buf = new byte[256];
    private int len;

    /** deadline - when the write in progress must have finished (0: none in progress). */
    volatile long deadline;

    SmtpOutput(OutputStream out, long timeoutNanos) {
        this.out = out;
        this.timeoutNanos = timeoutNanos;
    }

    /** reply - queue one reply line; CR LF is added. */
    void reply(String line) {
        int n = line.length();
        ensure(n * 3 + 2);
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            if (c < 128) {
                buf[len++] = (byte) c;
            } else {
                // rare: an address or name with UTF-8 in it
                byte[] b = line.substring(i).getBytes(StandardCharsets.UTF_8);
                ensure(b.length + 2);
                System.arraycopy(b, 0, buf, len, b.length);
                len += b.length;
                break;
            }
        }
        buf[len++] = '\r';
        buf[len++] = '\n';
    }

    /** pending - whether replies are waiting to be written. */
    boolean pending() {
        return len > 0;
    }

    /** flush - write what is queued. */
    void flush() throws IOException {
        if (len == 0) {
            return;
        }
        long due = System.nanoTime() + timeoutNanos;
        deadline = due;
        try {
            out.write(buf, 0, len);
            out.flush();
        } catch (IOException e) {
            if (System.nanoTime() - due >= 0) {
                // the watchdog closed the socket: this is smtpd_timeout, not a broken connection
                throw new java.net.SocketTimeoutException("write timeout");
            }
            throw e;
        } finally {
            deadline = 0;
            len = 0;
            if (buf.length > 4096) {
                buf = new byte[256];
            }
        }
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
