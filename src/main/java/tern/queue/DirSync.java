package tern.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * DirSync - makes new directory entries durable with as few directory fsyncs as possible (group
 * commit). A file's own fsync does not promise that its name survives a power loss; an fsync of
 * the directory does, and one such fsync covers every entry made before it started. So each caller
 * takes a ticket, and a caller whose ticket was issued before the last completed fsync began
 * returns at once: under load, many messages share one directory fsync.
 *
 * One instance per directory, shared by all writers of that directory. Not for use on a path that
 * is not a directory.
 *
 * {@link #bestEffort} serves writers that may not read the directory (sendmail run by a user drops
 * files into maildrop, mode 1733): there the file's own fsync is all they can do, as with
 * Postfix's postdrop, and sync() does nothing.
 */
public final class DirSync implements AutoCloseable {
    private final FileChannel dir;
    private final ReentrantLock syncing = new ReentrantLock();
    private final Object tickets = new Object();
    private long issued;
    private long covered;

    public DirSync(Path directory) throws IOException {
        this.dir = FileChannel.open(directory, StandardOpenOption.READ);
    }

    private DirSync() {
        this.dir = null;
    }

    /** bestEffort - a syncer for directory, or one that does nothing when the directory may not be opened. */
    public static DirSync bestEffort(Path directory) {
        try {
            return new DirSync(directory);
        } catch (IOException e) {
            return new DirSync();
        }
    }

    /** sync - return once every entry created before this call is durable. */
    public void sync() throws IOException {
        if (dir == null) {
            return;
        }
        long mine;
        synchronized (tickets) {
            mine = ++issued;
        }
        syncing.lock();
        try {
            if (covered >= mine) {
                return; // an fsync that started after our entry was made has completed
            }
            long upTo;
            synchronized (tickets) {
                upTo = issued;
            }
            dir.force(true);
            covered = upTo;
        } finally {
            syncing.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        if (dir != null) {
            dir.close();
        }
    }
}
