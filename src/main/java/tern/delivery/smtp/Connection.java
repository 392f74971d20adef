package tern.delivery.smtp;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Connection - the byte level of one SMTP/LMTP client connection: commands are collected in an
 * output buffer and written together (so a pipelined batch is one write), replies are read line by
 * line with explicit bounds, and message content goes from the queue file to the socket.
 *
 * Bounds: a reply line longer than 2048 bytes is truncated (the rest is read and dropped); a
 * reply's stored text stops growing at 2048 characters; lines that are not "ddd-" or "ddd " are
 * kept in the text but do not end the reply (Postfix does the same: garbage does not desynchronise a
 * pipelined session); more than 1000 lines in one reply end the connection.
 *
 * Time limits: every blocking step arms a deadline that the {@link Watchdog} enforces by closing
 * the channel. Failures are {@link SmtpIoException}s that say whether time ran out or the
 * connection was lost, which is all Postfix's messages distinguish.
 */
final class Connection implements Watchdog.Watched, AutoCloseable {
    static final int LINE_LIMIT = 2048;
    static final int TEXT_LIMIT = 2048;
    static final int MAX_LINES = 1000;
    /** Content up to this size is copied into the command buffer and sent with "." in one write. */
    static final int INLINE_CONTENT = 32 * 1024;
    private static final byte[] DOT_CRLF = {'.', '\r', '\n'};

    private final SocketChannel ch;
    private final Watchdog watchdog;
    private final ByteBuffer in = ByteBuffer.allocate(8192);
    private ByteBuffer out = ByteBuffer.allocate(4096);
    private final byte[] line = new byte[LINE_LIMIT];
    private volatile long deadline;     // System.nanoTime() value, 0 when not armed
    private volatile boolean timedOut;
    private volatile boolean closed;

    /** SmtpIoException - the connection failed; timedOut tells "timed out" from "lost connection". */
    static final class SmtpIoException extends IOException {
        private final boolean timedOut;

        SmtpIoException(boolean timedOut, Throwable cause) {
            super(timedOut ? "timed out" : "lost connection", cause);
            this.timedOut = timedOut;
        }

        boolean timedOut() {
            return timedOut;
        }
    }

    Connection(SocketChannel ch, Watchdog watchdog) {
        this.ch = ch;
        this.watchdog = watchdog;
        in.flip();
        watchdog.add(this);
    }

    @Override
    public boolean poll(long now) {
        if (closed) {
            return false;
        }
        long d = deadline;
        if (d != 0 && now - d > 0) {
            timedOut = true;
            closeQuietly();
            return false;
        }
        return true;
    }

    private void arm(long seconds) {
        deadline = seconds > 0 ? System.nanoTime() + seconds * 1_000_000_000L : 0;
    }

    private void disarm() {
        deadline = 0;
    }

    boolean isOpen() {
        return !closed && ch.isOpen();
    }

    /** pending - bytes of commands buffered but not yet written. */
    int pending() {
        return out.position();
    }

    /** command - append one command line (CRLF added) to the output buffer. */
    void command(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ensure(b.length + 2);
        out.put(b).put((byte) '\r').put((byte) '\n');
    }

    private void ensure(int more) {
        if (out.remaining() < more) {
            int n = out.capacity();
            while (n - out.position() < more) {
                n *= 2;
            }
            ByteBuffer bigger = ByteBuffer.allocate(n);
            out.flip();
            bigger.put(out);
            out = bigger;
        }
    }

    /** flush - write the buffered commands, within timeoutSeconds. */
    void flush(long timeoutSeconds) throws SmtpIoException {
        if (out.position() == 0) {
            return;
        }
        out.flip();
        arm(timeoutSeconds);
        try {
            while (out.hasRemaining()) {
                ch.write(out);
            }
        } catch (IOException e) {
            throw failure(e);
        } finally {
            disarm();
            out.clear();
            if (out.capacity() > 64 * 1024) {
                out = ByteBuffer.allocate(4096);
            }
        }
    }

