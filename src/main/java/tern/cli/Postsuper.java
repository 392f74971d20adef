package tern.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tern.queue.CorruptQueueFileException;
import tern.queue.IncompleteQueueFileException;
import tern.queue.Queue;
import tern.queue.QueueFile;
import tern.queue.QueueId;
import tern.showq.QueueListing;

/**
 * Postsuper - postsuper(1), the superuser's queue operations: -d delete, -h hold, -H release,
 * -r requeue, -e/-f force expiry (-f also releases), each with a queue ID, "ALL", or "-" for IDs
 * on standard input, optionally limited to the queues named after the options; -s structure
 * check, -p purge of abandoned files (both done first). Messages, counts and their order are
 * Postfix 3.7's: "postsuper: ID: removed", "postsuper: Deleted: 2 messages", ... on standard error
 * and in the maillog; per-message lines only for IDs named one by one.
 *
 * <h2>Requeue</h2>
 * As in Postfix, a requeued message is moved to maildrop, and the pickup service passes it through
 * cleanup again as a new message (a new queue ID, logged with orig_id=): address rewriting and
 * virtual alias expansion apply afresh, the original arrival time is kept, and only the recipients
 * not yet delivered go along. The daemon is woken for it; when it is down, the message waits in
 * maildrop and is requeued at the next start.
 *
 * <h2>The rule while the daemon runs</h2>
 * The queue manager owns the messages in "active". postsuper never touches a file there while the
 * daemon runs: it waits (at most {@link #ACTIVE_WAIT_MILLIS} in all) for the message to leave
 * "active" and then acts on it wherever it went (deferred, or gone when delivered); one still there
 * afterwards is left alone with a warning. Everything else is a rename or unlink of one file,
 * atomic against the queue manager's own renames: whichever comes first wins, and the other finds
 * the file gone. Files still being written (by cleanup or sendmail) are never touched. With the
 * daemon stopped, postsuper acts on every queue directly.
 *
 * Forced expiry is marked as Postfix marks it, by the group execute bit of the queue file's mode;
 * the queue manager returns such a message to its sender at its next delivery attempt.
 */
public final class Postsuper {
    /** How long postsuper waits in all for messages in "active" while the daemon runs. */
    static final long ACTIVE_WAIT_MILLIS = 30_000;
    /** An incomplete file unchanged this long has lost its writer (-p). */
    static final long ABANDONED_MILLIS = 60 * 60 * 1000L;

    private static final String USAGE = "usage: postsuper [-c config_dir] [-d queue_id (delete)] [-e queue_id (expire)] "
            + "[-f queue_id (expire and/or un-hold)] [-h queue_id (hold)] [-H queue_id (un-hold)] [-p (purge temporary "
            + "files)] [-r queue_id (requeue)] [-s (structure fix)] [-S (redundant structure fix)][-v (verbose)] [queue...]";

    /** The operations, in the order their counts are reported. */
    private enum Op {
        REQUEUE("Requeued", "requeued", EnumSet.of(Queue.Dir.HOLD, Queue.Dir.INCOMING, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED)),
        DELETE("Deleted", "removed", EnumSet.of(Queue.Dir.HOLD, Queue.Dir.INCOMING, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED)),
        EXPIRE("Force-expired", "expired", EnumSet.of(Queue.Dir.HOLD, Queue.Dir.INCOMING, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED)),
        HOLD("Placed on hold", "placed on hold", EnumSet.of(Queue.Dir.INCOMING, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED)),
        RELEASE("Released from hold", "released from hold", EnumSet.of(Queue.Dir.HOLD));

        final String summary;
        final String done;
        final Set<Queue.Dir> defaults;

        Op(String summary, String done, Set<Queue.Dir> defaults) {
            this.summary = summary;
            this.done = done;
            this.defaults = defaults;
        }
    }

    /** Request - one option: the operation (-f is EXPIRE with release) and its argument. */
    private record Request(Op op, boolean release, String arg) {
    }

    private final Tool t;
    private final boolean running;
    private final Map<Op, Integer> counts = new java.util.EnumMap<>(Op.class);
    private final long activeDeadline;
    private List<Queue.Dir> only;       // queues named on the command line, or null
    private boolean stdinUsed;
    private final InputStream stdin;

