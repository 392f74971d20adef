package tern.tables;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * AtomicFile - replaces a file so that readers see the old contents or the new, never a mixture:
 * the new contents go to a temporary file in the same directory, are fsync()ed, get their
 * permissions, and are renamed over the target; then the directory is fsync()ed so the rename
 * survives a crash. On failure the temporary file is removed and the target is left as it was.
 */
final class AtomicFile {
    /** Writer - produces the contents. */
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Finisher - adjusts the finished temporary file (permissions, owner) before the rename. */
    interface Finisher {
        void finish(Path temporary) throws IOException;
    }

    private AtomicFile() {
    }

    static void replace(Path target, Writer writer, Finisher finisher) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tern-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().threadId() + ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                writer.write(out);
                out.flush();
                ch.force(true);
            }
            finisher.finish(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("rename " + tmp + " to " + target + ": atomic rename not supported", e);
            }
            done = true;
            syncDirectory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems refuse fsync on a directory; the rename itself has happened.
        }
    }
}
