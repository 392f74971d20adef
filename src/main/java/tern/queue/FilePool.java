package tern.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import tern.log.Logger;

/**
 * FilePool - empty queue files made ahead of need, so that accepting a message costs one fdatasync
 * instead of a file creation plus fsyncs.
 *
 * Why: on ext4 (and file systems like it) making a new file durable means a journal commit of the
 * inode and the directory entry, about four times the cost of making data durable in a file whose
 * name is already on disk (measured: 855 vs 3200 durable 1.4 KB writes a second from one thread).
 * So a background thread creates files in batches under fresh queue ids, makes all their
 * directory entries durable with one directory fsync, and hands them out; a message is then one
 * write and one fdatasync into a file whose name was durable before the message arrived.
 *
 * The files sit in the directory they serve (incoming), empty. An empty file is not a message
 * (see {@link QueueFile#isPlaceholder}): readers skip it, and at start-up the pool removes those a
 * previous run left. When the pool runs dry (a burst), writers create their own file as before.
 *
 * Files of finished messages come back through {@link #discard}: emptied and renamed into the
 * pool rather than unlinked, because allocating a new inode is the dearest part of making a file
 * on ext4 when many were deleted just before (it searches past recently deleted inodes: a fifth
 * of the daemon's CPU under a relay load). Like an unlink, the emptying is not made durable: after
 * a power failure a delivered message may come back, as it may with Postfix.
 */
public final class FilePool implements AutoCloseable {
    /** Taken - a pool file handed to one writer: its id, path and an open write channel. */
    record Taken(String id, Path path, FileChannel channel) {
    }

    private final Queue queue;
    private final Queue.Dir dir;
    private final QueueId ids;
    private final DirSync sync;
    private final Logger log;
    private final int size;
    private final ConcurrentLinkedQueue<String> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    /** Recycled files whose new names are not durable yet; fill() syncs them into ready. */
    private final ConcurrentLinkedQueue<String> unsynced = new ConcurrentLinkedQueue<>();
    private final AtomicInteger unsyncedCount = new AtomicInteger();
    private final AtomicBoolean filling = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * @param size how many files to keep ready; refilled when it falls below half
     */
    public FilePool(Queue queue, Queue.Dir dir, QueueId ids, DirSync sync, Logger log, int size) throws IOException {
        this.queue = queue;
        this.dir = dir;
        this.ids = ids;
        this.sync = sync;
        this.log = log;
        this.size = size;
        removeLeftovers();
        fill();
    }

    /** removeLeftovers - empty files from an earlier run are placeholders nobody will use. */
    private void removeLeftovers() throws IOException {
        for (String id : queue.list(dir)) {
            Path p = queue.path(dir, id);
            try {
                if (Files.size(p) == 0) {
                    Files.deleteIfExists(p);
                }
            } catch (NoSuchFileException e) {
                // gone already
            }
        }
    }

    /** take - a ready file, or null when the pool is empty (the caller then creates its own). */
    Taken take() {
        while (!closed) {
            String id = ready.poll();
            if (id == null) {
                refillSoon();
                return null;
            }
            if (count.decrementAndGet() < size / 2) {
                refillSoon();
            }
            Path p = queue.path(dir, id);
            try {
                FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE);
                return new Taken(id, p, ch);
            } catch (IOException e) {
                // someone removed it (postsuper -p by hand): try the next one
            }
        }
        return null;
    }

    private void refillSoon() {
        if (!closed && filling.compareAndSet(false, true)) {
            Thread.ofVirtual().name("file-pool").start(() -> {
                try {
                    fill();
                } catch (IOException e) {
                    if (log != null) {
                        log.warning("cannot prepare queue files in " + queue.dir(dir) + ": " + e.getMessage());
                    }
                } finally {
                    filling.set(false);
                }
            });
        }
    }

    /**
     * discard - a finished message's file goes away: emptied and renamed into the pool under a fresh
     * id when there is room, else unlinked. Either way nothing is left at file.
     *
     * @param open a write channel on file that the caller still holds (emptied through it, which
     *             saves an open), or null
     * @throws NoSuchFileException when file was gone already (postsuper -d), as without a channel
     */
    public void discard(Path file, FileChannel open) throws IOException {
        if (closed || count.get() + unsyncedCount.get() >= 2 * size) {
            Files.deleteIfExists(file);
            return;
        }
        if (open != null) {
            open.truncate(0);
        } else {
            Files.newByteChannel(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING).close();
        }
        String id = ids.next();
        try {
            Files.move(file, queue.path(dir, id), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            throw e; // removed meanwhile (postsuper -d): the caller tells that apart, as without a channel
        } catch (IOException e) {
            Files.deleteIfExists(file); // an id in use or a move refused: give the inode up
            return;
        }
        unsynced.add(id);
        if (unsyncedCount.incrementAndGet() >= RECYCLE_BATCH || count.get() < size / 2) {
            refillSoon();
        }
    }

    /** The mode of a recycled file: a queue file's (rw-------), without any mark a tool set. */
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> PLAIN_MODE = java.util.EnumSet.of(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

    /** How many recycled files wait for one directory fsync before they are handed out. */
    private static final int RECYCLE_BATCH = 32;

    /**
     * fill - recycled files first, then new ones, up to the pool size; their names are made durable
     * with one directory fsync before any is handed out.
     */
    private void fill() throws IOException {
        List<String> made = new ArrayList<>();
        for (String id; (id = unsynced.poll()) != null; ) {
            unsyncedCount.decrementAndGet();
            // A finished message's mode may carry postsuper -e's mark (group execute): a new
            // message in this file must not inherit it. Here, on the pool's own thread, rather
            // than in discard(), which runs on the delivery path.
            try {
                Files.setPosixFilePermissions(queue.path(dir, id), PLAIN_MODE);
            } catch (IOException e) {
                Files.deleteIfExists(queue.path(dir, id));
                continue;
            }
            made.add(id);
        }
        while (count.get() + made.size() < size && !closed) {
            String id = ids.next();
            try {
                Files.newByteChannel(queue.path(dir, id), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                made.add(id);
            } catch (FileAlreadyExistsException e) {
                // an id in use: take the next
            }
        }
        if (made.isEmpty()) {
            return;
        }
        sync.sync();
        ready.addAll(made);
        count.addAndGet(made.size());
    }

    /** close - stop refilling and remove the files still unused. */
    @Override
    public void close() {
        closed = true;
        for (String id; (id = unsynced.poll()) != null; ) {
            try {
                Files.deleteIfExists(queue.path(dir, id));
            } catch (IOException e) {
                // removed at the next start
            }
        }
        for (String id; (id = ready.poll()) != null; ) {
            try {
                Files.deleteIfExists(queue.path(dir, id));
            } catch (IOException e) {
                // removed at the next start
            }
        }
    }
}
