package tern.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * ContentStream - a message's content as plain text: the stored SMTP wire form (CRLF line ends,
 * doubled leading dots; see {@link QueueFile}) turned back into LF line ends and single dots, as
 * local delivery, pipe commands and postcat want it. Reads a region of an open channel without
 * moving its position, through one 8 KiB buffer. A CR not followed by LF is kept as is.
 *
 * The channel belongs to the caller; closing this stream does not close it.
 */
public final class ContentStream extends InputStream {
    private final FileChannel ch;
    private long pos;
    private final long end;
    private final ByteBuffer in = ByteBuffer.allocate(8192);
    private boolean atLineStart = true;
    private boolean pendingCr;

    public ContentStream(FileChannel ch, long offset, long length) {
        this.ch = ch;
        this.pos = offset;
        this.end = offset + length;
        in.flip();
    }

    /** of - the whole content of a queue file read with {@link QueueFile#read}. */
    public static ContentStream of(FileChannel ch, Envelope e) {
        return new ContentStream(ch, e.contentOffset(), e.contentLength());
    }

    /** headers - only the header section (with its empty line). */
    public static ContentStream headers(FileChannel ch, Envelope e) {
        return new ContentStream(ch, e.contentOffset(), e.headerLength());
    }

    private int nextRaw() throws IOException {
        if (!in.hasRemaining()) {
            if (pos >= end) {
                return -1;
            }
            in.clear();
            in.limit((int) Math.min(in.capacity(), end - pos));
            int n = ch.read(in, pos);
            if (n <= 0) {
                throw new IOException("queue file content ends early");
            }
            pos += n;
            in.flip();
        }
        return in.get() & 0xff;
    }

    @Override
    public int read() throws IOException {
        while (true) {
            if (pendingCr) {
                pendingCr = false;
                int c = nextRaw();
                if (c == '\n') {
                    atLineStart = true;
                    return '\n';
                }
                // a lone CR: give it back and keep c for the next call
                if (c >= 0) {
                    in.position(in.position() - 1);
                }
                atLineStart = false;
                return '\r';
            }
            int c = nextRaw();
            if (c < 0) {
                return -1;
            }
            if (c == '\r') {
                pendingCr = true;
                continue;
            }
            if (atLineStart && c == '.') {
                atLineStart = false;
                int d = nextRaw();
                if (d < 0) {
                    return '.';
                }
                // stored ".." is a "."; a single leading "." cannot occur in stored content
                if (d == '.') {
                    return '.';
                }
                in.position(in.position() - 1);
                return '.';
            }
            atLineStart = c == '\n';
            return c;
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = 0;
        while (n < len) {
            if (n > 0 && !in.hasRemaining() && !pendingCr) {
                break; // return what we have rather than block on another read
            }
            int c = read();
            if (c < 0) {
                return n == 0 ? -1 : n;
            }
            b[off + n++] = (byte) c;
        }
        return n;
    }
}
