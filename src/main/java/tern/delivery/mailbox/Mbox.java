package tern.delivery.mailbox;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Mbox - appending one message to a UNIX-style mailbox file as Postfix does: lock it (a dot-lock
 * file "NAME.lock" and/or an fcntl lock, per mailbox_delivery_lock / virtual_mailbox_lock, with
 * deliver_lock_attempts tries deliver_lock_delay apart; a dot-lock older than stale_lock_time is
 * removed), append, fdatasync, unlock. When anything fails after the append began (disk full, the
 * size limit), the file is truncated back to its old length: no half message stays behind.
 *
 * The mailbox is never reached through a symbolic link (O_NOFOLLOW, and looked at before and
 * after opening), must be a regular file with one link (a character device such as /dev/null is
 * written without locking) and, with strict ownership, belong to the expected user. A new
 * mailbox is created with mode 0600 and, when asked (a spool mailbox created as root), given to
 * its user.
 *
 * Failure: an IOException with Postfix-like text; the caller defers or bounces.
 */
public final class Mbox {
    /** Locking - how to lock (from mailbox_delivery_lock and the deliver_lock_* parameters). */
    public record Locking(boolean fcntl, boolean dotlock, int attempts, long delayMillis, long staleMillis) {
        /** of - from the lock style list ("fcntl, dotlock"); "flock" counts as fcntl here. */
        public static Locking of(List<String> styles, long attempts, long delaySeconds, long staleSeconds) {
            boolean f = false;
            boolean d = false;
            for (String s : styles) {
                switch (s.toLowerCase(Locale.ROOT)) {
                    case "fcntl", "flock" -> f = true; // the JDK locks with fcntl only
                    case "dotlock" -> d = true;
                    default -> {
                    }
                }
            }
            return new Locking(f, d, (int) Math.max(1, attempts), Math.max(0, delaySeconds) * 1000,
                    Math.max(1, staleSeconds) * 1000);
        }
    }

    /** Target - where and how: the file, its expected owner, and the owner to give a new file. */
    public record Target(Path file, int expectOwner, int chownUid, int chownGid) {
    }

    public Mbox() {
    }

    /**
     * deliver - append the content to the mailbox.
     *
     * @param limit    the largest mailbox size allowed after the append, 0 for none
     * @param warnings collects "unable to create lock file" and the like, for the caller to log
     *                 afterwards (this may run with switched ids, where nothing may be logged)
     */
    public void deliver(Target t, Locking locks, long limit, int bufferSize, Maildir.Content content,
                        List<String> warnings) throws IOException {
        Path file = t.file();
        Map<String, Object> before = stat(file);
        boolean special = false;
        if (before != null) {
            special = verify(file, before, t.expectOwner());
        }
        Path lock = null;
        if (locks.dotlock() && !special) {
            lock = dotlock(file, locks, warnings);
        }
        try {
            Set<java.nio.file.OpenOption> opts = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            try (FileChannel ch = FileChannel.open(file, opts, SafePaths.FILE_MODE)) {
                Map<String, Object> after = stat(file);
                if (after == null) {
                    throw new IOException("file was removed while being opened");
                }
                special = verify(file, after, before == null ? -1 : t.expectOwner());
                if (before == null && t.chownUid() >= 0) {
                    Files.setAttribute(file, "unix:gid", t.chownGid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(file, "unix:uid", t.chownUid(), LinkOption.NOFOLLOW_LINKS);
                }
                FileLock fl = null;
                if (locks.fcntl() && !special) {
                    fl = fcntl(ch, locks);
                }
                try {
                    append(ch, special, limit, bufferSize, content);
                } finally {
                    if (fl != null) {
                        fl.release();
                    }
                }
            }
        } finally {
            if (lock != null) {
                try {
                    Files.deleteIfExists(lock);
                } catch (IOException e) {
                    warnings.add("remove lock file " + lock + ": " + e.getMessage());
                }
            }
        }
    }

    private static void append(FileChannel ch, boolean special, long limit, int bufferSize, Maildir.Content content)
            throws IOException {
        long start = special ? 0 : ch.size();
        if (!special) {
            ch.position(start);
        }
        long room = limit > 0 && !special ? limit - start : Long.MAX_VALUE;
        if (room <= 0) {
            throw new ChannelSink.FileTooLargeException();
        }
        boolean ok = false;
        try {
            ChannelSink sink = new ChannelSink(ch, bufferSize, room);
            content.writeTo(sink);
            sink.flush();
            if (!special) {
                ch.force(false);
            }
            ok = true;
        } finally {
            if (!ok && !special) {
                try {
                    ch.truncate(start);
                    ch.force(false);
                } catch (IOException e) {
                    // the original error is what the caller must see
                }
            }
        }
    }

    private static Map<String, Object> stat(Path file) throws IOException {
        try {
            return Files.readAttributes(file, "unix:mode,uid,nlink", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** verify - the mailbox as looked at; true when it is a character device (no locks, no truncation). */
    private static boolean verify(Path file, Map<String, Object> a, int expectOwner) throws IOException {
        int mode = (Integer) a.get("mode");
        int type = mode & 0170000;
        if (type == 0120000) {
            throw new SafePaths.UnsafePathException("file is a symbolic link");
        }
        if (type == 0020000) {
            return true;
        }
        if (type != 0100000) {
            throw new SafePaths.UnsafePathException("file is not a regular file");
        }
        int links = (Integer) a.get("nlink");
        if (links != 1) {
            throw new SafePaths.UnsafePathException("file has " + links + " hard links");
        }
        int owner = (Integer) a.get("uid");
        if (expectOwner >= 0 && owner != expectOwner) {
            throw new SafePaths.UnsafePathException("file has owner user ID " + Integer.toUnsignedString(owner)
                    + ", not the recipient's " + Integer.toUnsignedString(expectOwner));
        }
        return false;
    }

    /** dotlock - create NAME.lock exclusively; null when the directory does not let us (go on without). */
    private static Path dotlock(Path file, Locking locks, List<String> warnings) throws IOException {
        Path lock = file.resolveSibling(file.getFileName() + ".lock");
        for (int attempt = 1; ; attempt++) {
            try {
                Files.createFile(lock, SafePaths.FILE_MODE);
                return lock;
            } catch (FileAlreadyExistsException e) {
                try {
                    FileTime m = Files.getLastModifiedTime(lock, LinkOption.NOFOLLOW_LINKS);
                    if (System.currentTimeMillis() - m.toMillis() > locks.staleMillis()) {
                        warnings.add("removing stale lock file " + lock);
                        Files.deleteIfExists(lock);
                        continue;
                    }
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (attempt >= locks.attempts()) {
                    throw new IOException("unable to create lock file " + lock + ": File exists");
                }
                pause(locks.delayMillis());
            } catch (AccessDeniedException e) {
                // As Postfix: a mail spool that the user may not write in is locked by fcntl only.
                warnings.add("unable to create lock file " + lock + ": Permission denied");
                return null;
            }
        }
    }

    private static FileLock fcntl(FileChannel ch, Locking locks) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                FileLock l = ch.tryLock();
                if (l != null) {
                    return l;
                }
            } catch (OverlappingFileLockException e) {
                // another delivery in this daemon holds it
            }
            if (attempt >= locks.attempts()) {
                throw new IOException("unable to lock for exclusive access: Resource temporarily unavailable");
            }
            pause(locks.delayMillis());
        }
    }

    private static void pause(long millis) throws IOException {
        try {
            Thread.sleep(Math.max(10, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a mailbox lock");
        }
    }
}
