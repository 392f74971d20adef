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
 *
 * Rate delays (NAME_destination_rate_delay, NAME_transport_rate_delay): once a delivery holds its
 * slots, it waits until the delay has passed since the previous start to the same destination (or
 * over the transport), so such deliveries start one at a time, paced. The waiting is a sleep on
 * the delivery's own virtual thread.
 */
final class Limiter {
    private final Semaphore process;
    private final int perDestination;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Slot> destinations = new HashMap<>();
    private final long destinationRateDelay;
    private final long transportRateDelay;
    private final ReentrantLock transportPace = new ReentrantLock();
    private long transportNextStart;
    private final Map<String, Long> destinationNextStart = new HashMap<>(); // guarded by lock

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
        this.destinationRateDelay = limits.destinationRateDelay();
        this.transportRateDelay = limits.transportRateDelay();
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
        Permit p = new Permit(destination, slot);
        try {
            pace(destination);
        } catch (InterruptedException e) {
            p.release();
            throw e;
        }
        return p;
    }

    /** pace - wait out the rate delays, then note this start. */
    private void pace(String destination) throws InterruptedException {
        if (destinationRateDelay > 0) {
            // one at a time per destination: the delay is between starts
            while (true) {
                long wait;
                lock.lock();
                try {
                    long now = System.currentTimeMillis();
                    Long next = destinationNextStart.get(destination);
                    wait = next == null ? 0 : next - now;
                    if (wait <= 0) {
                        destinationNextStart.put(destination, now + destinationRateDelay);
                        if (destinationNextStart.size() > 1000) {
                            destinationNextStart.values().removeIf(t -> t < now);
                        }
                        break;
                    }
                } finally {
                    lock.unlock();
                }
                Thread.sleep(wait);
            }
        }
        if (transportRateDelay > 0) {
            transportPace.lockInterruptibly();
            try {
                long wait = transportNextStart - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                transportNextStart = System.currentTimeMillis() + transportRateDelay;
            } finally {
                transportPace.unlock();
            }
        }
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
