package tern.showq;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import tern.log.Logger;
import tern.queue.CorruptQueueFileException;
import tern.queue.Envelope;
import tern.queue.IncompleteQueueFileException;
import tern.queue.Queue;
import tern.queue.QueueFile;

/**
 * QueueListing - the queue as mailq, postqueue -j (through {@link Showq}, in the command or in the
 * daemon) and the other queue tools see it: each complete message with its
 * queue, arrival time, size, sender, forced-expiry mark and the recipients still to be delivered,
 * each with the reason of its last temporary failure.
 *
 * Messages come queue by queue in Postfix's showq order (maildrop, active, incoming, deferred,
 * hold), ids sorted within a queue so that listings are repeatable (Postfix lists a queue in
 * directory order). Files still being written
 * (empty, or a size record of zeros) are passed over silently; other unreadable files are passed
 * over with a warning to the caller's log (the command's maillog lines, or the daemon's
 * postfix/showq; postsuper -s moves such files to corrupt). Files vanish while we list
 * (delivered, moved): such a file is simply not listed, as with Postfix.
 *
 * Sizes are the content's length as stored, i.e. as it goes over SMTP with CRLF line ends (and
 * leading dots doubled); Postfix's message_size is the same less the doubled dots.
 *
 * Recipient order follows Postfix: first the recipients with a recorded failure (an L record) in
 * the order the failures were recorded, then the others in file order, shown with "reason
 * unavailable" when the message has any recorded failure. This holds in every queue: Postfix too
 * shows the reasons of the last attempt for a message that is back in "active", or on hold.
 */
public final class QueueListing {
    /** The queues mailq walks, in the order Postfix 3.7's showq lists them. */
    public static final List<Queue.Dir> SHOWQ_ORDER = List.of(Queue.Dir.MAILDROP, Queue.Dir.ACTIVE, Queue.Dir.INCOMING,
            Queue.Dir.DEFERRED, Queue.Dir.HOLD);
    /** The reason shown for a recipient without a recorded failure, when others have one. */
    public static final String UNAVAILABLE = "reason unavailable";

    /** Recipient - one pending recipient and its delay reason (null: none to show). */
    public record Recipient(String address, String reason) {
    }

    /** Message - one listed message. */
    public record Message(Queue.Dir dir, String id, long arrivalMillis, long size, String sender, boolean forcedExpire,
                          List<Recipient> recipients) {
    }

    /** Sink - receives each message as it is read. */
    public interface Sink {
        void message(Message m) throws IOException;
    }

    private QueueListing() {
    }

    /**
     * scan - every listable message of the given queues, in order. An unreadable queue directory is
     * an IOException (AccessDeniedException for a user who may not read the queue).
     */
    public static void scan(Queue queue, List<Queue.Dir> dirs, Logger log, Sink sink) throws IOException {
        for (Queue.Dir d : dirs) {
            Path dir = queue.dir(d);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            if (!Files.isReadable(dir)) {
                throw new AccessDeniedException(dir.toString(), null, "Permission denied");
            }
            List<String> ids = queue.list(d);
            Collections.sort(ids);
            for (String id : ids) {
                Message m = read(queue, d, id, log);
                if (m != null) {
                    sink.message(m);
                }
            }
        }
    }

    /** read - one message, or null when it is gone, still being written, or unreadable. */
    public static Message read(Queue queue, Queue.Dir d, String id, Logger log) {
        Path p = queue.path(d, id);
        QueueFile qf;
        boolean expire;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (inProgress(ch)) {
                return null;
            }
            qf = QueueFile.read(p, ch);
            expire = forcedExpire(p);
        } catch (NoSuchFileException | IncompleteQueueFileException e) {
            return null;
        } catch (CorruptQueueFileException e) {
            if (log != null) {
                log.warning(d.dirName() + "/" + id + ": " + problem(e));
            }
            return null;
        } catch (IOException e) {
            if (log != null) {
                log.warning(d.dirName() + "/" + id + ": " + e.getMessage());
            }
            return null;
        }
        return of(d, qf, expire);
    }

    /** of - the listing view of a parsed queue file found in directory d. */
    public static Message of(Queue.Dir d, QueueFile qf, boolean expire) {
        Envelope e = qf.envelope();
        List<tern.queue.Recipient> pending = qf.pending();
        List<Recipient> out = new ArrayList<>(pending.size());
        Map<Integer, QueueFile.Attempt> failures = qf.lastFailure();
        if (!failures.isEmpty()) {
            List<tern.queue.Recipient> failed = new ArrayList<>();
            List<tern.queue.Recipient> other = new ArrayList<>();
            for (tern.queue.Recipient r : pending) {
                (failures.containsKey(r.index()) ? failed : other).add(r);
            }
            failed.sort((a, b) -> {
                int c = Long.compare(failures.get(a.index()).millis(), failures.get(b.index()).millis());
                return c != 0 ? c : Integer.compare(a.index(), b.index());
            });
            for (tern.queue.Recipient r : failed) {
                out.add(new Recipient(r.address(), failures.get(r.index()).text()));
            }
            for (tern.queue.Recipient r : other) {
                out.add(new Recipient(r.address(), UNAVAILABLE));
            }
        } else {
            for (tern.queue.Recipient r : pending) {
                out.add(new Recipient(r.address(), null));
            }
        }
        return new Message(d, e.id(), e.arrivalMillis(), e.contentLength(), e.sender(), expire, out);
    }

    /** inProgress - see {@link QueueFile#inProgress}. */
    public static boolean inProgress(FileChannel ch) throws IOException {
        return QueueFile.inProgress(ch);
    }

    /** inProgress - {@link #inProgress(FileChannel)} for a path; false when it cannot be read. */
    public static boolean inProgress(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return inProgress(ch);
        } catch (IOException e) {
            return false;
        }
    }

    /** forcedExpire - see {@link QueueFile#forcedExpire}. */
    public static boolean forcedExpire(Path p) throws IOException {
        return QueueFile.forcedExpire(p);
    }

    /** problem - a damaged file's problem without the path the exception message starts with. */
    public static String problem(IOException e) {
        String m = e.getMessage();
        int i = m.indexOf(": ");
        return i >= 0 ? m.substring(i + 2) : m;
    }
}
