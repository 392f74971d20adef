package tern.master;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * PidFile - data_directory/master.pid: the daemon's process id, under an exclusive lock held for
 * the daemon's life. The lock, not the file's existence, says "running": a daemon killed with -9
 * leaves the file, but the kernel drops the lock, and the next start takes over.
 */
final class PidFile implements AutoCloseable {
    private final Path path;
    private final FileChannel ch;
    private final FileLock lock;

    private PidFile(Path path, FileChannel ch, FileLock lock) {
        this.path = path;
        this.ch = ch;
        this.lock = lock;
    }

    /** acquire - lock and write the pid file, or null when another daemon holds it. */
    static PidFile acquire(Path dataDirectory) throws IOException {
        Files.createDirectories(dataDirectory);
        Path p = dataDirectory.resolve("master.pid");
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            return null;
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(String.format("%10d\n", ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
        return new PidFile(p, ch, l);
    }

    /** readPid - the pid in data_directory/master.pid, or -1. Says nothing about whether it runs. */
    static long readPid(Path dataDirectory) {
        try {
            return Long.parseLong(Files.readString(dataDirectory.resolve("master.pid")).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(path);
            lock.release();
            ch.close();
        } catch (IOException e) {
            // exiting anyway; the lock dies with the process
        }
    }
}