    private Postsuper(Tool t, boolean running, InputStream stdin) {
        this.t = t;
        this.running = running;
        this.stdin = stdin;
        this.activeDeadline = System.currentTimeMillis() + ACTIVE_WAIT_MILLIS;
    }

    public static int run(String[] args) {
        return run(args, System.in);
    }

    static int run(String[] args, InputStream stdin) {
        String configDir = null;
        boolean structure = false;
        boolean purge = false;
        List<Request> requests = new ArrayList<>();
        Getopt g = new Getopt(args, "c:d:e:f:h:H:pr:sSv");
        for (char c = g.next(); c != Getopt.END; c = g.next()) {
            String a = g.arg();
            switch (c) {
                case 'c' -> configDir = a;
                case 'd' -> requests.add(new Request(Op.DELETE, false, a));
                case 'e' -> requests.add(new Request(Op.EXPIRE, false, a));
                case 'f' -> requests.add(new Request(Op.EXPIRE, true, a));
                case 'h' -> requests.add(new Request(Op.HOLD, false, a));
                case 'H' -> requests.add(new Request(Op.RELEASE, false, a));
                case 'r' -> requests.add(new Request(Op.REQUEUE, false, a));
                case 's', 'S' -> structure = true;
                case 'p' -> purge = true;
                case 'v' -> {
                }
                default -> {
                    System.err.println("postsuper: " + g.error());
                    System.err.println("postsuper: fatal: " + USAGE);
                    return 1;
                }
            }
        }
        Tool t;
        try {
            t = Tool.open("postsuper", configDir);
        } catch (Tool.Unusable e) {
            System.err.println("postsuper: fatal: " + e.getMessage());
            return 1;
        }
        try {
            List<Queue.Dir> only = null;
            for (String name : g.rest()) {
                Queue.Dir d = Queue.Dir.byName(name);
                if (d == null) {
                    return t.fatal(1, "invalid directory name: " + name);
                }
                if (only == null) {
                    only = new ArrayList<>();
                }
                only.add(d);
            }
            int uid = Tool.uid();
            if (uid != 0 && uid != owner(t.queue.root())) {
                return t.fatal(1, "use of this command is reserved for the superuser");
            }
            Postsuper p = new Postsuper(t, t.daemonRunning(), stdin);
            p.only = only;
            if (structure) {
                p.structure();
            }
            if (purge) {
                p.purge();
            }
            for (Request r : requests) {
                p.request(r);
            }
            p.summaries();
            if (p.counts.getOrDefault(Op.REQUEUE, 0) > 0 && p.running) {
                try {
                    t.request("wakeup pickup");
                } catch (IOException e) {
                    // stopped meanwhile: pickup takes them at the next start
                }
            }
            return 0;
        } catch (IOException e) {
            return t.fatal(1, e.getMessage());
        } finally {
            t.close();
        }
    }

    private static int owner(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** request - one -d/-e/-f/-h/-H/-r option. */
    private void request(Request r) throws IOException {
        counts.putIfAbsent(r.op(), 0);
        if (r.release()) {
            counts.putIfAbsent(Op.RELEASE, 0);
        }
        List<Queue.Dir> dirs = dirsFor(r.op());
        if (r.arg().equals("ALL")) {
            for (Queue.Dir d : dirs) {
                List<String> ids = t.queue.list(d);
                Collections.sort(ids);
                for (String id : ids) {
                    apply(r, id, dirs, false);
                }
            }
            return;
        }
        List<String> ids = new ArrayList<>();
        if (r.arg().equals("-")) {
            if (!stdinUsed) {
                stdinUsed = true;
                BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                    ids.add(line);
                }
            }
        } else {
            ids.add(r.arg());
        }
        for (String id : ids) {
            if (!Tool.idOk(id)) {
                t.warning("invalid mail queue id: " + id);
                continue;
            }
            if (QueueId.isValid(id)) {
                apply(r, id, dirs, true);
            }
        }
    }

