package tern.queue;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Queue - the queue directory (queue_directory) and its subdirectories, named as Postfix names
 * them so that people and tools see a message's state at a glance:
 * <pre>
 *   maildrop   local submissions (sendmail) waiting for pickup; mode 1733 so any user can drop a
 *              file but nobody can list or read another's
 *   incoming   messages written by cleanup, complete once their size record says so
 *   active     messages the queue manager is delivering
 *   deferred   messages waiting for a retry; the file's modification time is the next retry time
 *   hold       messages put on hold (postsuper -h), untouched until released
 *   corrupt    files that could not be read as queue files, kept for a person to look at
 * </pre>
 * A message keeps its queue id (its file name) as it moves between directories; moves are renames
 * within one file system, so a message is always in exactly one place. This class does no
 * locking: the queue manager is the only mover of incoming/active/deferred files while the daemon
 * runs, and the queue tools ask the daemon to act when it runs (see the cli package).
 */
public final class Queue {
    /** The queue subdirectories, in the order postsuper and mailq walk them. */
    public enum Dir {
        MAILDROP("maildrop"), HOLD("hold"), INCOMING("incoming"), ACTIVE("active"), DEFERRED("deferred"),
        CORRUPT("corrupt");

        private final String dirName;

        Dir(String dirName) {
            this.dirName = dirName;
        }

        /** dirName - the directory's name under queue_directory (and the word postsuper takes). */
        public String dirName() {
            return dirName;
        }

        /** byName - the directory with this name, or null. */
        public static Dir byName(String name) {
            for (Dir d : values()) {
                if (d.dirName.equals(name)) {
                    return d;
                }
            }
            return null;
        }
    }

    private final Path root;
    private final Map<Dir, Path> paths = new EnumMap<>(Dir.class);

    public Queue(Path queueDirectory) {
        this.root = queueDirectory.toAbsolutePath().normalize();
        for (Dir d : Dir.values()) {
            paths.put(d, root.resolve(d.dirName));
        }
    }

    public Path root() {
        return root;
    }

    public Path dir(Dir d) {
        return paths.get(d);
    }

    /** path - where message id lives (or would live) in directory d. */
    public Path path(Dir d, String id) {
        if (!QueueId.isValid(id)) {
            throw new IllegalArgumentException("bad queue id: " + id);
        }
        return paths.get(d).resolve(id);
    }

    /**
     * create - make the queue directory and its subdirectories where missing, as "postfix start"
     * and "postfix check" do. maildrop gets mode 1733 (drop-only for local users); the rest 0700.
     */
    public void create() throws IOException {
        Files.createDirectories(root);
        for (Dir d : Dir.values()) {
            Path p = paths.get(d);
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(p);
                } catch (FileAlreadyExistsException e) {
                    throw new IOException(p + " exists and is not a directory");
                }
            }
            Set<PosixFilePermission> mode = d == Dir.MAILDROP
                    ? PosixFilePermissions.fromString("rwx-wx-wx") : PosixFilePermissions.fromString("rwx------");
            Files.setPosixFilePermissions(p, mode);
        }
        if (Files.isDirectory(paths.get(Dir.MAILDROP))) {
            stickyMaildrop();
        }
    }

    /** Java has no sticky bit in PosixFilePermission; chmod(1) sets it. A failure only weakens isolation. */
    private void stickyMaildrop() {
        try {
            Process p = new ProcessBuilder("chmod", "1733", paths.get(Dir.MAILDROP).toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor();
        } catch (IOException e) {
            // no chmod: keep 0733
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** exists - whether the queue directory looks set up (every subdirectory present). */
    public boolean exists() {
        for (Path p : paths.values()) {
            if (!Files.isDirectory(p)) {
                return false;
            }
        }
        return true;
    }

    /** find - the directory that holds message id, or null when it is in none. */
    public Dir find(String id) {
        if (!QueueId.isValid(id)) {
            return null;
        }
        for (Dir d : Dir.values()) {
            if (Files.exists(paths.get(d).resolve(id), LinkOption.NOFOLLOW_LINKS)) {
                return d;
            }
        }
        return null;
    }

    /**
     * move - rename message id from one directory to another. Returns false when it was not in
     * "from" (someone else moved or removed it first), which callers treat as "not mine any more".
     */
    public boolean move(String id, Dir from, Dir to) throws IOException {
        try {
            Files.move(path(from, id), path(to, id), StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("queue directories must be on one file system: " + e.getMessage(), e);
        }
    }

    /** list - the queue ids in directory d (names that are not ids, such as temporary files, are skipped). */
    public List<String> list(Dir d) throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(paths.get(d))) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (QueueId.isValid(name)) {
                    ids.add(name);
                }
            }
        } catch (NoSuchFileException e) {
            // a queue that was never created is empty
        }
        return ids;
    }
}
