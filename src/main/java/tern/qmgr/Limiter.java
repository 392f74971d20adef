package tern.qmgr;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Limiter - the concurrency limits of one transport: at most processLimit deliveries over it at
 * once, and at most destinationConcurrency to any one destination. Semaphores, fair, so that
 * waiting deliveries go in arrival order and one busy destination cannot starve the others of
 * process slots (a delivery takes its destination slot first and only then a process slot, so at
 * most destinationConcurrency deliveries of one destination ever wait for a process slot).
 *
 * Destination semaphores exist only while someone uses them (a count per destination), so a
 * transport with a recipient limit of 1, where each recipient is a destination, does not keep one
 * per recipient ever seen. A limit of 0 means no limit.
 */
final class Limiter {
    private final Semaphore process;
    private final int perDestination;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Slot> destinations = new HashMap<>();

    private static final class Slot {
        final Semaphore semaphore;
        int users;

        Slot(int permits) {
            semaphore = new Semaphore(permits, true);
        }
    }

    Limiter(Transport.Limits limits) {
        this.process = limits.processLimit() > 0 ? new Semaphore(limits.processLimit(), true) : null;
        this.perDestination = limits.destinationConcurrency();
    }

    /** Permit - what acquire() took; release it exactly once. */
    final class Permit {
        private final String destination;
        private final Slot slot;
        private boolean released;

        private Permit(String destination, Slot slot) {
            this.destination = destination;
            this.slot = slot;
        }

        void release() {
            if (released) {
                return;
            }
            released = true;
            if (process != null) {
                process.release();
            }
            if (slot != null) {
                slot.semaphore.release();
                lock.lock();
                try {
                    if (--slot.users == 0) {
                        destinations.remove(destination);
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** acquire - wait for a destination slot, then a process slot. */
    Permit acquire(String destination) throws InterruptedException {
        Slot slot = null;
        if (perDestination > 0) {
            lock.lock();
            try {
                slot = destinations.computeIfAbsent(destination, d -> new Slot(perDestination));
                slot.users++;
            } finally {
                lock.unlock();
            }
            try {
                slot.semaphore.acquire();
            } catch (InterruptedException e) {
                forget(destination, slot);
                throw e;
            }
        }
        if (process != null) {
            try {
                process.acquire();
            } catch (InterruptedException e) {
                if (slot != null) {
                    slot.semaphore.release();
                    forget(destination, slot);
                }
                throw e;
            }
        }
        return new Permit(destination, slot);
    }

    private void forget(String destination, Slot slot) {
        lock.lock();
        try {
            if (--slot.users == 0) {
                destinations.remove(destination);
            }
        } finally {
            lock.unlock();
        }
    }

    /** destinationsInUse - how many destination semaphores exist (tests). */
    int destinationsInUse() {
        lock.lock();
        try {
            return destinations.size();
        } finally {
            lock.unlock();
        }
    }
}
