package tern.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * StatusRecords - appends the queue manager's status records (D, L, W; see {@link QueueFile}) to a
 * queue file. Each record is one write at the file's end, so a crash leaves at most one record cut
 * short, which readers ignore; the writers of one file take turns (the queue manager writes a
 * message's records under that message's lock). No fsync: a record lost to a power failure means
 * one repeated attempt, never a lost message.
 */
public final class StatusRecords {
    private StatusRecords() {
    }

    /** finished - recipient index is done for good (dsn "2.0.0"/"5.1.1", status "sent"/"bounced"/...). */
    public static void finished(Path file, int index, String dsn, String status, String text) throws IOException {
        append(file, "D " + index + '\t' + clean(dsn) + '\t' + clean(status) + '\t' + clean(text) + '\n');
    }

    /** failed - the last temporary failure of recipient index. */
    public static void failed(Path file, int index, long millis, String dsn, String text) throws IOException {
        append(file, "L " + index + '\t' + millis + '\t' + clean(dsn) + '\t' + clean(text) + '\n');
    }

    /** warned - a delay warning went out at millis. */
    public static void warned(Path file, long millis) throws IOException {
        append(file, "W " + millis + '\n');
    }

    /**
     * open - a read and write channel on the queue file, for the channel forms below and for the
     * delivery agents' reads (positional only: they share it); the caller closes it. Not in append
     * mode: Java refuses reads on such a channel.
     */
    public static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** finished - as {@link #finished(Path, int, String, String, String)}, on a channel from open. */
    public static void finished(FileChannel ch, int index, String dsn, String status, String text) throws IOException {
        write(ch, "D " + index + '\t' + clean(dsn) + '\t' + clean(status) + '\t' + clean(text) + '\n');
    }

    /** failed - as {@link #failed(Path, int, long, String, String)}, on a channel from open. */
    public static void failed(FileChannel ch, int index, long millis, String dsn, String text) throws IOException {
        write(ch, "L " + index + '\t' + millis + '\t' + clean(dsn) + '\t' + clean(text) + '\n');
    }

    /** warned - as {@link #warned(Path, long)}, on a channel from open. */
    public static void warned(FileChannel ch, long millis) throws IOException {
        write(ch, "W " + millis + '\n');
    }

    private static void append(Path file, String record) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            write(ch, record);
        }
    }

    private static void write(FileChannel ch, String record) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(record.getBytes(StandardCharsets.UTF_8));
        long at = ch.size();
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    /** clean - record fields hold no TAB, CR or LF (remote replies may contain anything). */
    static String clean(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\t' || c == '\r' || c == '\n') {
                if (b == null) {
                    b = new StringBuilder(s.substring(0, i));
                }
                b.append(' ');
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
