package tern.master;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import tern.log.Logger;

/**
 * ControlServer - the daemon's control socket, data_directory/master.sock: how the commands reach
 * the running daemon (postfix stop/reload/status, postqueue -f, sendmail's "new mail in maildrop",
 * and the queue listing of postqueue -p/-j for users who may not read the queue).
 *
 * Protocol: the client sends one line (at most 4 KiB), the daemon answers one line, "ok ..." or
 * "error ...", and closes. The socket is open to every local user, because sendmail must wake up
 * pickup; commands that change the daemon's state are refused unless the peer (SO_PEERCRED) is
 * root or the daemon's own user.
 *
 * One request has a multi-line answer: "showq ARGS" (the queue listing; it changes nothing, so
 * every user may ask, as with Postfix's showq service). Its answer is the line "ok", then the
 * listing as a body framed as SMTP frames DATA (a line that begins with "." gets one more; a line
 * of one "." ends it; see DotBody), then one last line, "ok", or "error TEXT" when the listing
 * stopped early (what came before it stands). A refused request is the usual single "error" line.
 *
 * Bounds: a request must arrive, and a one-line answer leave, within REQUEST_TIME each; a listing
 * within LIST_TIME and MAX_LIST bytes, at most MAX_LISTS at a time (one more waits a little, then
 * is refused). A peer that overstays is cut off: the daemon closes the connection.
 */
final class ControlServer implements AutoCloseable {
    private static final int MAX_REQUEST = 4096;
    private static final Duration REQUEST_TIME = Duration.ofSeconds(30);
    /** Generous: the listing streams to a user who may page through it. Postfix's ipc_timeout is an hour. */
    private static final Duration LIST_TIME = Duration.ofMinutes(10);
    private static final long MAX_LIST = 1L << 30;
    private static final int MAX_LISTS = 4;

    /** Handler - runs one command; privileged says whether the peer may change the daemon's state. */
    interface Handler {
        String handle(String command, boolean privileged);
    }

    /** Lister - writes the queue listing that a "showq ARGS" request asks for (args: what follows the word). */
    interface Lister {
        void list(String args, Appendable out) throws IOException;
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final Lister lister;
    private final Semaphore lists = new Semaphore(MAX_LISTS);
    private final Logger log;
    private final String ownUser = System.getProperty("user.name");

    private ControlServer(Path path, ServerSocketChannel server, Handler handler, Lister lister, Logger log) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.lister = lister;
        this.log = log;
    }

    /** open - bind the socket (replacing a stale one: the caller holds the pid lock) and serve it. */
    static ControlServer open(Path path, Handler handler, Lister lister, Logger log) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw new IOException("bind " + path + ": " + e.getMessage(), e);
        }
        ControlServer c = new ControlServer(path, s, handler, lister, log);
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
            String line;
            try (Deadline d = Deadline.after(REQUEST_TIME, ch)) {
                line = readRequest(ch);
            }
            String command = line == null ? null : line.strip();
            if (command != null && (command.equals("showq") || command.startsWith("showq "))) {
                showq(ch, command.substring(5).strip());
                return;
            }
            // the command's own work (a reload) is the daemon's business, not bounded here
            String reply = command == null ? "error request too long" : handler.handle(command, privileged(ch));
            try (Deadline d = Deadline.after(REQUEST_TIME, ch)) {
                writeLine(ch, reply);
            }
        } catch (IOException e) {
            // the client went away, or overstayed; nothing to answer
        }
    }

    /** readRequest - the request line without its newline; null when it is too long. */
    private static String readRequest(SocketChannel ch) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST);
        while (in.hasRemaining()) {
            int n = ch.read(in);
            if (n < 0) {
                throw new IOException("no request");
            }
            byte[] a = in.array();
            for (int i = in.position() - n; i < in.position(); i++) {
                if (a[i] == '\n') {
                    return new String(a, 0, i, StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    /** showq - answer a listing request: "ok", the listing as a dot-framed body, "ok" or "error TEXT". */
    private void showq(SocketChannel ch, String args) throws IOException {
        boolean slot;
        try {
            slot = lists.tryAcquire(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!slot) {
            try (Deadline d = Deadline.after(REQUEST_TIME, ch)) {
                writeLine(ch, "error too many queue listings at once");
            }
            return;
        }
        try (Deadline d = Deadline.after(LIST_TIME, ch)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 16 * 1024);
            out.write("ok\n".getBytes(StandardCharsets.UTF_8));
            DotBody.Out body = new DotBody.Out(out, MAX_LIST);
            Writer w = new OutputStreamWriter(body, StandardCharsets.UTF_8);
            String end = "ok";
            try {
                lister.list(args, w);
                w.flush();
            } catch (IOException | RuntimeException e) {
                try {
                    w.flush(); // what was listed before the failure stands
                } catch (IOException again) {
                    // the failure was the output's own (too long): what is there, is there
                }
                if (!ch.isOpen()) {
                    if (d.expired()) {
                        log.warning("control socket: queue listing cut off after " + LIST_TIME.toSeconds() + "s");
                    }
                    return; // the client went away, or overstayed: nobody to tell
                }
                end = "error " + reason(e);
            }
            body.finish();
            out.write((end.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } finally {
            lists.release();
        }
    }

    /** reason - an exception's text for the client; a file's problem as "FILE: reason". */
    private static String reason(Exception e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason()
                    : e instanceof java.nio.file.AccessDeniedException ? "Permission denied" : "cannot read");
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static void writeLine(SocketChannel ch, String reply) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((reply.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
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
