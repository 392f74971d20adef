package tern.pickup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import tern.cleanup.CleanupRejectedException;
import tern.cleanup.CleanupService;
import tern.log.Logger;
import tern.queue.CorruptQueueFileException;
import tern.queue.IncompleteQueueFileException;
import tern.queue.Queue;
import tern.queue.QueueFile;

/**
 * Pickup - the pickup service (pickup(8)): takes the messages that sendmail (and postsuper -r)
 * leave in queue_directory/maildrop and feeds each through cleanup into the queue, then removes it.
 *
 * It scans maildrop when the daemon starts, when woken ("wakeup pickup" on the control socket,
 * which sendmail sends after each submission), and every wakeup interval of its master.cf entry
 * (the fifth column, 60 seconds in the stock master.cf). One thread, one file at a time, as
 * Postfix's pickup (process limit 1).
 *
 * Per file (see {@link MaildropCopy} for the copy itself):
 * <ul>
 * <li>still being written (empty, or its size record not filled in): left alone, unless it has
 *     not changed for an hour, when its writer is surely gone;</li>
 * <li>not a regular file, hard-linked elsewhere, or not a well-formed queue file: logged
 *     ("warning: maildrop/ID: ...") and moved to the corrupt queue, never dropped silently;</li>
 * <li>refused by cleanup for good (too big, too many hops): logged and moved to corrupt (the
 *     bounce service is not there yet to return it);</li>
 * <li>a temporary failure (disk full): logged; the file stays for the next scan;</li>
 * <li>otherwise removed once cleanup has committed the new queue file. A crash between the two
 *     leaves both, and the message is queued twice: the same window as Postfix's.</li>
 * </ul>
 * The submitting user is the file's owner, which only the kernel decides; nothing written in the
 * file can claim to be someone else. Files owned by the daemon's own user that cleanup wrote
 * (postsuper -r) keep their arrival time and are logged with orig_id=, as in Postfix.
 */
public final class Pickup implements AutoCloseable {
    /** How long an incomplete maildrop file may stay unchanged before it counts as abandoned. */
    static final long ABANDONED_MILLIS = 60 * 60 * 1000L;

    private final Queue queue;
    private final int daemonUid;
    private final Semaphore wake = new Semaphore(0);
    private volatile CleanupService cleanup;
    private volatile Logger log;
    private volatile long intervalMillis;
    private volatile long lineLimit;
    private volatile boolean closed;
    private Thread thread;

    /**
     * @param queue          the queue; maildrop is read, corrupt receives bad files
     * @param cleanup        where messages go ("pickup" origin)
     * @param log            "postfix/pickup[pid]" lines
     * @param intervalMillis the master.cf wakeup interval, 0 for none
     * @param sizeLimit      message_size_limit (0: none); bounds the longest line held in memory
     */
    public Pickup(Queue queue, CleanupService cleanup, Logger log, long intervalMillis, long sizeLimit) {
        this.queue = queue;
        this.cleanup = cleanup;
        this.log = log;
        this.intervalMillis = intervalMillis;
        this.lineLimit = lineLimit(sizeLimit);
        this.daemonUid = ownUid();
    }

    /** start - run the service in its own thread: a first scan at once, then on wakeups. */
    public synchronized void start() {
        if (thread == null) {
            thread = Thread.ofVirtual().name("pickup").start(this::loop);
        }
    }

    /** update - a reload: the new snapshot's cleanup, log and interval, from the next file on. */
    public void update(CleanupService newCleanup, Logger newLog, long newIntervalMillis, long sizeLimit) {
        this.cleanup = newCleanup;
        this.log = newLog;
        this.intervalMillis = newIntervalMillis;
        this.lineLimit = lineLimit(sizeLimit);
        wake.release();
    }

    /** wakeup - scan maildrop soon ("wakeup pickup"). */
    public void wakeup() {
        wake.release();
    }

    private void loop() {
        while (!closed) {
            try {
                scan();
            } catch (RuntimeException e) {
                log.warning("maildrop scan: " + e);
            }
            try {
                long i = intervalMillis;
                if (i > 0) {
                    wake.tryAcquire(i, TimeUnit.MILLISECONDS);
                } else {
                    wake.acquire();
                }
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** scan - one pass over maildrop; returns how many messages went into the queue. */
    public int scan() {
        List<String> ids;
        try {
            ids = queue.list(Queue.Dir.MAILDROP);
        } catch (IOException e) {
            log.warning("scan directory maildrop: " + e.getMessage());
            return 0;
        }
        Collections.sort(ids);
        int n = 0;
        for (String id : ids) {
            if (closed) {
                break;
            }
            if (one(id)) {
                n++;
            }
        }
        return n;
    }

    /** one - handle maildrop/id; true when it went into the queue. */
    private boolean one(String id) {
        Path p = queue.path(Queue.Dir.MAILDROP, id);
        String where = "maildrop/" + id;
        Logger l = log;
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return aside(id, where + ": not a regular file");
            }
            int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int links = (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
            if (links != 1) {
                return aside(id, where + ": file has " + links + " links");
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                if (QueueFile.inProgress(ch)) {
                    long age = System.currentTimeMillis() - a.lastModifiedTime().toMillis();
                    return age > ABANDONED_MILLIS && aside(id, where + ": incomplete file, unchanged for "
                            + age / 60_000 + " minutes");
                }
                // past its writer's placeholder, a file that does not read is damaged, whatever the reason
                QueueFile qf = QueueFile.read(p, ch);
                boolean requeued = uid == daemonUid && qf.envelope().attributes().containsKey("service_name");
                new MaildropCopy(cleanup, l, lineLimit).copy(qf, ch, uid, requeued);
            }
            Files.deleteIfExists(p);
            return true;
        } catch (NoSuchFileException e) {
            return false; // gone: another pickup, or postsuper, took it
        } catch (CorruptQueueFileException | IncompleteQueueFileException e) {
            return aside(id, where + ": " + problem(e));
        } catch (CleanupRejectedException e) {
            return aside(id, where + ": message rejected: " + e.reply());
        } catch (IOException e) {
            l.warning(where + ": " + e.getMessage() + "; will try again later");
            return false;
        }
    }

    /** aside - log why and move the file to corrupt, where a person can look at it; returns false. */
    private boolean aside(String id, String why) {
        try {
            if (queue.move(id, Queue.Dir.MAILDROP, Queue.Dir.CORRUPT)) {
                log.warning(why + "; moved to corrupt/" + id);
            }
        } catch (IOException e) {
            log.warning(why + "; cannot move it to corrupt: " + e.getMessage());
        }
        return false;
    }

    private static String problem(IOException e) {
        String m = e.getMessage();
        int i = m.indexOf(": ");
        return i >= 0 ? m.substring(i + 2) : m;
    }

    private static long lineLimit(long sizeLimit) {
        return sizeLimit > 0 ? sizeLimit : Integer.MAX_VALUE - 64;
    }

    private static int ownUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | ClassCastException e) {
            return -1;
        }
    }

    /** close - stop scanning; a file being copied is finished first (or, if interrupted, left for next time). */
    @Override
    public void close() {
        closed = true;
        wake.release();
        Thread th;
        synchronized (this) {
            th = thread;
        }
        if (th != null) {
            try {
                th.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
