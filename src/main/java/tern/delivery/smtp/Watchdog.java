package tern.delivery.smtp;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Watchdog - enforces time limits on blocking socket I/O and expires idle cached sessions, for one
 * SMTP/LMTP agent. Java has no timeout for a blocking channel write (nor for any I/O on a UNIX-domain
 * channel), so each connection sets a deadline before it blocks, and this watchdog closes the
 * channel when the deadline passes; the blocked thread then fails with an I/O error that the
 * connection reports as a timeout. Checking happens every 200 ms on one virtual thread that runs
 * only while something is watched, so an agent without connections costs nothing.
 *
 * Arming a deadline is one volatile write: no allocation, no timer queue, nothing per command.
 */
final class Watchdog {
    static final long PERIOD_MILLIS = 200;

    /** Watched - something with deadlines; poll returns false when it no longer needs watching. */
    interface Watched {
        boolean poll(long nowNanos);
    }

    private final Set<Watched> watched = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean stopped;

    void add(Watched w) {
        watched.add(w);
        if (!stopped && running.compareAndSet(false, true)) {
            Thread.ofVirtual().name("smtp-watchdog").start(this::loop);
        }
    }

    void remove(Watched w) {
        watched.remove(w);
    }

    /** stop - end the checking thread (the agent is being closed). */
    void stop() {
        stopped = true;
    }

    private void loop() {
        while (!stopped) {
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                break;
            }
            long now = System.nanoTime();
            for (Watched w : watched) {
                if (!w.poll(now)) {
                    watched.remove(w);
                }
            }
            if (watched.isEmpty()) {
                running.set(false);
                // something added between the check and the reset finds running false and starts a
                // new thread; if it did not (it came before the reset), keep going ourselves
                if (watched.isEmpty() || !running.compareAndSet(false, true)) {
                    return;
                }
            }
        }
        running.set(false);
    }
}
