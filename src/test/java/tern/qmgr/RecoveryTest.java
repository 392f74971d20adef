package tern.qmgr;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.queue.Envelope;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.StatusRecords;

/** Crash recovery: what a daemon finds at start in active and incoming. */
class RecoveryTest {
    @TempDir
    Path tmp;

    /** write - a complete queue file straight into a queue directory, as a crashed daemon left it. */
    static String write(Harness h, Queue.Dir dir, String sender, String... rcpts) throws Exception {
        try (QueueFileWriter w = QueueFileWriter.create(h.queue, dir, h.ids)) {
            w.arrival(System.currentTimeMillis() - 60_000);
            w.attribute("protocol_name", "ESMTP");
            w.sender(sender);
            for (String r : rcpts) {
                w.recipient(r, r, "", 0);
            }
            w.beginContent();
            w.contentLine("Subject: left over");
            w.contentLine("");
            w.endHeaders();
            w.contentLine("body");
            Envelope e = w.commit(h.sync);
            return e.id();
        }
    }

    @Test
    void activeMessageIsRequeuedAndOnlyItsPendingRecipientsAreAttempted() throws Exception {
        try (Harness h = new Harness(tmp)) {
            String id = write(h, Queue.Dir.ACTIVE, "sender@example.org", "ok0@test.test", "ok1@test.test",
                    "ok2@test.test", "ok3@test.test");
            Path p = h.queue.path(Queue.Dir.ACTIVE, id);
            StatusRecords.finished(p, 0, "2.0.0", "sent", "250 ok");
            StatusRecords.failed(p, 1, System.currentTimeMillis(), "4.4.1", "connection refused");
            StatusRecords.finished(p, 2, "2.0.0", "sent", "250 ok");
            // a record cut short by the crash: ignored, so recipient 3 is attempted again
            Files.write(p, "D 3\t2.0".getBytes(StandardCharsets.US_ASCII), java.nio.file.StandardOpenOption.APPEND);
            h.qmgr.start();
            h.awaitLog(id + ": removed", 5000);
            assertThat(h.attempts).containsOnlyKeys("ok1@test.test", "ok3@test.test");
            assertThat(h.log()).contains(id + ": from=<sender@example.org>, size=").contains("nrcpt=2 (queue active)");
            assertThat(h.queue.find(id)).isNull();
        }
    }

    @Test
    void messageWhoseRecipientsAreAllDoneIsJustRemoved() throws Exception {
        try (Harness h = new Harness(tmp)) {
            String id = write(h, Queue.Dir.ACTIVE, "sender@example.org", "ok0@test.test");
            StatusRecords.finished(h.queue.path(Queue.Dir.ACTIVE, id), 0, "2.0.0", "sent", "250 ok");
            h.qmgr.start();
            h.awaitLog(id + ": removed", 5000);
            assertThat(h.attempts).isEmpty();
        }
    }

    @Test
    void leftoversAreRemovedFilesBeingWrittenAreNotAndCorruptFilesAreSaved() throws Exception {
        try (Harness h = new Harness(tmp)) {
            // an incomplete file from before the start: a crash's leftover (its size record still zeros)
            Path oldPath = h.queue.path(Queue.Dir.INCOMING, h.ids.next());
            Files.writeString(oldPath, "C 0000000000000 0000000000000 0000000000000 00000000 0000000000000\nT 1\nS x@y\n");
            Files.setLastModifiedTime(oldPath, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
            // an empty file as the FilePool prepares them, however old: not a message, left alone
            Path placeholder = h.queue.path(Queue.Dir.INCOMING, h.ids.next());
            Files.createFile(placeholder);
            Files.setLastModifiedTime(placeholder, FileTime.fromMillis(System.currentTimeMillis() - 3 * 86_400_000L));
            // a file that is not a queue file at all
            String junk = "ABCDEF123456";
            Files.writeString(h.queue.path(Queue.Dir.INCOMING, junk), "this is not a queue file\n");
            h.qmgr.start();
            // one being written right now
            QueueFileWriter current = QueueFileWriter.create(h.queue, Queue.Dir.INCOMING, h.ids);
            current.arrival(System.currentTimeMillis());
            current.sender("x@example.org");
            current.recipient("ok@test.test", "", "", 0);
            h.awaitLog(oldPath.getFileName() + ": removed incomplete queue file", 5000);
            h.awaitLog("saving corrupt file \"" + junk + "\" from queue \"active\" to queue \"corrupt\"", 5000);
            assertThat(Files.exists(oldPath)).isFalse();
            assertThat(h.queue.find(junk)).isEqualTo(Queue.Dir.CORRUPT);
            h.qmgr.wakeup();
            Thread.sleep(300);
            assertThat(Files.exists(current.path())).isTrue();
            assertThat(Files.exists(placeholder)).isTrue();
            // completing it hands it over
            current.beginContent();
            current.contentLine("Subject: now");
            Envelope e = current.commit(h.sync);
            current.close();
            h.qmgr.wakeup();
            h.awaitLog(e.id() + ": removed", 5000);
        }
    }
}
