package tern.tables;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * FileSnapshot - what a file-backed table loaded from its file, reloaded when the file changes.
 *
 * The file is stat()ed at most once per check interval (one second in a daemon); when its identity
 * (device and inode), modification time or size differ from what was loaded, it is loaded again.
 * postmap and postalias replace tables by rename, so a new inode always means a complete new file.
 * One thread reloads while the others keep answering from the previous snapshot.
 *
 * A failed load (missing file, syntax error, foreign format) is remembered as the current state:
 * every lookup throws it until the file changes and loads cleanly. A table that is missing at
 * start-up therefore starts to work, without a restart, once postmap has built it.
 */
final class FileSnapshot<T> {
    /** Loader - reads the file; a failure message names the file. */
    interface Loader<T> {
        T load(Path file) throws TableException;
    }

    private record Stamp(Object key, long mtimeNanos, long size) {
    }

    private record State<T>(T value, TableException failure, Stamp stamp, long checkedAt) {
    }

    private final Path file;
    private final Loader<T> loader;
    private final long intervalNanos;
    private final ReentrantLock reloading = new ReentrantLock();
    private volatile State<T> state;

    FileSnapshot(Path file, Loader<T> loader, long intervalNanos) {
        this.file = file;
        this.loader = loader;
        this.intervalNanos = intervalNanos;
        this.state = load(System.nanoTime());
    }

    /** get - the current contents, reloaded first when the file changed. */
    T get() throws TableException {
        State<T> s = state;
        long now = System.nanoTime();
        if (now - s.checkedAt >= intervalNanos && reloading.tryLock()) {
            try {
                s = state;
                Stamp current = stamp();
                if (Objects.equals(current, s.stamp) && current != null) {
                    s = new State<>(s.value, s.failure, s.stamp, now);
                } else {
                    s = load(now);
                }
                state = s;
            } finally {
                reloading.unlock();
            }
        }
        if (s.failure != null) {
            throw s.failure;
        }
        return s.value;
    }

    /** failure - the load failure of the current snapshot, or null (for start-up warnings). */
    TableException failure() {
        return state.failure;
    }

    private State<T> load(long now) {
        // Stat before reading: if the file changes while it is read, the next check sees a newer stamp.
        Stamp before = stamp();
        try {
            return new State<>(loader.load(file), null, before, now);
        } catch (TableException e) {
            return new State<>(null, e, before, now);
        }
    }

    private Stamp stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.fileKey(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), a.size());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