    /**
     * content - send the message content (already in wire form: CRLF, dot-stuffed, no final dot)
     * followed by ".". Small content goes out with "." in one write; larger content straight from
     * the file to the socket (transferTo), each piece within xferTimeout seconds of progress.
     * Lines longer than lineLimit (smtp_line_length_limit; 0: no limit) are broken as Postfix
     * breaks them: after lineLimit bytes comes CRLF and a space, and the line goes on; such content
     * takes the slower path through the output buffer. longestLine is what the queue file says of
     * its longest line (-1: not known, the content is scanned for one).
     */
    void content(FileChannel src, long offset, long length, long longestLine, int lineLimit, long xferTimeout)
            throws IOException {
        if (length <= INLINE_CONTENT) {
            ensure((int) length + 5);
            int start = out.position();
            ByteBuffer view = out.slice(start, (int) length);
            long pos = offset;
            while (view.hasRemaining()) {
                int n = src.read(view, pos);
                if (n < 0) {
                    throw new EOFException("queue file content ends early");
                }
                pos += n;
            }
            out.position(start + (int) length);
            if (lineLimit > 0 && (longestLine >= 0 ? longestLine : longestLine(out, start, (int) length)) > lineLimit) {
                byte[] copy = new byte[(int) length];
                out.get(start, copy);
                out.position(start);
                LineSplitter split = new LineSplitter(lineLimit);
                split.feed(copy, 0, copy.length, xferTimeout);
                split.end();
            }
            if (!endsWithCrlf(src, offset, length)) {
                out.put((byte) '\r').put((byte) '\n');
            }
            out.put(DOT_CRLF);
            flush(xferTimeout);
            return;
        }
        flush(xferTimeout);
        if (lineLimit > 0 && (longestLine >= 0 ? longestLine > lineLimit : hasLongLine(src, offset, length, lineLimit))) {
            LineSplitter split = new LineSplitter(lineLimit);
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                chunk.clear();
                chunk.limit((int) Math.min(chunk.capacity(), end - pos));
                int n = src.read(chunk, pos);
                if (n < 0) {
                    throw new EOFException("queue file content ends early");
                }
                pos += n;
                split.feed(chunk.array(), 0, n, xferTimeout);
            }
            split.end();
        } else {
            long pos = offset;
            long end = offset + length;
            try {
                while (pos < end) {
                    arm(xferTimeout);
                    long n = src.transferTo(pos, Math.min(end - pos, 1L << 20), ch);
                    if (n <= 0 && src.size() < end) {
                        throw new EOFException("queue file content ends early");
                    }
                    pos += n;
                }
            } catch (EOFException e) {
                throw e;
            } catch (IOException e) {
                throw failure(e);
            } finally {
                disarm();
            }
        }
        if (!endsWithCrlf(src, offset, length)) {
            command("");
        }
        out.put(DOT_CRLF);
        flush(xferTimeout);
    }

    /** longestLine - the longest line (without CR LF) in b[start, start+len). */
    private static int longestLine(ByteBuffer b, int start, int len) {
        int longest = 0;
        int col = 0;
        for (int i = start; i < start + len; i++) {
            byte c = b.get(i);
            if (c == '\n') {
                longest = Math.max(longest, col);
                col = 0;
            } else if (c != '\r') {
                col++;
            }
        }
        return Math.max(longest, col);
    }

    /** hasLongLine - whether the file region has a line longer than limit (one read pass). */
    private static boolean hasLongLine(FileChannel src, long offset, long length, int limit) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long pos = offset;
        long end = offset + length;
        int col = 0;
        while (pos < end) {
            chunk.clear();
            chunk.limit((int) Math.min(chunk.capacity(), end - pos));
            int n = src.read(chunk, pos);
            if (n < 0) {
                throw new EOFException("queue file content ends early");
            }
            pos += n;
            byte[] a = chunk.array();
            for (int i = 0; i < n; i++) {
                if (a[i] == '\n') {
                    col = 0;
                } else if (a[i] != '\r' && ++col > limit) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * LineSplitter - copies content into the output buffer, breaking lines longer than the limit:
     * limit bytes, CRLF, a space, and the rest (each output line at most limit bytes). A CR is held
     * back until the next byte shows whether it ends the line.
     */
    private final class LineSplitter {
        private final int limit;
        private int col;
        private boolean pendingCr;

        LineSplitter(int limit) {
            this.limit = limit;
        }

        void feed(byte[] b, int off, int len, long xferTimeout) throws SmtpIoException {
            ensure(len + len / Math.max(1, limit) * 3 + 8);
            for (int i = off; i < off + len; i++) {
                byte c = b[i];
                if (pendingCr) {
                    pendingCr = false;
                    if (c == '\n') {
                        out.put((byte) '\r').put((byte) '\n');
                        col = 0;
                        continue;
                    }
                    data((byte) '\r');
                }
                if (c == '\r') {
                    pendingCr = true;
                } else if (c == '\n') {
                    out.put(c);
                    col = 0;
                } else {
                    data(c);
                }
            }
            if (out.position() >= 64 * 1024) {
                flush(xferTimeout);
            }
        }

        private void data(byte c) {
            if (col >= limit) {
                ensure(3 + 1);
                out.put((byte) '\r').put((byte) '\n').put((byte) ' ');
                col = 1;
            }
            ensure(1);
            out.put(c);
            col++;
        }

        void end() {
            if (pendingCr) {
                pendingCr = false;
                data((byte) '\r');
            }
        }
    }

    private static boolean endsWithCrlf(FileChannel src, long offset, long length) throws IOException {
        if (length == 0) {
            return true; // an empty message: "." alone ends it
        }
        if (length < 2) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(2);
        long pos = offset + length - 2;
        while (b.hasRemaining()) {
            int n = src.read(b, pos);
            if (n < 0) {
                throw new EOFException("queue file content ends early");
            }
            pos += n;
        }
        return b.get(0) == '\r' && b.get(1) == '\n';
    }

    /**
     * reply - write what is buffered, then read one complete reply within timeoutSeconds.
     */
    Reply reply(long timeoutSeconds) throws SmtpIoException {
        flush(timeoutSeconds);
        arm(timeoutSeconds);
        try {
            StringBuilder text = new StringBuilder(64);
            for (int lines = 0; lines < MAX_LINES; lines++) {
                int len = readLine();
                String l = printable(line, len);
                if (text.length() < TEXT_LIMIT) {
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(l, 0, Math.min(l.length(), TEXT_LIMIT - text.length() + 1));
                }
                boolean threeDigits = len >= 3 && digit(line[0]) && digit(line[1]) && digit(line[2]);
                if (threeDigits && (len == 3 || line[3] == ' ')) {
                    return Reply.of(l, text.toString());
                }
                // "ddd-" continues the reply; anything else is garbage that does not end it
            }
            throw new SmtpIoException(false, new IOException("more than " + MAX_LINES + " lines in one reply"));
        } catch (SmtpIoException e) {
            throw e;
        } catch (IOException e) {
            throw failure(e);
        } finally {
            disarm();
        }
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** readLine - the next line into line[] without CR LF; returns its (possibly truncated) length. */
    private int readLine() throws IOException {
        int len = 0;
        while (true) {
            if (!in.hasRemaining()) {
                in.clear();
                int n = ch.read(in);
                in.flip();
                if (n < 0) {
                    throw new EOFException();
                }
                continue;
            }
            byte b = in.get();
            if (b == '\n') {
                if (len > 0 && len <= LINE_LIMIT && line[len - 1] == '\r') {
                    len--;
                }
                return Math.min(len, LINE_LIMIT);
            }
            if (len < LINE_LIMIT) {
                line[len] = b;
            }
            len++;
            if (len > LINE_LIMIT) {
                len = LINE_LIMIT + 1; // keep counting no further: the rest is dropped
            }
        }
    }

    private static String printable(byte[] b, int len) {
        String s = new String(b, 0, len, StandardCharsets.UTF_8);
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\uFFFD') {
                if (sb == null) {
                    sb = new StringBuilder(s);
                }
                sb.setCharAt(i, '?');
            }
        }
        return sb == null ? s : sb.toString();
    }

    private SmtpIoException failure(IOException e) {
        return new SmtpIoException(timedOut, e);
    }

    private void closeQuietly() {
        closed = true;
        try {
            ch.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }

    @Override
    public void close() {
        closeQuietly();
        watchdog.remove(this);
    }
}
