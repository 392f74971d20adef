package tern.smtpd;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * SmtpInput - what the client sends, read ahead into one buffer and handed out a line (or a piece
 * of one) at a time as a range of that buffer, so that neither commands nor message content cost a
 * copy or an object per line.
 *
 * A line ends at LF; a CR just before it is not part of the line. A line longer than the caller's
 * limit comes out in pieces ({@link #PART}) of that limit, so the buffer never has to hold more than
 * one limit's worth. In a BDAT chunk ({@link #beginChunk}) nothing beyond the chunk is returned: a
 * line cut by the chunk's end comes out as a {@link #PART}, and the chunk's end as {@link #CHUNK_END}.
 *
 * Before it blocks on the socket it calls the flush hook, so that replies to everything the client
 * has sent so far go out together (pipelining) and none is held back while waiting.
 *
 * The buffer starts small and grows only for longer lines or bulk reads ({@link #reserve}); {@link
 * #shrink} gives the memory back after a message. Failures are the socket's: SocketTimeoutException
 * for smtpd_timeout, IOException for a broken connection; end of input is {@link #END}.
 */
final class SmtpInput {
    /** readLine results. */
    static final int END = 0;
    static final int LINE = 1;
    static final int PART = 2;
    static final int CHUNK_END = 3;

    /** Flusher - called before a read that may block. */
    interface Flusher {
        void flush() throws IOException;
    }

    private static final int INITIAL = 512;

    private final InputStream in;
    private final Flusher flusher;
    private byte[] buf = new byte[INITIAL];
    private int pos;
    private int lim;
    private long chunkLeft = -1;
    private boolean eof;

    /** The line or piece found by the last readLine: buf()[off, off+len). */
    int off;
    int len;
    /** Whether the last LINE ended in a bare LF (no CR before it). */
    boolean bareLf;
    /** Bytes consumed since the caller last reset it (DATA byte counts). */
    long consumed;

    SmtpInput(InputStream in, Flusher flusher) {
        this.in = in;
        this.flusher = flusher;
    }

    byte[] buf() {
        return buf;
    }

    /**
     * readLine - the next line, or a piece of at most max bytes of a longer one.
     *
     * @return LINE (off/len is the line without CR LF), PART (off/len is a piece; the line goes on),
     *         CHUNK_END (in a chunk: it is used up), or END (the client closed the connection)
     */
    int readLine(int max) throws IOException {
        int scanned = 0;
        for (;;) {
            int avail = lim - pos;
            if (chunkLeft >= 0 && chunkLeft < avail) {
                avail = (int) chunkLeft;
            }
            int window = Math.min(avail, max + 1);
            for (int i = pos + scanned; i < pos + window; i++) {
                if (buf[i] == '\n') {
                    int n = i - pos;
                    bareLf = n == 0 || buf[i - 1] != '\r';
                    off = pos;
                    len = bareLf ? n : n - 1;
                    take(n + 1);
                    return LINE;
                }
            }
            scanned = window;
            if (window > max) {
                // no line end within the limit: hand out a piece (a CR at its end may belong to a CR LF)
                int n = buf[pos + max - 1] == '\r' && max > 1 ? max - 1 : max;
                off = pos;
                len = n;
                take(n);
                return PART;
            }
            if (chunkLeft >= 0 && avail == chunkLeft) {
                if (avail == 0) {
                    return CHUNK_END;
                }
                off = pos;
                len = avail;
                take(avail);
                return PART;
            }
            if (!fill(max + 1)) {
                return END;
            }
        }
    }

    /** skipLine - discard the rest of an over-long line, through its LF; false at end of input. */
    boolean skipLine() throws IOException {
        for (;;) {
            for (int i = pos; i < lim; i++) {
                if (buf[i] == '\n') {
                    take(i + 1 - pos);
                    return true;
                }
            }
            take(lim - pos);
            if (!fill(1)) {
                return false;
            }
        }
    }

    /** discard - read and drop n bytes (a BDAT chunk after an error); false at end of input. */
    boolean discard(long n) throws IOException {
        while (n > 0) {
            if (pos == lim && !fill(1)) {
                return false;
            }
            int k = (int) Math.min(n, lim - pos);
            take(k);
            n -= k;
        }
        return true;
    }

    /** drain - read and drop input until the client closes, at most max bytes or millis in all. */
    void drain(int max, long millis, java.net.Socket socket) {
        pos = 0;
        lim = 0;
        int total = 0;
        long end = System.nanoTime() + millis * 1_000_000;
        try {
            while (total < max && !eof) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) left);
                int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    eof = true;
                    break;
                }
                total += n;
            }
        } catch (IOException e) {
            // timeout or reset: done either way
        }
    }

    /** beginChunk - from now on readLine returns only the next n bytes, then CHUNK_END. */
    void beginChunk(long n) {
        chunkLeft = n;
    }

    /** endChunk - back to plain lines (after CHUNK_END, or when the rest was discarded). */
    void endChunk() {
        chunkLeft = -1;
    }

    /** chunkLeft - bytes of the current chunk not yet returned. */
    long chunkLeft() {
        return chunkLeft;
    }

    /** buffered - bytes read ahead and not yet returned. */
    int buffered() {
        return lim - pos;
    }

    /**
     * pending - whether the client has sent more than what was returned so far: read ahead, or
     * waiting in the socket. The second costs a system call, so callers ask only when it matters.
     */
    boolean pending() {
        if (pos < lim) {
            return true;
        }
        try {
            return !eof && in.available() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * peek - up to max bytes of what is pending, for a log line. Reads from the socket only what is
     * already there, so it never blocks.
     */
    byte[] peek(int max) {
        try {
            if (lim - pos < max && !eof && in.available() > 0) {
                reserveRoom(max);
                int n = in.read(buf, lim, Math.min(buf.length - lim, Math.max(in.available(), 1)));
                if (n > 0) {
                    lim += n;
                } else if (n < 0) {
                    eof = true;
                }
            }
        } catch (IOException e) {
            // what we have is enough for a log line
        }
        return Arrays.copyOfRange(buf, pos, pos + Math.min(max, lim - pos));
    }

    /** reserve - let the buffer grow to at least size, for bulk reads (message content). */
    void reserve(int size) {
        if (buf.length < size) {
            buf = Arrays.copyOf(buf, size);
        }
    }

    /** shrink - give back a grown buffer when what is read ahead fits in a small one. */
    void shrink() {
        if (buf.length > INITIAL && lim - pos <= INITIAL) {
            byte[] small = new byte[INITIAL];
            System.arraycopy(buf, pos, small, 0, lim - pos);
            lim -= pos;
            pos = 0;
            buf = small;
        }
    }

    private void take(int n) {
        pos += n;
        consumed += n;
        if (chunkLeft > 0) {
            chunkLeft -= n;
        }
        if (pos == lim) {
            pos = 0;
            lim = 0;
        }
    }

    /** fill - read more from the socket (flushing replies first), with room for need unread bytes. */
    private boolean fill(int need) throws IOException {
        if (eof) {
            return false;
        }
        reserveRoom(need);
        flusher.flush();
        int n;
        try {
            n = in.read(buf, lim, buf.length - lim);
        } catch (java.net.SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // a reset connection is a lost connection, as Postfix logs it
            n = -1;
        }
        if (n < 0) {
            eof = true;
            return false;
        }
        lim += n;
        return true;
    }

    /** reserveRoom - make room after lim so that at least need bytes from pos fit, moving or growing. */
    private void reserveRoom(int need) {
        int unread = lim - pos;
        if (buf.length - pos >= need && lim < buf.length) {
            return;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, unread);
            pos = 0;
            lim = unread;
        }
        if (buf.length < need || lim == buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, Math.max(buf.length * 2, unread + INITIAL)));
        }
    }
}
