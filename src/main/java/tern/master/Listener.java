package tern.master;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import tern.log.Logger;

/**
 * Listener - one inet socket of one master.cf service, and its accept loop. Each accepted
 * connection gets a virtual thread running the service's current handler. The service's process
 * limit (master.cf maxproc, else default_process_limit) caps concurrent sessions as Postfix's
 * process limit does: when all are busy, new clients wait in the listen queue, unanswered.
 *
 * A reload swaps the handler and the limit; sessions in progress keep the handler they started
 * with, and return their slot to the semaphore they took it from.
 */
final class Listener implements AutoCloseable {
    /** Handler - serves one connection on the calling thread and closes it. */
    interface Handler {
        void serve(Socket socket);
    }

    private record Current(Handler handler, Semaphore slots, int limit, Logger log) {
    }

    private final InetSocketAddress address;
    private final ServerSocket server;
    private volatile Current current;
    private final AtomicInteger sessions = new AtomicInteger();

    private Listener(InetSocketAddress address, ServerSocket server, Current current) {
        this.address = address;
        this.server = server;
        this.current = current;
    }

    /** open - bind address; the error names it as Postfix does ("bind 127.0.0.1 port 25: Address already in use"). */
    static Listener open(InetSocketAddress address, Handler handler, int limit, Logger log) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        try {
            s.bind(address, 4096);
        } catch (IOException e) {
            s.close();
            throw new IOException("bind " + address.getAddress().getHostAddress() + " port " + address.getPort() + ": "
                    + e.getMessage(), e);
        }
        Listener l = new Listener(address, s, new Current(handler, new Semaphore(limit), limit, log));
        Thread.ofPlatform().daemon().name("listen " + address).start(l::acceptLoop);
        return l;
    }

    InetSocketAddress address() {
        return address;
    }

    /** update - serve new connections with this handler and limit (a reload). */
    void update(Handler handler, int limit, Logger log) {
        Current c = current;
        // a new limit starts a new semaphore; sessions in progress release to the one they took from
        current = new Current(handler, limit == c.limit ? c.slots : new Semaphore(limit), limit, log);
    }

    /** sessions - connections being served now. */
    int sessions() {
        return sessions.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Current c = current;
            try {
                c.slots.acquire();
            } catch (InterruptedException e) {
                return;
            }
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                c.slots.release();
                if (!server.isClosed()) {
                    c.log.warning("accept " + address + ": " + e.getMessage());
                }
                continue;
            }
            Current use = current; // a reload may have happened while we waited in accept
            Semaphore taken = c.slots;
            sessions.incrementAndGet();
            Thread.ofVirtual().name("session").start(() -> {
                try {
                    use.handler.serve(s);
                } catch (RuntimeException | Error e) {
                    use.log.panic("session " + address + ": " + e);
                } finally {
                    try {
                        s.close();
                    } catch (IOException e) {
                        // already closed by the handler
                    }
                    sessions.decrementAndGet();
                    taken.release();
                }
            });
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
