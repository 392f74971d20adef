package tern.smtpd;

import java.io.IOException;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * WriteDeadlines - smtpd_timeout for writes. A Java socket write has no time limit, so a client that
 * stops reading could hold a session forever once the socket buffer is full. Each session registers
 * its output and socket here; one watcher thread looks once a second for a write that has run past
 * its deadline and closes that socket, which makes the write fail.
 *
 * The watcher runs only while sessions are registered (it starts with the first and ends after the
 * last), so an idle server has no thread and nothing to stop. It never fails: a close that fails is
 * ignored (the socket is going away either way).
 */
final class WriteDeadlines {
    private static final long PERIOD_MILLIS = 1000;

    private final Map<SmtpOutput, Socket> sessions = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private boolean watching;

    /** register - watch this session's writes until unregister. */
    void register(SmtpOutput out, Socket socket) {
        sessions.put(out, socket);
        lock.lock();
        try {
            if (!watching) {
                watching = true;
                Thread.ofVirtual().name("smtpd write deadlines").start(this::watch);
            }
        } finally {
            lock.unlock();
        }
    }

    void unregister(SmtpOutput out) {
        sessions.remove(out);
    }

    private void watch() {
        for (;;) {
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                lock.lock();
                watching = false;
                lock.unlock();
                return;
            }
            long now = System.nanoTime();
            for (Map.Entry<SmtpOutput, Socket> e : sessions.entrySet()) {
                long d = e.getKey().deadline;
                if (d != 0 && now - d > 0) {
                    try {
                        e.getValue().close();
                    } catch (IOException ignored) {
                        // closing is all we can do
                    }
                }
            }
            lock.lock();
            try {
                if (sessions.isEmpty()) {
                    watching = false;
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
