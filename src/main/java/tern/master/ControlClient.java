package tern.master;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * ControlClient - the command side of the daemon's control socket (see {@link ControlServer}):
 * one request line, one reply line. Used by postfix, postqueue, postsuper and sendmail; it loads no
 * daemon code. A daemon that is not running is an IOException (no socket, or nobody listening).
 */
public final class ControlClient {
    private static final int MAX_REPLY = 64 * 1024;

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
