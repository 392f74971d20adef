package tern.master;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * DotBody - the multi-line body of a control answer (see {@link ControlServer}), framed as SMTP
 * frames DATA: a line that begins with "." is sent with one more "."; a line of one "." ends the
 * body. Bytes pass unchanged otherwise, so the receiver gets exactly the bytes that were written
 * (a body that does not end in a newline gets one, so that the end mark stands on its own line).
 *
 * {@link Out} counts what it sends and fails past its limit; {@link In} reads only up to the end
 * mark, so the caller reads what follows from the same stream. Neither closes the stream it wraps.
 */
final class DotBody {
    private DotBody() {
    }

    /** Out - writes a body; {@link #finish} writes the end mark. */
    static final class Out extends FilterOutputStream {
        private final long limit;
        private long count;
        private boolean lineStart = true;

        Out(OutputStream out, long limit) {
            super(out);
            this.limit = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (++count > limit) {
                throw new IOException("answer longer than " + limit + " bytes");
            }
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n';
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            // byte by byte is simplest and right; the stream below is buffered
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }

        /** finish - end the body (after a newline of our own if the last line has none) and flush. */
        void finish() throws IOException {
            if (!lineStart) {
                out.write('\n');
            }
            out.write('.');
            out.write('\n');
            out.flush();
        }

        @Override
        public void close() throws IOException {
            flush(); // the stream below belongs to the caller
        }
    }

    /** In - reads a body up to its end mark, which it consumes; then end of stream. */
    static final class In extends InputStream {
        private final InputStream in;
        private boolean lineStart = true;
        private boolean done;

        /** In - over in, which should be buffered: it is read a byte at a time. */
        In(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("answer ended before its end mark");
            }
            if (lineStart && b == '.') {
                int next = in.read();
                if (next == '\n') {
                    done = true;
                    return -1;
                }
                if (next != '.') {
                    throw new IOException("malformed answer: a line starts with a single \".\"");
                }
                // the doubled dot stands for one
            }
            lineStart = b == '\n';
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = 0;
            while (n < len) {
                int c = read();
                if (c < 0) {
                    break;
                }
                b[off + n++] = (byte) c;
                if (c == '\n') {
                    break; // hand over whole lines as they come: the caller prints them at once
                }
            }
            return n == 0 ? -1 : n;
        }
    }
}
