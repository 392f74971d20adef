package tern.delivery.smtp;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * SessionCache - idle SMTP/LMTP sessions kept open after a delivery so that the next delivery to
 * the same place skips the connect, greeting and EHLO (Postfix's scache, in-process). Sessions are
 * found by the logical destination (the next hop as given, e.g. "example.com:25" looked up by MX)
 * or by the server endpoint ("addr:port").
 *
 * A session stays here at most time_limit seconds (smtp_connection_cache_time_limit); it is taken
 * out, used and put back by one delivery at a time. Expired sessions are closed by the watchdog's
 * thread with a QUIT whose answer is not awaited.
 */
final class SessionCache implements Watchdog.Watched {
    private final long timeLimitNanos;
    private final Watchdog watchdog;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ArrayDeque<Session>> byEndpoint = new HashMap<>();
    private final Map<String, ArrayDeque<Session>> byDestination = new HashMap<>();
    private final Map<Session, String> destinationOf = new HashMap<>();
    private boolean closed;

    SessionCache(long timeLimitSeconds, Watchdog watchdog) {
        this.timeLimitNanos = Math.max(1, timeLimitSeconds) * 1_000_000_000L;
        this.watchdog = watchdog;
    }

    /** put - keep an idle session, under its endpoint and, when not null, a logical destination. */
    void put(Session s, String destination) {
        s.idleSinceNanos = System.nanoTime();
        lock.lock();
        try {
            if (closed) {
                quit(s);
                return;
            }
            byEndpoint.computeIfAbsent(s.cacheKey, k -> new ArrayDeque<>()).addLast(s);
            if (destination != null) {
                byDestination.computeIfAbsent(destination, k -> new ArrayDeque<>()).addLast(s);
                destinationOf.put(s, destination);
            }
        } finally {
            lock.unlock();
        }
        watchdog.add(this);
    }

    /** byDestination - an idle session stored under a logical destination, or null. */
    Session takeDestination(String destination) {
        lock.lock();
        try {
            ArrayDeque<Session> q = byDestination.get(destination);
            Session s = q == null ? null : q.pollLast();
            if (s != null) {
                forget(s, destination, true);
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    /** takeEndpoint - an idle session to "addr:port" (or "unix:path"), or null. */
    Session takeEndpoint(String endpoint) {
        lock.lock();
        try {
            ArrayDeque<Session> q = byEndpoint.get(endpoint);
            Session s = q == null ? null : q.pollLast();
            if (s != null) {
                if (q.isEmpty()) {
                    byEndpoint.remove(endpoint);
                }
                String d = destinationOf.remove(s);
                if (d != null) {
                    ArrayDeque<Session> dq = byDestination.get(d);
                    if (dq != null) {
                        dq.remove(s);
                        if (dq.isEmpty()) {
                            byDestination.remove(d);
                        }
                    }
                }
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    private void forget(Session s, String destination, boolean endpointToo) {
        ArrayDeque<Session> dq = byDestination.get(destination);
        if (dq != null && dq.isEmpty()) {
            byDestination.remove(destination);
        }
        destinationOf.remove(s);
        if (endpointToo) {
            ArrayDeque<Session> eq = byEndpoint.get(s.cacheKey);
            if (eq != null) {
                eq.remove(s);
                if (eq.isEmpty()) {
                    byEndpoint.remove(s.cacheKey);
                }
            }
        }
    }

    int size() {
        lock.lock();
        try {
            int n = 0;
            for (ArrayDeque<Session> q : byEndpoint.values()) {
                n += q.size();
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean poll(long now) {
        List<Session> expired = new ArrayList<>();
        boolean empty;
        lock.lock();
        try {
            for (Iterator<ArrayDeque<Session>> it = byEndpoint.values().iterator(); it.hasNext(); ) {
                ArrayDeque<Session> q = it.next();
                for (Iterator<Session> si = q.iterator(); si.hasNext(); ) {
                    Session s = si.next();
                    if (now - s.idleSinceNanos > timeLimitNanos || !s.conn.isOpen()) {
                        si.remove();
                        expired.add(s);
                    }
                }
                if (q.isEmpty()) {
                    it.remove();
                }
            }
            for (Session s : expired) {
                String d = destinationOf.remove(s);
                if (d != null) {
                    ArrayDeque<Session> dq = byDestination.get(d);
                    if (dq != null) {
                        dq.remove(s);
                        if (dq.isEmpty()) {
                            byDestination.remove(d);
                        }
                    }
                }
            }
            empty = byEndpoint.isEmpty();
        } finally {
            lock.unlock();
        }
        for (Session s : expired) {
            quit(s);
        }
        return !empty;
    }

    /** closeAll - QUIT every idle session (the agent is going away). */
    void closeAll() {
        List<Session> all = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            for (ArrayDeque<Session> q : byEndpoint.values()) {
                all.addAll(q);
            }
            byEndpoint.clear();
            byDestination.clear();
            destinationOf.clear();
        } finally {
            lock.unlock();
        }
        for (Session s : all) {
            quit(s);
        }
    }

    /** quit - say goodbye without waiting for the answer, and close. */
    static void quit(Session s) {
        try {
            s.conn.command("QUIT");
            s.conn.flush(2);
        } catch (Connection.SmtpIoException e) {
            // the server went away first; nothing to tell it
        } finally {
            s.conn.close();
        }
    }
}
