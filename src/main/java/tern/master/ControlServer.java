package tern.master;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import tern.log.Logger;

/**
 * ControlServer - the daemon's control socket, data_directory/master.sock: how the commands reach
 * the running daemon (postfix stop/reload/status, postqueue -f, sendmail's "new mail in maildrop").
 *
 * Protocol: the client sends one line (at most 4 KiB), the daemon answers one line, "ok ..." or
 * "error ...", and closes. The socket is open to every local user, because sendmail must wake up
 * pickup; commands that change the daemon's state are refused unless the peer (SO_PEERCRED) is
 * root or the daemon's own user.
 */
final class ControlServer implements AutoCloseable {
    private static final int MAX_REQUEST = 4096;

    /** Handler - runs one command; privileged says whether the peer may change the daemon's state. */
    interface Handler {
        String handle(String command, boolean privileged);
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final Logger log;
    private final String ownUser = System.getProperty("user.name");

    private ControlServer(Path path, ServerSocketChannel server, Handler handler, Logger log) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.log = log;
    }

    /** open - bind the socket (replacing a stale one: the caller holds the pid lock) and serve it. */
    static ControlServer open(Path path, Handler handler, Logger log) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw new IOException("bind " + path + ": " + e.getMessage(), e);
        }
        ControlServer c = new ControlServer(path, s, handler, log);
        Thread.ofVirtual().name("control").start(c::acceptLoop);
        return c;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                Thread.ofVirtual().name("control-request").start(() -> serve(ch));
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.warning("control socket " + path + ": accept: " + e.getMessage());
                }
            }
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST);
            String line = null;
            while (line == null && in.hasRemaining()) {
                int n = ch.read(in);
                if (n < 0) {
                    return;
                }
                byte[] a = in.array();
                for (int i = 0; i < in.position(); i++) {
                    if (a[i] == '\n') {
                        line = new String(a, 0, i, StandardCharsets.UTF_8);
                        break;
                    }
                }
            }
            String reply = line == null ? "error request too long" : handler.handle(line.strip(), privileged(ch));
            ch.write(ByteBuffer.wrap((reply.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // the client went away; nothing to answer
        }
    }

    private boolean privileged(SocketChannel ch) {
        try {
            UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            UserPrincipal u = p.user();
            return u.getName().equals("root") || u.getName().equals(ownUser);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // shutting down
        }
    }
}
