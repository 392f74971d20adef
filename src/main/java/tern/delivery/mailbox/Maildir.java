package tern.delivery.mailbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Maildir - delivery of one message into a qmail-style maildir, as Postfix does it: the message
 * is written under a unique name in tmp/ ("TIME.PpidQn.HOST"), made durable with one fdatasync,
 * and renamed into new/ as "TIME.VdevIinodeMmicroseconds.HOST" (device and inode in hex), a name
 * no other delivery can have. A missing maildir (and its tmp, new, cur) is created, mode 0700.
 *
 * Runs as the recipient (inside {@link Privileges#as}); the maildir and, below the trusted root
 * given, every directory above it are checked with {@link SafePaths}; the file is created with
 * O_EXCL|O_NOFOLLOW, mode 0600.
 *
 * Failure: any error (no space, quota, the size limit, a refused path) leaves nothing in new/ and
 * removes the tmp file, and is thrown to the caller, which defers or bounces.
 */
public final class Maildir {
    /** Content - writes the message to the sink; the caller's formatting. */
    public interface Content {
        void writeTo(ChannelSink sink) throws IOException;
    }

    private final String host;
    private final long pid = ProcessHandle.current().pid();
    private final AtomicLong deliveries = new AtomicLong();

    /** @param hostName this machine's name (gethostname), '/' and ':' are encoded as in Postfix */
    public Maildir(String hostName) {
        this.host = hostName.replace("/", "\\057").replace(":", "\\072");
    }

    /**
     * deliver - write one message into maildir dir (its tmp/new/cur are created when missing).
     * Directories between trustedRoot (exclusive) and dir are checked and created as needed.
     * Returns the path of the file in new/.
     *
     * @param limit the largest file allowed, in bytes; 0 for no limit
     */
    public Path deliver(Path trustedRoot, Path dir, int uid, long limit, int bufferSize, Content content)
            throws IOException {
        SafePaths.directories(trustedRoot, dir, uid, true);
        Path tmpDir = dir.resolve("tmp");
        Path newDir = dir.resolve("new");
        SafePaths.directory(tmpDir, uid, true);
        SafePaths.directory(newDir, uid, true);
        SafePaths.directory(dir.resolve("cur"), uid, true);

        java.time.Instant now = java.time.Instant.now();
        Path tmp = tmpDir.resolve(now.getEpochSecond() + ".P" + pid + "Q" + deliveries.incrementAndGet() + "." + host);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), SafePaths.FILE_MODE)) {
                ChannelSink sink = new ChannelSink(ch, bufferSize, limit > 0 ? limit : Long.MAX_VALUE);
                content.writeTo(sink);
                sink.flush();
                ch.force(false);
            }
            Map<String, Object> a = Files.readAttributes(tmp, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            java.time.Instant t = java.time.Instant.now();
            String name = t.getEpochSecond() + ".V" + Long.toHexString((Long) a.get("dev")) + "I"
                    + Long.toHexString((Long) a.get("ino")) + "M" + (t.getNano() / 1000) + "." + host;
            Path target = newDir.resolve(name);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + tmp + " to " + target + ": " + e.getMessage(), e);
            }
            done = true;
            return target;
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a tmp file left behind is harmless: readers look only at new/ and cur/
                }
            }
        }
    }
}
