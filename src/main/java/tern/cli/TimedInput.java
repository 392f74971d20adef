package tern.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * TimedInput - standard input with a read time limit, for sendmail -bs: Postfix's smtpd gives up on
 * a client that sends nothing for smtpd_timeout, on standard input as on a socket. A read on a pipe
 * or terminal cannot be given a time limit in Java, so one daemon thread reads ahead (a few chunks
 * at most) and a read here waits for its next chunk at most the limit; then it throws
 * SocketTimeoutException, which the SMTP session takes as a timeout ("timeout after CMD from
 * localhost[127.0.0.1]", 421). The reader thread never keeps the JVM alive.
 *
 * End of input is -1 as usual; an I/O error of the underlying stream comes out of the read that
 * would have returned its data.
 */
final class TimedInput extends InputStream {
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(4);
    private final long timeoutMillis;
    private volatile IOException error;
    private byte[] current;
    private int pos;
    private boolean eof;

    TimedInput(InputStream in, long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
        Thread.ofPlatform().daemon().name("sendmail stdin").start(() -> pump(in));
    }

    private void pump(InputStream in) {
        byte[] buf = new byte[65536];
        try {
            for (;;) {
                int n;
                try {
                    n = in.read(buf, 0, buf.length);
                } catch (IOException e) {
                    error = e;
                    n = -1;
                }
                if (n < 0) {
                    chunks.put(END);
                    return;
                }
                if (n > 0) {
                    chunks.put(java.util.Arrays.copyOf(buf, n));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!next(true)) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    /** available - bytes that a read returns without waiting. */
    @Override
    public int available() throws IOException {
        return next(false) ? current.length - pos : 0;
    }

    /** next - make current hold unread bytes (waiting at most the limit when wait); false at end of input or nothing there yet. */
    private boolean next(boolean wait) throws IOException {
        while (!eof && (current == null || pos == current.length)) {
            byte[] c;
            try {
                c = wait ? chunks.poll(timeoutMillis, TimeUnit.MILLISECONDS) : chunks.poll();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            }
            if (c == null) {
                if (wait) {
                    throw new SocketTimeoutException("read timeout");
                }
                return false;
            }
            if (c == END) {
                eof = true;
                if (error != null) {
                    throw error;
                }
                return false;
            }
            current = c;
            pos = 0;
        }
        return !eof;
    }
}
