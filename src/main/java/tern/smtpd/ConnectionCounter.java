package tern.smtpd;

import java.util.concurrent.ConcurrentHashMap;

/**
 * ConnectionCounter - simultaneous connections per client address, for
 * smtpd_client_connection_count_limit. Postfix keeps these in the anvil server; Tern's smtpd runs in
 * one process, so a map in memory does the same job. Entries disappear when their count drops to
 * zero, so the map holds only clients that are connected now.
 *
 * Thread-safe. It never fails; a caller must pair each {@link #connect} with one {@link #disconnect}.
 */
public final class ConnectionCounter {
    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

    /** connect - count one more connection from address; returns the count including this one. */
    public int connect(String address) {
        return counts.merge(address, 1, Integer::sum);
    }

    /** disconnect - one connection from address has ended. */
    public void disconnect(String address) {
        counts.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** count - connections from address now (for tests and status). */
    public int count(String address) {
        Integer n = counts.get(address);
        return n == null ? 0 : n;
    }
}
