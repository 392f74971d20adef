package tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.master.ControlClient;
import tern.queue.DirSync;
import tern.queue.Envelope;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;

/**
 * The queue manager in a real daemon: mail put into incoming is delivered, bounced with a notice,
 * deferred and flushed, and a daemon killed with -9 in the middle of a many-recipient delivery
 * repeats, after its restart, only the recipients it had not finished.
 */
class QueueManagerIT {
    @TempDir
    Path tmp;

    /** inject - a queue file straight into incoming (as cleanup writes it), then wake the queue manager. */
    static String inject(TestInstance t, String sender, String... rcpts) throws IOException {
        Queue q = new Queue(t.dir().resolve("spool"));
        String id;
        try (DirSync sync = new DirSync(q.dir(Queue.Dir.INCOMING));
             QueueFileWriter w = QueueFileWriter.create(q, Queue.Dir.INCOMING, new QueueId())) {
            w.arrival(System.currentTimeMillis());
            w.attribute("protocol_name", "ESMTP");
            w.sender(sender);
            for (String r : rcpts) {
                w.recipient(r, r, "", 0);
            }
            w.beginContent();
            w.contentLine("Subject: queue manager test");
            w.contentLine("From: " + sender);
            w.contentLine("");
            w.endHeaders();
            w.contentLine("hello");
            Envelope e = w.commit(sync);
            id = e.id();
        }
        assertThat(ControlClient.request(t.dir().resolve("data").resolve("master.sock"), "wakeup")).isEqualTo("ok");
        return id;
    }

    static Path transportMap(TestInstance t, String... lines) throws IOException {
        Path p = t.dir().resolve("transport");
        Files.write(p, List.of(lines));
        return p;
    }

    static String await(TestInstance t, String text) {
        String line = t.awaitLog(l -> l.contains(text), 20_000);
        assertThat(line).as("log line with \"" + text + "\" in\n" + t.log()).isNotNull();
        return line;
    }

    @Test
    void errorTransportBouncesToTheSenderThroughCleanupAndTheQueue() throws IOException {
        Path dir = tmp.resolve("i");
        Files.createDirectories(dir);
        Files.write(dir.resolve("transport"), List.of("err.test error:5.1.2 no such domain here", "example.org discard:",
                "disc.test discard:silently dropped"));
        try (TestInstance t = TestInstance.create(dir, "transport_maps = texthash:" + dir.resolve("transport"))) {
            t.start();
            String id = inject(t, "sender@example.org", "a@err.test", "b@disc.test");
            assertThat(await(t, id + ": to=<a@err.test>")).matches(".* postfix/error\\[\\d+\\]: " + id
                    + ": to=<a@err.test>, relay=none, delay=[0-9.]+, delays=[0-9./]+, dsn=5.1.2, status=bounced "
                    + "\\(no such domain here\\)");
            assertThat(await(t, id + ": to=<b@disc.test>")).contains("postfix/discard[")
                    .endsWith("dsn=2.0.0, status=sent (silently dropped)");
            String notice = await(t, id + ": sender non-delivery notification: ");
            assertThat(notice).contains("postfix/bounce[");
            String nid = notice.substring(notice.lastIndexOf(' ') + 1);
            await(t, nid + ": from=<>, size=");
            assertThat(await(t, nid + ": to=<sender@example.org>")).contains("status=sent (example.org)");
            await(t, nid + ": removed");
            await(t, id + ": removed");
            assertThat(t.log()).contains("postfix/qmgr[").contains(id + ": from=<sender@example.org>, size=")
                    .contains("nrcpt=2 (queue active)");
        }
    }

    @Test
    void deferredMailIsFlushedAfterAReload() throws IOException {
        Path dir = tmp.resolve("i");
        Files.createDirectories(dir);
        Files.write(dir.resolve("transport"), List.of("later.test retry:4.3.2 try later please"));
        try (TestInstance t = TestInstance.create(dir, "transport_maps = texthash:" + dir.resolve("transport"),
                "minimal_backoff_time = 1h", "maximal_backoff_time = 2h", "queue_run_delay = 1h")) {
            t.start();
            String id = inject(t, "sender@example.org", "x@later.test");
            assertThat(await(t, id + ": to=<x@later.test>")).endsWith("dsn=4.3.2, status=deferred (try later please)");
            Path deferred = t.dir().resolve("spool").resolve("deferred").resolve(id);
            long deadline = System.currentTimeMillis() + 10_000;
            while (!Files.exists(deferred) && System.currentTimeMillis() < deadline) {
                sleep(50);
            }
            assertThat(deferred).exists();
            assertThat(Files.getLastModifiedTime(deferred).toMillis()).isGreaterThan(System.currentTimeMillis() + 3_000_000);
            Files.write(dir.resolve("transport"), List.of("later.test discard:now delivered"));
            assertThat(t.postfix("reload").status()).isZero();
            TestInstance.Result f = t.postfix("flush");
            assertThat(f.status()).as(f.toString()).isZero();
            assertThat(await(t, "dsn=2.0.0, status=sent (now delivered)")).contains(id + ": to=<x@later.test>, relay=none");
            await(t, id + ": removed");
        }
    }

    @Test
    void killedInTheMiddleOfAManyRecipientDeliveryRepeatsOnlyWhatWasNotDone() throws Exception {
        Path dir = tmp.resolve("i");
        Files.createDirectories(dir);
        Files.write(dir.resolve("transport"), List.of("slow.test discard:delivered"));
        // one recipient per delivery, one delivery start a second over the discard transport
        try (TestInstance t = TestInstance.create(dir, "transport_maps = texthash:" + dir.resolve("transport"),
                "discard_destination_recipient_limit = 1", "discard_transport_rate_delay = 1s")) {
            t.start();
            List<String> rcpts = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                rcpts.add("r" + i + "@slow.test");
            }
            String id = inject(t, "sender@example.org", rcpts.toArray(new String[0]));
            long pid = ControlClient.running(dir.resolve("data").resolve("master.sock"));
            assertThat(pid).isPositive();
            // wait until two recipients are done, then kill -9 before the next one starts
            long deadline = System.currentTimeMillis() + 20_000;
            while (count(t.log(), id + ": to=<r") < 2 && System.currentTimeMillis() < deadline) {
                sleep(20);
            }
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            deadline = System.currentTimeMillis() + 10_000;
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                    && System.currentTimeMillis() < deadline) {
                sleep(20);
            }
            int before = count(t.log(), id + ": to=<r");
            assertThat(before).isBetween(2, 5);
            assertThat(t.dir().resolve("spool").resolve("active").resolve(id)).exists();

            t.start();
            await(t, id + ": removed");
            String log = t.log();
            for (String r : rcpts) {
                assertThat(count(log, id + ": to=<" + r + ">")).as("deliveries of " + r + " in\n" + log).isEqualTo(1);
            }
            // the second run took only the recipients without a D record
            assertThat(log).contains(id + ": from=<sender@example.org>, size=").contains("nrcpt=" + (6 - before)
                    + " (queue active)");
        }
    }

    private static int count(String log, String text) {
        int n = 0;
        for (String l : log.split("\n")) {
            if (l.contains(text)) {
                n++;
            }
        }
        return n;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
