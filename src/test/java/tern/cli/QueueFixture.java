package tern.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import tern.queue.DirSync;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;
import tern.queue.StatusRecords;

/**
 * QueueFixture - a Tern instance directory (main.cf, queue) for the queue tools' tests, and
 * messages written into its queue with exactly chosen ids, times, sizes, recipients and delay
 * reasons, so that a listing of a real Postfix queue can be rebuilt and listed by Tern.
 */
final class QueueFixture {
    /** Rcpt - a recipient and its delay reason (null: none recorded). */
    record Rcpt(String address, String reason) {
    }

    final Path dir;
    final Queue queue;

    QueueFixture(Path dir, String... mainCf) throws IOException {
        this.dir = dir;
        List<String> lines = new ArrayList<>(List.of(
                "myhostname = mx.example.test",
                "queue_directory = " + dir.resolve("spool"),
                "data_directory = " + dir.resolve("data"),
                "maillog_file = " + dir.resolve("maillog"),
                "maillog_file_prefixes = /"));
        lines.addAll(List.of(mainCf));
        Files.write(dir.resolve("main.cf"), lines, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("master.cf"), "pickup unix n - n 60 1 pickup\n");
        Files.createDirectories(dir.resolve("data"));
        queue = new Queue(dir.resolve("spool"));
        queue.create();
    }

    String config() {
        return dir.toString();
    }

    /**
     * message - a complete queue file in d named id, arriving at arrivalMillis, whose content
     * (as stored, CRLF line ends) is exactly size bytes; a recipient's reason becomes an L record,
     * in the order given.
     */
    Path message(Queue.Dir d, String id, long arrivalMillis, long size, String sender, List<Rcpt> rcpts,
                 boolean forcedExpire) throws IOException {
        QueueFileWriter w = QueueFileWriter.create(queue, d, new QueueId());
        Path written;
        try (DirSync sync = new DirSync(queue.dir(d))) {
            w.arrival(arrivalMillis);
            w.sender(sender);
            for (Rcpt r : rcpts) {
                w.recipient(r.address(), "", "", 0);
            }
            w.beginContent();
            for (String line : content(size)) {
                w.contentLine(line);
                if (line.isEmpty()) {
                    w.endHeaders();
                }
            }
            w.commit(sync);
            written = w.path();
        } finally {
            w.close();
        }
        Path target = queue.path(d, id);
        Files.move(written, target, StandardCopyOption.REPLACE_EXISTING);
        long t = arrivalMillis;
        for (int i = 0; i < rcpts.size(); i++) {
            if (rcpts.get(i).reason() != null) {
                StatusRecords.failed(target, i, ++t, "4.4.1", rcpts.get(i).reason());
            }
        }
        if (forcedExpire) {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(target);
            mode.add(PosixFilePermission.GROUP_EXECUTE);
            Files.setPosixFilePermissions(target, mode);
        }
        return target;
    }

    /** content - header, empty line and body lines whose stored size (each line plus CRLF) is exactly size. */
    static List<String> content(long size) {
        String subject = "Subject: fixture";
        long rest = size - (subject.length() + 2) - 2;
        List<String> body = new ArrayList<>();
        while (rest > 0) {
            long n = Math.min(998, rest - 2);
            if (rest - (n + 2) == 1) {
                n--; // never leave a single byte: no line costs one
            }
            if (n < 0) {
                subject += "x";
                rest -= 1;
                continue;
            }
            body.add("x".repeat((int) n));
            rest -= n + 2;
        }
        List<String> out = new ArrayList<>();
        out.add(subject);
        out.add("");
        out.addAll(body);
        return out;
    }
}
