package tern.master;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * ControlClient - the command side of the daemon's control socket (see {@link ControlServer}):
 * one request line, one reply line; or, for "showq", the queue listing as a multi-line answer.
 * Used by postfix, postqueue, postsuper and sendmail; it loads no daemon code. A daemon that is
 * not running is an IOException (no socket, or nobody listening).
 */
public final class ControlClient {
    private static final int MAX_REPLY = 64 * 1024;
    /** A little longer than the daemon gives a listing, so that its own word on the matter arrives. */
    private static final Duration LIST_TIME = Duration.ofMinutes(11);

    private ControlClient() {
    }

    /** request - send one command; the reply line without its newline. */
    public static String request(Path socket, String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteBuffer in = ByteBuffer.allocate(MAX_REPLY);
            while (in.hasRemaining()) {
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                byte[] a = in.array();
                for (int i = in.position() - n; i < in.position(); i++) {
                    if (a[i] == '\n') {
                        return new String(a, 0, i, StandardCharsets.UTF_8);
                    }
                }
            }
            throw new IOException("no reply from the daemon");
        }
    }

    /**
     * showq - ask the daemon for the queue listing ("showq ARGS") and append it to out as it comes.
     * The answer's last line: "ok", or "error TEXT" when the daemon refused or the listing stopped
     * early (what came before stays in out). Only a daemon that cannot be reached at all is an
     * IOException, and then nothing was written to out. Bounded by LIST_TIME.
     */
    public static String showq(Path socket, String args, Appendable out) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
             Deadline d = Deadline.after(LIST_TIME, ch)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            try {
                ByteBuffer req = ByteBuffer.wrap(("showq " + args + "\n").getBytes(StandardCharsets.UTF_8));
                while (req.hasRemaining()) {
                    ch.write(req);
                }
                InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 16 * 1024);
                String first = line(in);
                if (!first.equals("ok")) {
                    return first; // refused: "error ..."
                }
                Reader body = new InputStreamReader(new DotBody.In(in), StandardCharsets.UTF_8);
                char[] buf = new char[8192];
                for (int n = body.read(buf); n >= 0; n = body.read(buf)) {
                    out.append(CharBuffer.wrap(buf, 0, n));
                }
                return line(in);
            } catch (IOException e) {
                return d.expired() ? "error no complete answer from the daemon within " + LIST_TIME.toMinutes() + " minutes"
                        : "error answer cut short: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        }
    }

    /** line - one answer line without its newline; at most MAX_REPLY bytes. */
    private static String line(InputStream in) throws IOException {
        byte[] b = new byte[256];
        int n = 0;
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException(n == 0 ? "no reply from the daemon" : "reply line without its end");
            }
            if (n == MAX_REPLY) {
                throw new IOException("reply line too long");
            }
            if (n == b.length) {
                b = java.util.Arrays.copyOf(b, Math.min(2 * n, MAX_REPLY));
            }
            b[n++] = (byte) c;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** running - the daemon's pid when one answers on socket, else -1. */
    public static long running(Path socket) {
        try {
            String r = request(socket, "status");
            if (r.startsWith("ok ")) {
                return Long.parseLong(r.substring(3).strip());
            }
        } catch (IOException | NumberFormatException e) {
            // not running
        }
        return -1;
    }
}
