package tern.delivery.mailbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * MessageText - a message's content as delivery writes it: the queue file's SMTP wire form (CRLF
 * line ends, doubled leading dots; see {@link tern.queue.QueueFile}) turned into plain LF text in
 * one pass over large reads of the queue file, without building lines or strings, straight into a
 * {@link Sink} (a mailbox file, a command's input, cleanup).
 *
 * With quoteFrom (UNIX mailbox format) a line that begins with "From " gets a '>' in front, as
 * Postfix does (only "From ", not lines that already begin with '>'). A CR not followed by LF is
 * kept. {@link #copy} reports whether the content ended with a line end, so that a mailbox writer
 * can add the one that is missing before its empty separator line.
 *
 * Failure: a queue file shorter than its envelope says is an IOException ("queue file content
 * ends early"); errors of the sink pass through.
 */
public final class MessageText {
    private static final byte[] GT = {'>'};
    private static final int MAX_BUFFER = 64 * 1024;
    private static final int MIN_BUFFER = 4096;

    /** Sink - where the text goes, in pieces of lines and line ends. */
    public interface Sink {
        /** bytes - part of a line (never containing a line end). */
        void bytes(byte[] b, int off, int len) throws IOException;

        /** lineEnd - the current line ends here. */
        void lineEnd() throws IOException;
    }

    private MessageText() {
    }

    /** bufferFor - a read buffer for content of this length (small messages get small buffers). */
    public static byte[] bufferFor(long contentLength) {
        return new byte[(int) Math.max(MIN_BUFFER, Math.min(MAX_BUFFER, contentLength + 8))];
    }

    /**
     * copy - the content region [offset, offset+length) of queue channel ch, as text, into sink;
     * buf is the read buffer (at least 8 bytes). Returns true when the text ended with a line end
     * (or was empty).
     */
    public static boolean copy(FileChannel ch, long offset, long length, boolean quoteFrom, byte[] buf, Sink sink)
            throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf);
        long pos = offset;
        long end = offset + length;
        int start = 0;
        int limit = 0;
        boolean lineStart = true;
        while (true) {
            // Keep a few bytes of look-ahead: "From " at a line start, and the LF after a CR.
            if (limit - start < 6 && pos < end) {
                int keep = limit - start;
                System.arraycopy(buf, start, buf, 0, keep);
                start = 0;
                limit = keep;
                int want = (int) Math.min(buf.length - limit, end - pos);
                bb.limit(limit + want).position(limit);
                while (bb.hasRemaining()) {
                    int r = ch.read(bb, pos);
                    if (r < 0) {
                        throw new IOException("queue file content ends early");
                    }
                    pos += r;
                }
                limit = bb.position();
            }
            if (start >= limit) {
                return lineStart;
            }
            if (lineStart) {
                lineStart = false;
                if (buf[start] == '.') {
                    start++; // the stored form doubles a leading dot; a single one is the text's
                    continue;
                }
                if (quoteFrom && limit - start >= 5 && buf[start] == 'F' && buf[start + 1] == 'r'
                        && buf[start + 2] == 'o' && buf[start + 3] == 'm' && buf[start + 4] == ' ') {
                    sink.bytes(GT, 0, 1);
                }
            }
            int nl = indexOf(buf, start, limit);
            if (nl < 0) {
                int stop = limit;
                if (buf[stop - 1] == '\r' && pos < end) {
                    stop--; // perhaps the CR of a CRLF cut by the read: decide after the next read
                }
                if (stop > start) {
                    sink.bytes(buf, start, stop - start);
                    start = stop;
                }
                continue;
            }
            int e = nl > start && buf[nl - 1] == '\r' ? nl - 1 : nl;
            if (e > start) {
                sink.bytes(buf, start, e - start);
            }
            sink.lineEnd();
            start = nl + 1;
            lineStart = true;
        }
    }

    private static int indexOf(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
