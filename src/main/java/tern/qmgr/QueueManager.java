package tern.qmgr;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import tern.log.Logger;
import tern.queue.CorruptQueueFileException;
import tern.queue.Envelope;
import tern.queue.FilePool;
import tern.queue.IncompleteQueueFileException;
import tern.queue.Queue;
import tern.queue.QueueFile;
import tern.queue.Recipient;

/**
 * QueueManager - the qmgr(8) of the daemon: moves messages from incoming (and, when their time
 * has come, from deferred) into active, and has each one delivered ({@link ActiveMessage}).
 *
 * <h2>When it looks</h2>
 * Cleanup tells it of each new message ({@link #queued}); it takes that message at once, without
 * a directory scan. It also scans incoming when told to ({@link #wakeup}) and every few seconds
 * (messages that postsuper or a person put there), and scans deferred every queue_run_delay for
 * messages whose next attempt time (the file's modification time) has come. A flush makes deferred
 * messages eligible now: all of them ({@link #flush}), those with a recipient in one domain
 * ({@link #flushSite}, for ETRN and postqueue -s), or one message ({@link #flushMessage}). Flushed
 * messages also go through defer_transports. At most qmgr_message_active_limit messages are
 * active at once; when the active queue is full, new ones wait in incoming. Incoming and deferred
 * take turns, so a backlog of either does not starve the other.
 *
 * <h2>Crash recovery</h2>
 * At start, messages left in active by a crash go back to incoming: their recipients with a D
 * record are done and are never attempted again; the rest are. Incomplete files in incoming (a
 * cleanup that was writing when the daemon died) are removed, but only those clearly older than the
 * start of this daemon (or a day old): files being written now are left alone. A file that cannot
 * be read as a queue file is moved to corrupt, with a log line.
 *
 * <h2>Threads</h2>
 * One scheduler thread (scans and activation), one virtual thread per delivery request. The
 * queue manager is the only mover of files between incoming, active and deferred while it runs;
 * queue tools ask it through the daemon's control socket.
 */
public final class QueueManager implements AutoCloseable {
    /** How often incoming is scanned when nobody says there is something new. */
    static final long INCOMING_RESCAN_MILLIS = 10_000;
    /**
     * An incomplete file in incoming is a crash's leftover when it is older than the start of this
     * daemon by this much (file times are coarser than the clock), or older than a day (no cleanup
     * session lasts that long without writing).
     */
    private static final long LEFTOVER_MARGIN_MILLIS = 5_000;
    private static final long LEFTOVER_AGE_MILLIS = 86_400_000;

    /** Loggers - "postfix/qmgr[pid]" and, for recipients deferred for want of a transport, "postfix/error[pid]". */
    public record Loggers(Logger qmgr, Logger error) {
    }

    private final Queue queue;
    private final Loggers logs;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Condition drained = lock.newCondition();
    private final FilePool pool;
    private final ArrayDeque<Envelope> announced = new ArrayDeque<>();
    private final Set<String> forcedIds = new HashSet<>();
    private final Map<String, ActiveMessage> active = new ConcurrentHashMap<>();
    private final long startMillis = System.currentTimeMillis();

    // guarded by lock
    private Routing routing;
    private Map<String, Limiter> limiters = Map.of();
    private boolean incomingScanWanted = true;
    private boolean deferredScanWanted = true;
    private boolean flushAll;
    private boolean running;
    private boolean closed;
    private Thread scheduler;

    public QueueManager(Queue queue, Loggers logs) {
        this(queue, logs, null);
    }

    /** @param pool where the files of finished messages go for reuse (null: they are unlinked) */
    public QueueManager(Queue queue, Loggers logs, FilePool pool) {
        this.queue = queue;
        this.logs = logs;
        this.pool = pool;
    }

    /**
     * discard - remove a finished message's file (into the file pool when there is one); open is a
     * write channel on it that the caller still holds, or null.
     */
    void discard(Path file, FileChannel open) throws IOException {
        if (pool != null) {
            pool.discard(file, open);
        } else {
            Files.deleteIfExists(file);
        }
    }

    Logger log() {
        return logs.qmgr();
    }

    Logger errorLog() {
        return logs.error();
    }

    Queue queue() {
        return queue;
    }

