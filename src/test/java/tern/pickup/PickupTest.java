package tern.pickup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.cleanup.Cleanup;
import tern.config.Config;
import tern.log.MailLog;
import tern.queue.ContentStream;
import tern.queue.DirSync;
import tern.queue.Queue;
import tern.queue.QueueFile;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;
import tern.queue.StatusRecords;

/**
 * The pickup service with the real cleanup: what sendmail drops into maildrop comes out in
 * incoming as Postfix's pickup and cleanup make it; bad files go to corrupt with a log line; files
 * being written are left alone; a requeued message keeps its arrival time and logs orig_id.
 */
class PickupTest {
    @TempDir
    Path tmp;
    Queue queue;
    MailLog mailLog;
    Pickup pickup;
    int uid;

    @BeforeEach
    void setUp() throws Exception {
        Files.write(tmp.resolve("main.cf"), List.of("myhostname = mx.example.test", "message_size_limit = 4000",
                "queue_directory = " + tmp.resolve("spool")));
        Config c = Config.load(tmp);
        queue = new Queue(tmp.resolve("spool"));
        queue.create();
        mailLog = MailLog.toFile("mx.example.test", tmp.resolve("maillog"));
        Cleanup cleanup = new Cleanup(c, queue, new QueueId(), null, new DirSync(queue.dir(Queue.Dir.INCOMING)),
                mailLog.logger("postfix", "cleanup"), Cleanup.canonicalOnly(a -> a.contains("@") ? a : a + "@mx.example.test"),
                o -> o.isLocal(), e -> {
                });
        pickup = new Pickup(queue, cleanup, mailLog.logger("postfix", "pickup"), 0, c.integer("message_size_limit"));
        uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    @AfterEach
    void tearDown() {
        pickup.close();
        mailLog.close();
    }

    String log() throws IOException {
        return Files.readString(tmp.resolve("maillog"));
    }

    /** drop - a maildrop file as sendmail writes it. */
    Path drop(String sender, List<String> rcpts, String fullName, String... lines) throws IOException {
        QueueFileWriter w = QueueFileWriter.create(queue, Queue.Dir.MAILDROP, new QueueId());
        try (DirSync s = new DirSync(queue.dir(Queue.Dir.MAILDROP))) {
            w.arrival(System.currentTimeMillis());
            w.attribute("uid", Integer.toString(uid));
            if (fullName != null) {
                w.attribute("full_name", fullName);
            }
            w.sender(sender);
            for (String r : rcpts) {
                w.recipient(r, "", "", 0);
            }
            w.beginContent();
            for (String l : lines) {
                w.contentLine(l);
            }
            w.commit(s);
        } finally {
            w.close();
        }
        return w.path();
    }

    static String content(QueueFile qf) throws IOException {
        try (FileChannel ch = FileChannel.open(qf.path(), StandardOpenOption.READ)) {
            return new String(ContentStream.of(ch, qf.envelope()).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    QueueFile incoming() throws IOException {
        List<String> ids = queue.list(Queue.Dir.INCOMING);
        assertThat(ids).hasSize(1);
        return QueueFile.read(queue.path(Queue.Dir.INCOMING, ids.get(0)));
    }

    @Test
    void aSubmissionGoesThroughCleanupAsPostfixsPickupDoesIt() throws IOException {
        drop("alice", List.of("bob@x.example", "carol"), "Doe, John", "Subject: hi", "Bcc: hidden@x.example", "",
                "hello", ".dot line");
        assertThat(pickup.scan()).isEqualTo(1);
        assertThat(queue.list(Queue.Dir.MAILDROP)).isEmpty();
        QueueFile qf = incoming();
        String id = qf.envelope().id();
        assertThat(qf.envelope().sender()).isEqualTo("alice@mx.example.test");
        assertThat(qf.envelope().recipients()).extracting(r -> r.address())
                .containsExactly("bob@x.example", "carol@mx.example.test");
        assertThat(qf.envelope().attributes()).containsEntry("service_name", "pickup").containsEntry("uid", Integer.toString(uid))
                .containsEntry("full_name", "Doe, John").doesNotContainKey("client_address");
        String c = content(qf);
        assertThat(c).startsWith("Received: by mx.example.test (Postfix, from userid " + uid + ")\n\tid " + id + "; ")
                .contains("\nSubject: hi\nMessage-Id: <").contains("@mx.example.test>\nDate: ")
                .contains("\nFrom: \"Doe, John\" <alice@mx.example.test>\n\nhello\n.dot line\n")
                .doesNotContain("Bcc");
        assertThat(log()).contains("postfix/pickup[").contains("]: " + id + ": uid=" + uid + " from=<alice>\n")
                .contains("postfix/cleanup[").contains("]: " + id + ": message-id=<");
    }

    @Test
    void aMessageWithItsOwnHeadersKeepsThem() throws IOException {
        drop("a@x.example", List.of("b@x.example"), "A", "From: Someone <a@x.example>", "Date: Mon, 1 Jan 2024 00:00:00 +0000",
                "Message-ID: <own@x.example>", "", "body");
        pickup.scan();
        String c = content(incoming());
        assertThat(c).contains("From: Someone <a@x.example>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <own@x.example>\n\nbody\n");
        assertThat(c.split("Message-I[dD]:", -1)).hasSize(2);
        assertThat(log()).contains("message-id=<own@x.example>");
    }

    @Test
    void malformedFilesAreMovedToCorruptWithALogLine() throws IOException {
        String garbage = new QueueId().next();
        Files.writeString(queue.path(Queue.Dir.MAILDROP, garbage), "this is no queue file\n");
        String broken = new QueueId().next();
        Files.writeString(queue.path(Queue.Dir.MAILDROP, broken), "C 0000000000099 0000000000010 0000000000000 00000001 0000000000000\nX junk\n");
        assertThat(pickup.scan()).isZero();
        assertThat(queue.list(Queue.Dir.MAILDROP)).isEmpty();
        assertThat(queue.list(Queue.Dir.CORRUPT)).containsExactlyInAnyOrder(garbage, broken);
        assertThat(log()).contains("warning: maildrop/" + garbage + ": ").contains("; moved to corrupt/" + garbage)
                .contains("warning: maildrop/" + broken + ": ");
    }

    @Test
    void filesBeingWrittenAreLeftAloneUntilTheyAreAbandoned() throws IOException {
        QueueFileWriter w = QueueFileWriter.create(queue, Queue.Dir.MAILDROP, new QueueId());
        try {
            assertThat(pickup.scan()).isZero(); // empty file: its writer has not flushed yet
            assertThat(queue.list(Queue.Dir.MAILDROP)).containsExactly(w.id());
            Path half = queue.path(Queue.Dir.MAILDROP, new QueueId().next());
            Files.writeString(half, "C 0000000000000 0000000000000 0000000000000 00000000\nT 1\n");
            assertThat(pickup.scan()).isZero();
            assertThat(Files.exists(half)).isTrue();
            Files.setLastModifiedTime(half, FileTime.fromMillis(System.currentTimeMillis() - 2 * 3600_000L));
            pickup.scan();
            assertThat(Files.exists(half)).isFalse();
            assertThat(queue.list(Queue.Dir.CORRUPT)).contains(half.getFileName().toString());
            assertThat(log()).contains("incomplete file, unchanged for 120 minutes; moved to corrupt/");
            assertThat(queue.list(Queue.Dir.MAILDROP)).containsExactly(w.id());
        } finally {
            w.close();
        }
    }

    @Test
    void linksAreNotFollowed() throws IOException {
        Path secret = tmp.resolve("secret");
        Files.writeString(secret, "not yours\n");
        String sym = new QueueId().next();
        Files.createSymbolicLink(queue.path(Queue.Dir.MAILDROP, sym), secret);
        Path real = drop("a@x.example", List.of("b@x.example"), null, "Subject: x", "", "b");
        String hard = new QueueId().next();
        Files.createLink(queue.path(Queue.Dir.MAILDROP, hard), real);
        pickup.scan();
        assertThat(Files.readString(secret)).isEqualTo("not yours\n");
        assertThat(queue.list(Queue.Dir.INCOMING)).isEmpty();
        assertThat(log()).contains("maildrop/" + sym + ": not a regular file; moved to corrupt/" + sym)
                .contains(": file has 2 links; moved to corrupt/");
    }

    @Test
    void aRequeuedMessageKeepsItsArrivalAndOnlyItsPendingRecipients() throws IOException {
        long arrival = System.currentTimeMillis() - 3 * 3600_000L;
        QueueFileWriter w = QueueFileWriter.create(queue, Queue.Dir.MAILDROP, new QueueId());
        try (DirSync s = new DirSync(queue.dir(Queue.Dir.MAILDROP))) {
            w.arrival(arrival);
            w.attribute("protocol_name", "ESMTP");
            w.attribute("service_name", "smtp");
            w.sender("s@x.example");
            w.recipient("done@x.example", "done@x.example", "", 0);
            w.recipient("todo@x.example", "alias@x.example", "rfc822;orig@x.example", 6);
            w.beginContent();
            w.contentLine("Received: from client (localhost [127.0.0.1])");
            w.contentLine("Message-Id: <m1@x.example>");
            w.contentLine("Date: Mon, 1 Jan 2024 00:00:00 +0000");
            w.contentLine("From: s@x.example");
            w.contentLine("");
            w.contentLine("body");
            w.commit(s);
        } finally {
            w.close();
        }
        StatusRecords.finished(w.path(), 0, "2.0.0", "sent", "250 ok");
        StatusRecords.failed(w.path(), 1, System.currentTimeMillis(), "4.4.1", "connection refused");
        pickup.scan();
        QueueFile qf = incoming();
        assertThat(qf.envelope().arrivalMillis()).isEqualTo(arrival);
        assertThat(qf.envelope().attributes()).containsKey("create_time");
        assertThat(qf.envelope().recipients()).hasSize(1);
        assertThat(qf.envelope().recipients().get(0).address()).isEqualTo("todo@x.example");
        assertThat(qf.envelope().recipients().get(0).original()).isEqualTo("alias@x.example");
        assertThat(qf.envelope().recipients().get(0).orcpt()).isEqualTo("rfc822;orig@x.example");
        assertThat(qf.envelope().recipients().get(0).notifyBits()).isEqualTo(6);
        assertThat(content(qf)).startsWith("Received: by mx.example.test (Postfix, from userid " + uid + ")\n")
                .contains("\nReceived: from client (localhost [127.0.0.1])\nMessage-Id: <m1@x.example>\n")
                .endsWith("From: s@x.example\n\nbody\n");
        assertThat(log()).contains(qf.envelope().id() + ": uid=" + uid + " from=<s@x.example> orig_id=" + w.id());
    }

    @Test
    void aMessageCleanupRefusesGoesToCorrupt() throws IOException {
        List<String> lines = new ArrayList<>(List.of("Subject: big", ""));
        for (int i = 0; i < 60; i++) {
            lines.add("x".repeat(98));
        }
        drop("a@x.example", List.of("b@x.example"), null, lines.toArray(new String[0]));
        pickup.scan();
        assertThat(queue.list(Queue.Dir.INCOMING)).isEmpty();
        assertThat(queue.list(Queue.Dir.CORRUPT)).hasSize(1);
        assertThat(log()).contains(": message rejected: 552 5.3.4 Error: message file too big; moved to corrupt/");
    }

    @Test
    void aWakeupStartsAScan() throws Exception {
        pickup.start();
        drop("a@x.example", List.of("b@x.example"), null, "Subject: x", "", "b");
        pickup.wakeup();
        long deadline = System.currentTimeMillis() + 10_000;
        while (queue.list(Queue.Dir.INCOMING).isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(queue.list(Queue.Dir.INCOMING)).hasSize(1);
        while (!queue.list(Queue.Dir.MAILDROP).isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20); // removed just after cleanup committed
        }
        assertThat(queue.list(Queue.Dir.MAILDROP)).isEmpty();
    }
}
