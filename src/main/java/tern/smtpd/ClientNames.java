package tern.smtpd;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * ClientNames - the client's host name as smtpd logs and checks it: the reverse (PTR) name of its
 * address, but only when a forward lookup of that name gives the address back; "unknown" otherwise.
 * An interface so that the lookup can move to the dns package without touching smtpd.
 */
@FunctionalInterface
public interface ClientNames {
    String UNKNOWN = "unknown";

    /** nameOf - the verified name, or {@link #UNKNOWN}; never blocks much longer than its own limit. */
    String nameOf(InetAddress address);

    /**
     * system - the JDK resolver (/etc/hosts, then DNS as nsswitch says). Java's reverse lookup already
     * confirms the name with a forward lookup (it returns the address text when that fails).
     *
     * The JDK resolves in native code, which holds the carrier thread of a virtual thread for as long
     * as the resolver takes (a DNS timeout: seconds); so lookups run on a small pool of platform
     * threads of their own, never on a session's thread. A session waits at most limit for its
     * answer, after which the client is "unknown", as after a DNS timeout in Postfix. When all
     * threads are busy (a resolver that hangs, under a flood of connections) a client is "unknown"
     * at once rather than queued behind the others.
     *
     * @param limit   how long a session waits for its answer
     * @param threads at most this many lookups at a time
     */
    static ClientNames system(Duration limit, int threads) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, threads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Thread.ofPlatform().daemon().name("smtpd client name lookup ", 0).factory());
        return address -> {
            Future<String> f;
            try {
                f = pool.submit(address::getCanonicalHostName);
            } catch (RejectedExecutionException e) {
                return UNKNOWN;
            }
            String name;
            try {
                name = f.get(limit.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return UNKNOWN;
            } catch (ExecutionException | TimeoutException e) {
                return UNKNOWN;
            }
            if (name == null || name.isEmpty() || name.equals(address.getHostAddress()) || !isHostName(name)) {
                return UNKNOWN;
            }
            return name;
        };
    }

    /** system - {@link #system(Duration, int)} with 64 lookups at a time, answers cached for a minute. */
    static ClientNames system(Duration limit) {
        return cached(system(limit, 64), Duration.ofSeconds(60), 10_000);
    }

    /**
     * cached - remember verified names (and "unknown" results that were answers, not time-outs, for
     * as long) for ttl, at most max entries: a busy client's every connection would otherwise cost a
     * resolver round trip (the JDK does not cache reverse lookups). A full cache is emptied and
     * refilled rather than kept in order; stale entries are looked up again.
     */
    static ClientNames cached(ClientNames lookup, Duration ttl, int max) {
        record Entry(String name, long expires) {
        }
        java.util.concurrent.ConcurrentHashMap<InetAddress, Entry> cache = new java.util.concurrent.ConcurrentHashMap<>();
        long ttlNanos = ttl.toNanos();
        return address -> {
            long now = System.nanoTime();
            Entry e = cache.get(address);
            if (e != null && now - e.expires < 0) {
                return e.name;
            }
            long started = System.nanoTime();
            String name = lookup.nameOf(address);
            // an "unknown" that took long is probably a time-out: do not hold on to it
            if (!name.equals(UNKNOWN) || System.nanoTime() - started < ttlNanos / 60) {
                if (cache.size() >= max) {
                    cache.clear();
                }
                cache.put(address, new Entry(name, now + ttlNanos));
            }
            return name;
        };
    }

    /** isHostName - letters, digits, '-', '_' and dots: a PTR that is not a host name is not used. */
    private static boolean isHostName(String name) {
        boolean letter = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isLetter(c) && c < 128) {
                letter = true;
            } else if (!(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_') {
                return false;
            }
        }
        return letter;
    }
}
