package tern.master;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/**
 * Deadline - closes a channel when its time is up, so that a blocked read or write on it ends
 * (with an AsynchronousCloseException): the control socket's bound on how long a peer that stops
 * reading or writing can hold a request. Closing the deadline (normal end) cancels it; it never
 * closes the channel then.
 */
final class Deadline implements AutoCloseable {
    private final Thread timer;
    private volatile boolean expired;
    private volatile boolean cancelled;

    private Deadline(Closeable channel, Duration after) {
        // a virtual thread: one per request costs next to nothing, even in a short CLI
        timer = Thread.ofVirtual().name("deadline").unstarted(() -> {
            try {
                Thread.sleep(after);
            } catch (InterruptedException e) {
                return;
            }
            if (cancelled) {
                return;
            }
            expired = true;
            try {
                channel.close();
            } catch (IOException e) {
                // closed either way
            }
        });
    }

    /** after - close channel once the given time has passed, unless the deadline is closed first. */
    static Deadline after(Duration time, Closeable channel) {
        Deadline d = new Deadline(channel, time);
        d.timer.start();
        return d;
    }

    /** expired - whether the time ran out (and the channel was closed for it). */
    boolean expired() {
        return expired;
    }

    @Override
    public void close() {
        cancelled = true;
        timer.interrupt();
    }
}