    /**
     * update - the routing of a (new) configuration snapshot. Messages activated from now on use
     * it; those in the active queue finish with the one they have. Must be called before start.
     */
    public void update(Routing next) {
        Map<String, Limiter> l = new HashMap<>();
        for (Map.Entry<String, Transport> e : next.transports().entrySet()) {
            l.put(e.getKey(), new Limiter(e.getValue().limits()));
        }
        lock.lock();
        try {
            routing = next;
            limiters = Map.copyOf(l);
            deferredScanWanted = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** start - recover from a crash, then run the scheduler thread. */
    public void start() throws IOException {
        lock.lock();
        try {
            if (routing == null) {
                throw new IllegalStateException("queue manager started without routing");
            }
            if (running || closed) {
                return;
            }
            running = true;
        } finally {
            lock.unlock();
        }
        recover();
        Thread t = Thread.ofPlatform().name("qmgr").daemon(true).unstarted(this::loop);
        lock.lock();
        try {
            scheduler = t;
        } finally {
            lock.unlock();
        }
        t.start();
    }

    /** recover - messages left in active by a crash go back to incoming (their D records stay valid). */
    private void recover() throws IOException {
        for (String id : queue.list(Queue.Dir.ACTIVE)) {
            queue.move(id, Queue.Dir.ACTIVE, Queue.Dir.INCOMING);
        }
    }

    /** queued - cleanup's callback: a new message is complete in incoming. Never blocks for long. */
    public void queued(Envelope e) {
        lock.lock();
        try {
            announced.add(e);
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** wakeup - look in incoming now (a queue tool put something there). */
    public void wakeup() {
        lock.lock();
        try {
            incomingScanWanted = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** flush - every deferred message is eligible now (postqueue -f, postfix flush, sendmail -q). */
    public void flush() {
        lock.lock();
        try {
            flushAll = true;
            deferredScanWanted = true;
            incomingScanWanted = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * flushSite - deferred messages with a recipient in this domain are eligible now (ETRN site,
     * postqueue -s site). Returns how many messages that concerns. Reads the deferred queue files;
     * an unreadable one is skipped (the scheduler deals with it).
     */
    public int flushSite(String site) throws IOException {
        String domain = site.toLowerCase(Locale.ROOT);
        List<String> hits = new ArrayList<>();
        for (String id : queue.list(Queue.Dir.DEFERRED)) {
            QueueFile q;
            try {
                q = QueueFile.read(queue.path(Queue.Dir.DEFERRED, id));
            } catch (IOException e) {
                continue;
            }
            for (Recipient r : q.pending()) {
                int at = r.address().lastIndexOf('@');
                if (at >= 0 && r.address().substring(at + 1).toLowerCase(Locale.ROOT).equals(domain)) {
                    hits.add(id);
                    break;
                }
            }
        }
        force(hits);
        return hits.size();
    }

    /** flushMessage - one deferred message is eligible now (postqueue -i). False when it is not deferred. */
    public boolean flushMessage(String id) {
        if (!Files.exists(queue.path(Queue.Dir.DEFERRED, id))) {
            return false;
        }
        force(List.of(id));
        return true;
    }

    private void force(List<String> ids) {
        lock.lock();
        try {
            forcedIds.addAll(ids);
            deferredScanWanted = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** activeCount - messages in the active queue now. */
    public int activeCount() {
        return active.size();
    }

    /** done - an active message has left the active queue (removed or deferred). */
    void done(ActiveMessage m) {
        active.remove(m.id());
        lock.lock();
        try {
            wake.signalAll();
            drained.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A message to take into the active queue: where it is, and whether a flush asked for it. */
    /** Candidate - a message to activate; fresh is its envelope when cleanup just wrote it (else null: read the file). */
    private record Candidate(Queue.Dir dir, String id, boolean forced, Envelope fresh) {
    }

    private void loop() {
        long nextIncoming = 0;
        long nextDeferred = 0;
        while (true) {
            List<Envelope> fresh = new ArrayList<>();
            boolean scanIncoming;
            boolean scanDeferred;
            boolean all;
            Set<String> forced;
            Routing r;
            Map<String, Limiter> l;
            lock.lock();
            try {
                while (running) {
                    long now = System.currentTimeMillis();
                    boolean room = active.size() < routing.settings().activeLimit();
                    if (room && (!announced.isEmpty() || incomingScanWanted || deferredScanWanted
                            || now >= nextIncoming || now >= nextDeferred)) {
                        break;
                    }
                    long until = room ? Math.min(nextIncoming, nextDeferred) - now : 1000;
                    try {
                        wake.await(Math.max(1, until), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        running = false;
                    }
                }
                if (!running) {
                    return;
                }
                long now = System.currentTimeMillis();
                int room = routing.settings().activeLimit() - active.size();
                while (!announced.isEmpty() && fresh.size() < room) {
                    fresh.add(announced.poll());
                }
                scanIncoming = incomingScanWanted || now >= nextIncoming;
                scanDeferred = deferredScanWanted || now >= nextDeferred;
                all = flushAll;
                forced = new HashSet<>(forcedIds);
                incomingScanWanted = false;
                deferredScanWanted = false;
                flushAll = false;
                forcedIds.clear();
                if (scanIncoming) {
                    nextIncoming = now + INCOMING_RESCAN_MILLIS;
                }
                if (scanDeferred) {
                    nextDeferred = now + routing.settings().queueRunDelay();
                }
                r = routing;
                l = limiters;
            } finally {
                lock.unlock();
            }
            try {
                for (Envelope e : fresh) {
                    activate(r, l, new Candidate(Queue.Dir.INCOMING, e.id(), false, e));
                }
                List<Candidate> incoming = scanIncoming ? incoming() : List.of();
                List<Candidate> deferred = scanDeferred ? deferred(all, forced) : List.of();
                takeTurns(r, l, incoming, deferred, forced);
            } catch (IOException | RuntimeException e) {
                log().warning("queue scan: " + e);
            }
        }
    }

    /** takeTurns - activate candidates, one from incoming and one from deferred in turn, while there is room. */
    private void takeTurns(Routing r, Map<String, Limiter> l, List<Candidate> incoming, List<Candidate> deferred,
                           Set<String> forced) {
        int i = 0;
        int d = 0;
        while (i < incoming.size() || d < deferred.size()) {
            if (active.size() >= r.settings().activeLimit()) {
                lock.lock();
                try {
                    // no room: look again when a message leaves; keep flush requests for then
                    incomingScanWanted |= i < incoming.size();
                    deferredScanWanted |= d < deferred.size();
                    for (int k = d; k < deferred.size(); k++) {
                        if (deferred.get(k).forced()) {
                            forcedIds.add(deferred.get(k).id());
                        }
                    }
                } finally {
                    lock.unlock();
                }
                return;
            }
            if (i < incoming.size()) {
                activate(r, l, incoming.get(i++));
            }
            if (d < deferred.size() && active.size() < r.settings().activeLimit()) {
                activate(r, l, deferred.get(d++));
            }
        }
    }

    /** incoming - the complete messages in incoming; leftovers of a crash are removed on the way. */
    private List<Candidate> incoming() throws IOException {
        List<Candidate> out = new ArrayList<>();
        for (String id : queue.list(Queue.Dir.INCOMING)) {
            if (active.containsKey(id)) {
                continue;
            }
            Path p = queue.path(Queue.Dir.INCOMING, id);
            if (QueueFile.isPlaceholder(p)) {
                continue; // an empty file prepared by the FilePool: not a message, not ours to remove
            }
            try {
                if (incomplete(p)) {
                    long mtime = Files.getLastModifiedTime(p).toMillis();
                    if (mtime < startMillis - LEFTOVER_MARGIN_MILLIS
                            || mtime < System.currentTimeMillis() - LEFTOVER_AGE_MILLIS) {
                        Files.deleteIfExists(p);
                        log().warning(id + ": removed incomplete queue file left behind by a crash");
                    }
                    continue;
                }
            } catch (NoSuchFileException e) {
                continue;
            }
            out.add(new Candidate(Queue.Dir.INCOMING, id, false, null));
        }
        return out;
    }

    /** deferred - the deferred messages whose time has come (all when flushed, plus those asked for). */
    private List<Candidate> deferred(boolean all, Set<String> forced) throws IOException {
        long now = System.currentTimeMillis();
        List<Candidate> out = new ArrayList<>();
        for (String id : queue.list(Queue.Dir.DEFERRED)) {
            if (active.containsKey(id)) {
                continue;
            }
            boolean force = all || forced.contains(id);
            if (!force) {
                try {
                    if (Files.getLastModifiedTime(queue.path(Queue.Dir.DEFERRED, id)).toMillis() > now) {
                        continue;
                    }
                } catch (NoSuchFileException e) {
                    continue;
                }
            }
            out.add(new Candidate(Queue.Dir.DEFERRED, id, force, null));
        }
        return out;
    }

    /**
     * incomplete - whether a non-empty file in incoming is still being written (or was abandoned by
     * a crash): its size record is not filled in yet, or not even written. (Empty files are the
     * FilePool's placeholders; callers skip those first.)
     */
    static boolean incomplete(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(16);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    return true;
                }
            }
            byte[] a = b.array();
            if (a[0] != 'C' || a[1] != ' ') {
                return false; // not a queue file at all: corrupt, not incomplete
            }
            for (int i = 2; i < 15; i++) {
                if (a[i] != '0') {
                    return false;
                }
            }
            return true;
        }
    }

    /** activate - move a message into active, read it, and start its deliveries. */
    private void activate(Routing r, Map<String, Limiter> l, Candidate c) {
        String id = c.id();
        if (active.containsKey(id)) {
            return;
        }
        try {
            if (c.dir() == Queue.Dir.INCOMING && c.fresh() == null) {
                Path in = queue.path(Queue.Dir.INCOMING, id);
                if (QueueFile.isPlaceholder(in) || incomplete(in)) {
                    return;
                }
            }
            if (!queue.move(id, c.dir(), Queue.Dir.ACTIVE)) {
                return; // someone else moved or removed it first
            }
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            log().warning(id + ": cannot move to the active queue: " + e.getMessage());
            return;
        }
        long now = System.currentTimeMillis();
        Path p = queue.path(Queue.Dir.ACTIVE, id);
        QueueFile q;
        try {
            // a message cleanup just committed is what its envelope says: no need to read it back
            q = c.fresh() != null ? QueueFile.fresh(p, c.fresh()) : QueueFile.read(p);
        } catch (CorruptQueueFileException | IncompleteQueueFileException e) {
            // complete when it was moved here, so incomplete now means damaged: keep it for a person
            corrupt(id, e);
            return;
        } catch (IOException e) {
            log().warning(id + ": cannot read queue file: " + e.getMessage() + "; will try again later");
            try {
                Files.setLastModifiedTime(p, FileTime.fromMillis(now + r.settings().minimalBackoff()));
                queue.move(id, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED);
            } catch (IOException ignored) {
                // it stays in active; the next start puts it back in incoming
            }
            return;
        }
        // postsuper -e/-f's mark: looked at only for a message read back from disk (one that
        // cleanup just committed cannot carry it yet).
        boolean expired = false;
        if (c.fresh() == null) {
            try {
                expired = QueueFile.forcedExpire(p);
            } catch (IOException e) {
                expired = false; // unreadable mode: deliver as usual; reading the file itself worked
            }
        }
        ActiveMessage m = new ActiveMessage(this, r, l, q, now, c.forced(), expired);
        active.put(id, m);
        log().info(id + ": from=<" + q.envelope().sender() + ">, size=" + q.envelope().contentLength() + ", nrcpt="
                + q.pending().size() + " (queue active)");
        try {
            m.schedule();
        } catch (RuntimeException e) {
            // a bug must not wedge the message in the active queue: try it again later
            log().warning(id + ": cannot schedule the delivery: " + e);
            active.remove(id);
            try {
                Files.setLastModifiedTime(p, FileTime.fromMillis(now + r.settings().minimalBackoff()));
                queue.move(id, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED);
            } catch (IOException ignored) {
                // it stays in active; the next start puts it back in incoming
            }
        }
    }

    /** corrupt - a file that is no queue file goes to corrupt, for a person to look at. */
    private void corrupt(String id, IOException e) {
        log().warning(id + ": " + e.getMessage());
        try {
            if (queue.move(id, Queue.Dir.ACTIVE, Queue.Dir.CORRUPT)) {
                log().warning("saving corrupt file \"" + id + "\" from queue \"active\" to queue \"corrupt\"");
            }
        } catch (IOException io) {
            log().warning(id + ": cannot move to the corrupt queue: " + io.getMessage());
        }
    }

    /**
     * close - stop taking messages; deliveries in progress get up to graceMillis to finish. What is
     * left in active is picked up at the next start.
     */
    public void close(long graceMillis) {
        Thread t;
        lock.lock();
        try {
            closed = true;
            running = false;
            wake.signalAll();
            t = scheduler;
        } finally {
            lock.unlock();
        }
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        lock.lock();
        try {
            while (!active.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                drained.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        close(0);
    }
}
