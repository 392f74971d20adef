package tern.delivery.mailbox;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Privileges - file work done as a given user, so that the kernel, not our checks alone, keeps a
 * delivery inside what that user may write: a file created this way belongs to the user, and a
 * symbolic link planted by the user leads nowhere the user could not write anyway.
 *
 * How: when the daemon runs as root, the work runs on a platform thread of this object whose file
 * system uid and gid (setfsuid/setfsgid, per thread on Linux) are the user's and whose
 * supplementary groups are cleared, as Postfix runs its local delivery with the recipient's uid
 * and gid and no secondary groups; the thread's ids are restored after the work, and a thread
 * whose restore fails ends (it is never reused). When the target is the daemon's own user, the
 * work runs in the calling thread with no switch (a non-root instance delivering to its owner, or
 * a virtual(8) uid equal to the daemon's). When the daemon is not root and the target is another
 * user, {@link #as} refuses with {@link NotPermittedException}: the mail is deferred, never written
 * with the wrong owner.
 *
 * Rule for the work: it runs with the user's ids, so it must not log, start threads or wake
 * other threads (a thread started or a virtual-thread carrier created from it would inherit the
 * user's ids). It reads and writes files, and collects what it has to say for the caller.
 *
 * Commands are another matter: {@link #commandPrefix} gives the setpriv(1) words that start a
 * process as the user (a child process cannot be given per-thread ids).
 *
 * Idle worker threads end after 30 seconds; {@link #close} ends them all.
 */
public final class Privileges implements AutoCloseable {
    /** Work - what to run as the user. */
    public interface Work<T> {
        T run() throws IOException;
    }

    /** NotPermittedException - delivery as this user is impossible for this daemon (deferred). */
    public static final class NotPermittedException extends IOException {
        private static final long serialVersionUID = 1L;

        NotPermittedException(String message) {
            super(message);
        }
    }

    private static final long IDLE_SECONDS = 30;

    private final int euid;
    private final int egid;
    private final Native n;
    private final Path setpriv;
    private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
    /** Tasks whose worker could not restore its ids, for the reporter to fail. */
    private final LinkedBlockingQueue<Task<?>> broken = new LinkedBlockingQueue<>();
    private volatile Thread reporter;
    private volatile boolean closed;

    private Privileges(int euid, int egid, Native n, Path setpriv) {
        this.euid = euid;
        this.egid = egid;
        this.n = n;
        this.setpriv = setpriv;
    }

    /** ofProcess - the daemon's own identity, as the kernel reports it. */
    public static Privileges ofProcess() {
        Native nat = Native.get();
        Path sp = null;
        for (String p : new String[]{"/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"}) {
            if (Files.isExecutable(Path.of(p))) {
                sp = Path.of(p);
                break;
            }
        }
        if (nat == null) {
            // without native calls we cannot know or change ids: behave as an unprivileged daemon
            return new Privileges(-2, -2, null, sp);
        }
        return new Privileges(nat.geteuid(), nat.getegid(), nat, sp);
    }

    /**
     * unprivileged - act as a daemon that runs as uid/gid and is not root: work for that user runs
     * in the calling thread, work for anyone else is refused (a non-root instance; tests).
     */
    public static Privileges unprivileged(int uid, int gid) {
        return new Privileges(uid, gid, null, null);
    }

    public int euid() {
        return euid;
    }

    public int egid() {
        return egid;
    }

    public boolean isRoot() {
        return euid == 0 && n != null;
    }

    /** mayActAs - whether work as uid is possible at all (root, or uid is the daemon's own). */
    public boolean mayActAs(int uid) {
        return uid == euid || isRoot();
    }

    /**
     * as - run work with uid/gid as the file system identity. Exceptions of the work come back as
     * they were thrown.
     */
    public <T> T as(int uid, int gid, Work<T> work) throws IOException {
        if (uid == euid && (gid == egid || !isRoot())) {
            return work.run();
        }
        if (!isRoot()) {
            throw new NotPermittedException("cannot deliver as user ID " + Integer.toUnsignedString(uid)
                    + ": the mail system runs as user ID " + (euid < 0 ? "(unknown)" : Integer.toUnsignedString(euid))
                    + ", not as root");
        }
        if (closed) {
            throw new IOException("mail delivery is shutting down");
        }
        Worker w = idle.pollFirst();
        if (w == null) {
            w = new Worker();
        }
        Task<T> t = new Task<>(uid, gid, work);
        reporter();
        w.inbox.add(t);
        try {
            return t.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while delivering as user ID " + uid);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        }
    }

    /**
     * commandPrefix - the words that run a command as uid/gid with no supplementary groups
     * (setpriv), or an empty array when the command runs as the daemon's own user; throws when
     * neither is possible.
     */
    public String[] commandPrefix(int uid, int gid) throws IOException {
        if (uid == euid && (gid == egid || !isRoot())) {
            return new String[0];
        }
        if (!isRoot()) {
            throw new NotPermittedException("cannot run a command as user ID " + Integer.toUnsignedString(uid)
                    + ": the mail system runs as user ID " + (euid < 0 ? "(unknown)" : Integer.toUnsignedString(euid))
                    + ", not as root");
        }
        if (setpriv == null) {
            throw new IOException("cannot run a command as user ID " + Integer.toUnsignedString(uid)
                    + ": setpriv(1) (util-linux) is not installed");
        }
        return new String[]{setpriv.toString(), "--reuid=" + Integer.toUnsignedString(uid),
                "--regid=" + Integer.toUnsignedString(gid), "--clear-groups", "--"};
    }

    /**
     * reporter - starts, once, the platform thread that fails the tasks of broken workers. Started
     * from a caller (whose ids are the daemon's), never from a worker.
     */
    private void reporter() {
        if (reporter == null) {
            startReporter();
        }
    }

    private synchronized void startReporter() {
        if (reporter != null) {
            return;
        }
        reporter = Thread.ofPlatform().daemon().name("tern-delivery-as-user-reporter").start(() -> {
            while (true) {
                Task<?> t;
                try {
                    t = broken.take();
                } catch (InterruptedException e) {
                    return;
                }
                t.result.completeExceptionally(new IOException("cannot restore the mail system's ids after delivering"
                        + " as user ID " + Integer.toUnsignedString(t.uid)));
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w; (w = idle.pollFirst()) != null; ) {
            w.inbox.add(Task.STOP);
        }
    }

    private static final class Task<T> {
        static final Task<Object> STOP = new Task<>(0, 0, null);
        final int uid;
        final int gid;
        final Work<T> work;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Task(int uid, int gid, Work<T> work) {
            this.uid = uid;
            this.gid = gid;
            this.work = work;
        }
    }

    /** Worker - one platform thread that takes one task at a time and switches ids around it. */
    private final class Worker implements Runnable {
        final BlockingQueue<Task<?>> inbox = new ArrayBlockingQueue<>(1);
        /** The thread's supplementary groups, read before its first task. */
        private int[] groups;

        Worker() {
            Thread.ofPlatform().daemon().name("tern-delivery-as-user").start(this);
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Task<?> t = inbox.poll(IDLE_SECONDS, TimeUnit.SECONDS);
                    if (t == null) {
                        if (idle.remove(this)) {
                            return;
                        }
                        t = inbox.take(); // a caller took us from the idle list and is handing a task
                    }
                    if (t == Task.STOP) {
                        return;
                    }
                    if (!runOne(t)) {
                        return; // ids could not be restored: this thread is never used again
                    }
                    if (closed) {
                        return;
                    }
                    idle.addFirst(this);
                }
            } catch (InterruptedException e) {
                idle.remove(this);
            }
        }

        private <T> boolean runOne(Task<T> t) {
            if (groups == null) {
                // The thread's own ids, checked and read once: each task ends by restoring and
                // checking them, and a thread that cannot is never used again.
                try {
                    if (n.setfsuid(-1) != euid || n.setfsgid(-1) != egid) {
                        t.result.completeExceptionally(new IOException("delivery thread has unexpected ids"));
                        return false;
                    }
                    groups = n.getgroups();
                } catch (RuntimeException e) {
                    t.result.completeExceptionally(new IOException(e.getMessage(), e));
                    return false;
                }
            }
            // While the ids are switched, this thread must not wake or start other threads: a
            // thread started from here (a virtual thread scheduler's carrier, say) would inherit
            // the user's file system ids. So the result is handed over only after the restore,
            // and the work itself neither logs nor signals (see Mbox's warnings list).
            T value = null;
            Throwable failure = null;
            boolean healthy = true;
            try {
                n.setfsgid(t.gid);
                if (!n.setgroupsThisThread(new int[0])) {
                    throw new IOException("cannot clear supplementary groups");
                }
                n.setfsuid(t.uid);
                if (n.setfsuid(-1) != t.uid || n.setfsgid(-1) != t.gid) {
                    throw new IOException("cannot switch to user ID " + Integer.toUnsignedString(t.uid) + ", group ID "
                            + Integer.toUnsignedString(t.gid));
                }
                value = t.work.run();
            } catch (Throwable e) {
                failure = e;
            } finally {
                try {
                    n.setfsuid(euid);
                    n.setfsgid(egid);
                    healthy = n.setgroupsThisThread(groups) && n.setfsuid(-1) == euid && n.setfsgid(-1) == egid;
                } catch (RuntimeException e) {
                    healthy = false;
                }
            }
            if (!healthy) {
                // Wake no virtual thread from a thread whose ids are wrong (its scheduler could start
                // a carrier thread here, with these ids): the reporter, a platform thread with the
                // daemon's ids, fails the task instead. Waking a platform thread starts nothing.
                broken.add(t);
                return false;
            }
            if (failure != null) {
                t.result.completeExceptionally(failure);
            } else {
                t.result.complete(value);
            }
            return healthy;
        }
    }
}