    private List<Queue.Dir> dirsFor(Op op) {
        if (only != null) {
            return only;
        }
        List<Queue.Dir> out = new ArrayList<>();
        for (Queue.Dir d : List.of(Queue.Dir.HOLD, Queue.Dir.INCOMING, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED)) {
            if (op.defaults.contains(d)) {
                out.add(d);
            }
        }
        return out;
    }

    /** apply - one operation on one message, wherever among dirs it is. */
    private void apply(Request r, String id, List<Queue.Dir> dirs, boolean tell) throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            Queue.Dir d = locate(id, dirs);
            if (d == null) {
                return;
            }
            Path p = t.queue.path(d, id);
            if ((d == Queue.Dir.INCOMING || d == Queue.Dir.MAILDROP) && QueueListing.inProgress(p)) {
                return; // still being written: its writer's, not ours
            }
            try {
                if (act(r, id, d, p, tell)) {
                    return;
                }
            } catch (NoSuchFileException e) {
                // the queue manager moved it meanwhile: look again
            }
        }
    }

    /**
     * locate - where message id is among dirs, waiting for it to leave "active" while the daemon
     * runs. null when it is in none of them (or still active when the wait is over).
     */
    private Queue.Dir locate(String id, List<Queue.Dir> dirs) {
        while (true) {
            Queue.Dir found = null;
            for (Queue.Dir d : dirs) {
                if (Files.exists(t.queue.path(d, id), LinkOption.NOFOLLOW_LINKS)) {
                    found = d;
                    break;
                }
            }
            if (found != Queue.Dir.ACTIVE || !running) {
                return found;
            }
            if (System.currentTimeMillis() >= activeDeadline) {
                t.warning(id + ": message is being delivered; not changed (try again later)");
                return null;
            }
            sleep(100);
            if (!Files.exists(t.queue.path(Queue.Dir.ACTIVE, id), LinkOption.NOFOLLOW_LINKS)) {
                // it left active: look for it everywhere it may have gone within dirs
                boolean elsewhere = false;
                for (Queue.Dir d : dirs) {
                    elsewhere |= d != Queue.Dir.ACTIVE && Files.exists(t.queue.path(d, id), LinkOption.NOFOLLOW_LINKS);
                }
                if (!elsewhere) {
                    return null;
                }
            }
        }
    }

    /** act - do it; false when there was nothing to do here after all. NoSuchFileException: gone meanwhile. */
    private boolean act(Request r, String id, Queue.Dir d, Path p, boolean tell) throws IOException {
        switch (r.op()) {
            case DELETE -> {
                Files.delete(p);
                done(Op.DELETE, id, tell);
            }
            case HOLD -> {
                if (d == Queue.Dir.HOLD || d == Queue.Dir.MAILDROP) {
                    return true;
                }
                if (!t.queue.move(id, d, Queue.Dir.HOLD)) {
                    throw new NoSuchFileException(p.toString());
                }
                done(Op.HOLD, id, tell);
            }
            case RELEASE -> {
                if (d != Queue.Dir.HOLD) {
                    return true;
                }
                if (!t.queue.move(id, d, Queue.Dir.DEFERRED)) {
                    throw new NoSuchFileException(p.toString());
                }
                done(Op.RELEASE, id, tell);
            }
            case REQUEUE -> {
                if (d == Queue.Dir.MAILDROP) {
                    return true;
                }
                if (!t.queue.move(id, d, Queue.Dir.MAILDROP)) {
                    throw new NoSuchFileException(p.toString());
                }
                done(Op.REQUEUE, id, tell);
            }
            case EXPIRE -> {
                if (d == Queue.Dir.MAILDROP) {
                    return true;
                }
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                mode.add(PosixFilePermission.GROUP_EXECUTE);
                Files.setPosixFilePermissions(p, mode);
                done(Op.EXPIRE, id, tell);
                if (r.release() && d == Queue.Dir.HOLD) {
                    if (!t.queue.move(id, d, Queue.Dir.DEFERRED)) {
                        throw new NoSuchFileException(p.toString());
                    }
                    done(Op.RELEASE, id, tell);
                }
            }
            default -> throw new IllegalStateException(r.op().name());
        }
        return true;
    }

    private void done(Op op, String id, boolean tell) {
        counts.merge(op, 1, Integer::sum);
        if (tell) {
            t.report(id + ": " + op.done);
        }
    }

    /** summaries - "Deleted: N messages" and friends, for each operation asked for, in Postfix's order. */
    private void summaries() {
        for (Op op : Op.values()) {
            Integer n = counts.get(op);
            if (n != null) {
                t.report(op.summary + ": " + Tool.messages(n));
            }
        }
    }

    /**
     * structure - -s: the queue directories exist with their modes (maildrop 1733), and every file
     * in them is a well-formed queue file under a queue id; a complete file that cannot be read is
     * moved to corrupt, a message found in two queues is reported. Files still being written and,
     * while the daemon runs, the active queue are left alone.
     */
    private void structure() throws IOException {
        t.queue.create();
        Map<String, Queue.Dir> seen = new HashMap<>();
        int moved = 0;
        for (Queue.Dir d : List.of(Queue.Dir.MAILDROP, Queue.Dir.INCOMING, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED,
                Queue.Dir.HOLD)) {
            if (d == Queue.Dir.ACTIVE && running) {
                continue;
            }
            for (Path p : entries(t.queue.dir(d))) {
                String name = p.getFileName().toString();
                String where = d.dirName() + "/" + name;
                if (!QueueId.isValid(name)) {
                    t.warning(where + ": file name is not a queue ID; left alone");
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    continue;
                }
                Queue.Dir other = seen.putIfAbsent(name, d);
                if (other != null) {
                    t.warning(name + ": found in both " + other.dirName() + " and " + d.dirName());
                }
                if (!a.isRegularFile()) {
                    t.warning(where + ": not a regular file; left alone");
                    continue;
                }
                if (QueueListing.inProgress(p)) {
                    continue;
                }
                try {
                    QueueFile.read(p);
                } catch (CorruptQueueFileException | IncompleteQueueFileException e) {
                    // past its writer's placeholder (checked above), a file that does not read is damaged
                    if (t.queue.move(name, d, Queue.Dir.CORRUPT)) {
                        t.warning(where + ": " + QueueListing.problem(e) + "; moved to corrupt/" + name);
                        moved++;
                    }
                } catch (NoSuchFileException e) {
                    // delivered or moved meanwhile
                }
            }
        }
        if (moved > 0) {
            t.report("Moved to corrupt: " + Tool.messages(moved));
        }
    }

    /**
     * purge - -p: remove files whose writer is gone: incomplete files (see {@link QueueListing#inProgress(java.nio.file.Path)})
     * unchanged for an hour, or of any age in the queues only the daemon writes while it is stopped.
     * Empty files in incoming are the daemon's prepared files: left to it while it runs, removed
     * without a word when it is stopped.
     */
    private void purge() throws IOException {
        long now = System.currentTimeMillis();
        Set<Queue.Dir> daemonOnly = running ? Set.of() : EnumSet.of(Queue.Dir.INCOMING, Queue.Dir.ACTIVE,
                Queue.Dir.DEFERRED, Queue.Dir.HOLD);
        for (Queue.Dir d : List.of(Queue.Dir.MAILDROP, Queue.Dir.INCOMING, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED,
                Queue.Dir.HOLD)) {
            if (d == Queue.Dir.ACTIVE && running) {
                continue;
            }
            for (Path p : entries(t.queue.dir(d))) {
                String name = p.getFileName().toString();
                if (!QueueId.isValid(name) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        || !QueueListing.inProgress(p)) {
                    continue;
                }
                long age;
                long size;
                try {
                    age = now - Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
                    size = Files.size(p);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (d == Queue.Dir.INCOMING && size == 0) {
                    // the daemon's prepared files (FilePool), not messages: its own to manage while it runs
                    if (!running) {
                        Files.deleteIfExists(p);
                    }
                    continue;
                }
                if (age > ABANDONED_MILLIS || daemonOnly.contains(d)) {
                    if (Files.deleteIfExists(p)) {
                        t.warning(d.dirName() + "/" + name + ": removed incomplete queue file, unchanged for "
                                + age / 60_000 + " minutes");
                    }
                }
            }
        }
    }

    private static List<Path> entries(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                out.add(p);
            }
        }
        Collections.sort(out);
        return out;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
