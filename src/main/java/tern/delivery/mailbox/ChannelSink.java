package tern.delivery.mailbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * ChannelSink - buffered output of a delivered message to a file or a command's input, with the
 * size limit of mailbox_size_limit / virtual_mailbox_limit. The buffer is written in large
 * pieces; {@link #flush} writes the rest.
 *
 * Failure: writing past the limit throws {@link FileTooLargeException} before the excess is
 * written (the caller truncates or removes what it wrote); channel errors pass through.
 */
public final class ChannelSink implements MessageText.Sink {
    /** FileTooLargeException - the limit was reached (Postfix: "File too large", EFBIG). */
    public static final class FileTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        public FileTooLargeException() {
            super("File too large");
        }
    }

    private final WritableByteChannel ch;
    private final byte[] out;
    private final ByteBuffer bb;
    private int used;
    private long written;
    private final long room;

    /**
     * @param ch   where the bytes go
     * @param size buffer size
     * @param room how many bytes may be written in all; Long.MAX_VALUE for no limit
     */
    public ChannelSink(WritableByteChannel ch, int size, long room) {
        this.ch = ch;
        this.out = new byte[Math.max(size, 512)];
        this.bb = ByteBuffer.wrap(out);
        this.room = room;
    }

    /** written - bytes accepted so far (flushed or not). */
    public long written() {
        return written;
    }

    public void text(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        bytes(b, 0, b.length);
    }

    public void line(String s) throws IOException {
        text(s);
        lineEnd();
    }

    @Override
    public void bytes(byte[] b, int off, int len) throws IOException {
        if (len > room - written) {
            throw new FileTooLargeException();
        }
        written += len;
        if (len > out.length - used) {
            flush();
            if (len > out.length) {
                writeFully(ByteBuffer.wrap(b, off, len));
                return;
            }
        }
        System.arraycopy(b, off, out, used, len);
        used += len;
    }

    @Override
    public void lineEnd() throws IOException {
        if (1 > room - written) {
            throw new FileTooLargeException();
        }
        written++;
        if (used == out.length) {
            flush();
        }
        out[used++] = '\n';
    }

    public void flush() throws IOException {
        if (used > 0) {
            bb.limit(used).position(0);
            writeFully(bb);
            used = 0;
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
