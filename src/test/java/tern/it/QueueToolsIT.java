package tern.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.queue.DirSync;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;
import tern.queue.StatusRecords;

/**
 * Local submission and the queue tools through bin/, with the daemon running and stopped:
 * sendmail into maildrop and the pickup service (woken at once, or at the next start), as root and
 * as another user; bad maildrop files; the seed's "mailq", "qshape deferred" and "postsuper -r ALL"
 * on a running instance; postsuper's rule for messages in the active queue; flush requests.
 *
 * Most tests run the instance without its qmgr service, so that messages stay where the test put
 * them; the last one runs the queue manager and a relayhost that refuses connections, so that the
 * tools see the queue manager's own deferrals.
 */
class QueueToolsIT {
    private static final Path HOME = Path.of(System.getProperty("tern.home", ".")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    static TestInstance.Result sendmail(TestInstance t, String stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(HOME.resolve("bin/sendmail").toString(), "-c", t.dir().toString()));
        cmd.addAll(List.of(args));
        return TestInstance.run(cmd, stdin);
    }

    /** still - an instance whose master.cf has no qmgr service: mail is queued, not delivered. */
    static TestInstance still(Path dir, String... mainCf) throws IOException {
        TestInstance t = TestInstance.create(dir, mainCf);
        String master = TestInstance.masterCf(t.smtpPort()).replaceAll("(?m)^qmgr .*\n", "");
        Files.writeString(t.dir().resolve("master.cf"), master);
        return t;
    }

    static Queue queue(TestInstance t) {
        return new Queue(t.dir().resolve("spool"));
    }

    static String pickedUp(TestInstance t, String from) {
        String line = t.awaitLog(l -> l.contains("postfix/pickup[") && l.contains(" from=<" + from + ">"), 20_000);
        assertThat(line).as("pickup log line for " + from + "\n" + t.log()).isNotNull();
        Matcher m = Pattern.compile("\\]: ([0-9A-F]+): uid=").matcher(line);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** awaitEmpty - pickup removes a maildrop file just after it logs the new queue id: wait for that (bounded). */
    static void awaitEmpty(Queue q, Queue.Dir d) throws IOException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!q.list(d).isEmpty() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertThat(q.list(d)).as(d.dirName()).isEmpty();
    }

    /** deferred - a message waiting for a retry, with the reason of its last attempt. */
    static String deferred(Queue q, String sender, String rcpt, String reason, long ageMillis) throws IOException {
        QueueFileWriter w = QueueFileWriter.create(q, Queue.Dir.DEFERRED, new QueueId());
        try (DirSync s = new DirSync(q.dir(Queue.Dir.DEFERRED))) {
            w.arrival(System.currentTimeMillis() - ageMillis);
            w.attribute("protocol_name", "ESMTP");
            w.attribute("service_name", "smtp");
            w.sender(sender);
            w.recipient(rcpt, rcpt, "", 0);
            w.beginContent();
            w.contentLine("Subject: deferred");
            w.contentLine("Message-Id: <" + sender + ">");
            w.contentLine("Date: Mon, 1 Jan 2024 00:00:00 +0000");
            w.contentLine("From: " + sender);
            w.contentLine("");
            w.contentLine("body");
            w.commit(s);
        } finally {
            w.close();
        }
        StatusRecords.failed(w.path(), 0, System.currentTimeMillis(), "4.4.1", reason);
        return w.id();
    }

    @Test
    void sendmailWhileTheDaemonIsDownWaitsInMaildropUntilTheNextStart() throws IOException {
        try (TestInstance t = still(tmp.resolve("i"))) {
            assertThat(t.postfix("check").status()).isZero();
            TestInstance.Result r = sendmail(t, "Subject: waiting\n\nbody\n", "-f", "early@example.org", "rcpt@x.example");
            assertThat(r.status()).as(r.toString()).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(queue(t).list(Queue.Dir.MAILDROP)).hasSize(1);
            TestInstance.Result q = t.command("mailq");
            assertThat(q.out()).contains("early@example.org").contains("rcpt@x.example").endsWith("-- 0 Kbytes in 1 Request.\n");
            assertThat(q.err()).startsWith("postqueue: warning: Mail system is down -- accessing queue directly");
            t.start();
            String id = pickedUp(t, "early@example.org");
            awaitEmpty(queue(t), Queue.Dir.MAILDROP);
            TestInstance.Result cat = t.command("postcat", "-q", id);
            assertThat(cat.status()).isZero();
            assertThat(cat.out()).startsWith("*** ENVELOPE RECORDS incoming/" + id + " ***\n")
                    .contains("sender: early@example.org\n").contains("recipient: rcpt@x.example\n")
                    .contains("Received: by mx.example.test (Postfix, from userid ").contains("Subject: waiting\n");
        }
    }

    @Test
    void sendmailWakesThePickupServiceOfARunningDaemon() throws IOException {
        try (TestInstance t = still(tmp.resolve("i"))) {
            t.start();
            long start = System.currentTimeMillis();
            TestInstance.Result r = sendmail(t, "To: a@x.example\nBcc: hidden@x.example\nSubject: now\n\nbody\n", "-t",
                    "-f", "now@example.org");
            assertThat(r.status()).as(r.toString()).isZero();
            String id = pickedUp(t, "now@example.org");
            assertThat(System.currentTimeMillis() - start).isLessThan(30_000); // the wakeup interval is 60 s
            TestInstance.Result q = t.command("postqueue", "-j");
            assertThat(q.err()).isEmpty();
            assertThat(q.out()).contains("\"queue_name\": \"incoming\", \"queue_id\": \"" + id + "\"")
                    .contains("\"recipients\": [{\"address\": \"a@x.example\"}, {\"address\": \"hidden@x.example\"}]");
            assertThat(t.command("postcat", "-h", "-q", id).out()).contains("To: a@x.example\n").doesNotContain("Bcc");
        }
    }

    @Test
    void sendmailWorksForAUserWhoMayNotReadTheQueue() throws IOException {
        assumeTrue(new File("/usr/sbin/runuser").canExecute() && "root".equals(System.getProperty("user.name")),
                "needs root and runuser to act as nobody");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (TestInstance t = still(tmp.resolve("i"))) {
            Files.setPosixFilePermissions(t.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
            t.start();
            List<String> cmd = List.of("/usr/sbin/runuser", "-u", "nobody", "--", HOME.resolve("bin/sendmail").toString(),
                    "-c", t.dir().toString(), "-F", "No Body", "someone@x.example");
            TestInstance.Result r = TestInstance.run(cmd, "Subject: from nobody\n\nhi\n");
            assertThat(r.status()).as(r.toString()).isZero();
            String id = pickedUp(t, "nobody");
            String line = t.awaitLog(l -> l.contains(id + ": uid="), 1000);
            int nobody = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0
                    ? Integer.parseInt(TestInstance.run(List.of("id", "-u", "nobody"), null).out().strip()) : -1;
            assertThat(line).contains(": uid=" + nobody + " from=<nobody>");
            assertThat(t.command("postcat", "-q", id).out()).contains("Received: by mx.example.test (Postfix, from userid " + nobody + ")")
                    .contains("From: No Body <nobody");
            TestInstance.Result super_ = TestInstance.run(List.of("/usr/sbin/runuser", "-u", "nobody", "--",
                    HOME.resolve("bin/postsuper").toString(), "-c", t.dir().toString(), "-d", "ALL"), null);
            assertThat(super_.status()).isEqualTo(1);
            assertThat(super_.err()).isEqualTo("postsuper: fatal: use of this command is reserved for the superuser\n");
        }
    }

    @Test
    void malformedMaildropFilesAreMovedAsideNeverLost() throws IOException {
        try (TestInstance t = still(tmp.resolve("i"))) {
            t.start();
            String junk = new QueueId().next();
            Files.writeString(queue(t).path(Queue.Dir.MAILDROP, junk), "garbage\n");
            assertThat(sendmail(t, "Subject: x\n\nb\n", "-f", "next@example.org", "r@x.example").status()).isZero();
            pickedUp(t, "next@example.org");
            assertThat(t.awaitLog(l -> l.contains("postfix/pickup[") && l.contains("warning: maildrop/" + junk + ": ")
                    && l.endsWith("; moved to corrupt/" + junk), 10_000)).as(t.log()).isNotNull();
            assertThat(queue(t).list(Queue.Dir.CORRUPT)).containsExactly(junk);
        }
    }

    @Test
    void theSeedsQueueCommandsOnARunningInstance() throws IOException {
        try (TestInstance t = still(tmp.resolve("i"))) {
            t.start();
            Queue q = queue(t);
            String a = deferred(q, "a@example.org", "u1@dest.example", "connect to mx.dest.example[192.0.2.1]:25: Connection refused", 7 * 60_000);
            String b = deferred(q, "b@example.org", "u2@dest.example", "connect to mx.dest.example[192.0.2.1]:25: Connection refused", 25 * 60_000);
            String c = deferred(q, "c@example.org", "u3@other.example", "host mx.other.example said: 451 try later", 50 * 60_000);

            TestInstance.Result mailq = t.command("mailq");
            assertThat(mailq.status()).isZero();
            assertThat(mailq.err()).isEmpty();
            assertThat(mailq.out()).startsWith("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n")
                    .contains("\n" + " ".repeat(16) + "(connect to mx.dest.example[192.0.2.1]:25: Connection refused)\n"
                            + " ".repeat(41) + "u1@dest.example\n")
                    .contains("                                  (host mx.other.example said: 451 try later)\n")
                    .endsWith(" Kbytes in 3 Requests.\n");

            TestInstance.Result shape = t.command("qshape", "deferred");
            assertThat(shape.status()).isZero();
            assertThat(shape.out()).isEqualTo(
                    "                                         T  5 10 20 40 80 160 320 640 1280 1280+\n"
                  + "                                  TOTAL  3  0  1  0  1  1   0   0   0    0     0\n"
                  + "                           dest.example  2  0  1  0  1  0   0   0   0    0     0\n"
                  + "                          other.example  1  0  0  0  0  1   0   0   0    0     0\n");

            TestInstance.Result hold = t.command("postsuper", "-h", b);
            assertThat(hold.err()).isEqualTo("postsuper: " + b + ": placed on hold\npostsuper: Placed on hold: 1 message\n");
            assertThat(t.command("mailq").out()).contains("\n" + b + "!  ");
            assertThat(t.command("postsuper", "-H", "ALL").err()).isEqualTo("postsuper: Released from hold: 1 message\n");

            TestInstance.Result requeue = t.command("postsuper", "-r", "ALL");
            assertThat(requeue.status()).isZero();
            assertThat(requeue.err()).isEqualTo("postsuper: Requeued: 3 messages\n");
            for (String id : List.of(a, b, c)) {
                assertThat(t.awaitLog(l -> l.contains("postfix/pickup[") && l.endsWith(" orig_id=" + id), 20_000))
                        .as("requeue of " + id + "\n" + t.log()).isNotNull();
            }
            assertThat(q.list(Queue.Dir.DEFERRED)).isEmpty();
            awaitEmpty(q, Queue.Dir.MAILDROP);
            assertThat(t.command("postqueue", "-j").out().split("\"queue_name\": \"incoming\"", -1)).hasSize(4);
            TestInstance.Result shapeNow = t.command("qshape");
            assertThat(shapeNow.out()).contains("TOTAL  3  0  1  0  1  1");
            assertThat(t.log()).contains("postfix/postsuper[").contains("]: Requeued: 3 messages");
        }
    }

    @Test
    void postsuperLeavesTheActiveQueueToTheRunningDaemon() throws Exception {
        try (TestInstance t = still(tmp.resolve("i"))) {
            t.start();
            Queue q = queue(t);
            String id = deferred(q, "busy@example.org", "u@dest.example", "in progress", 0);
            assertThat(q.move(id, Queue.Dir.DEFERRED, Queue.Dir.ACTIVE)).isTrue();
            long start = System.currentTimeMillis();
            CompletableFuture<TestInstance.Result> del = CompletableFuture.supplyAsync(() -> t.command("postsuper", "-d", id));
            Thread.sleep(2000);
            assertThat(del).isNotDone();
            assertThat(Files.exists(q.path(Queue.Dir.ACTIVE, id))).isTrue(); // untouched while "being delivered"
            Files.move(q.path(Queue.Dir.ACTIVE, id), q.path(Queue.Dir.DEFERRED, id), StandardCopyOption.ATOMIC_MOVE);
            TestInstance.Result r = del.get();
            assertThat(r.err()).isEqualTo("postsuper: " + id + ": removed\npostsuper: Deleted: 1 message\n");
            assertThat(System.currentTimeMillis() - start).isGreaterThanOrEqualTo(2000);
            assertThat(q.find(id)).isNull();
        }
    }

    @Test
    void flushNeedsTheDaemon() throws IOException {
        try (TestInstance t = still(tmp.resolve("i"))) {
            TestInstance.Result down = t.command("postqueue", "-f");
            assertThat(down.status()).isEqualTo(69);
            assertThat(down.err()).isEqualTo("postqueue: fatal: Cannot flush mail queue - mail system is down\n");
            TestInstance.Result id = t.command("postqueue", "-i", "bad/id");
            assertThat(id.err()).isEqualTo("postqueue: fatal: Cannot flush queue ID - invalid name: \"bad/id\"\n");
            TestInstance.Result usage = t.command("postqueue");
            assertThat(usage.status()).isEqualTo(69);
            assertThat(usage.err()).isEqualTo("postqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -j "
                    + "| postqueue -p | postqueue -s site\n");
            t.start();
            TestInstance.Result up = t.command("postqueue", "-f");
            assertThat(up.err()).doesNotContain("mail system is down");
            assertThat(up.status() == 0 || up.err().startsWith("postqueue: fatal: ")).as(up.toString()).isTrue();
            TestInstance.Result empty = t.command("postqueue", "-p");
            assertThat(empty.out()).isEqualTo("Mail queue is empty\n");
            assertThat(empty.err()).isEmpty();
        }
    }

    @Test
    void theToolsSeeTheQueueManagersDeferralsAndAskItToFlush() throws Exception {
        int dead = TestInstance.freePort();
        try (TestInstance t = TestInstance.create(tmp.resolve("q"), "relayhost = [127.0.0.1]:" + dead)) {
            t.start();
            assertThat(sendmail(t, "Subject: later\n\nbody\n", "-f", "s@example.org", "r@remote.example").status()).isZero();
            String id = pickedUp(t, "s@example.org");
            assertThat(t.awaitLog(l -> l.contains(id + ": to=<r@remote.example>") && l.contains("status=deferred"), 30_000))
                    .as(t.log()).isNotNull();
            awaitIn(queue(t), Queue.Dir.DEFERRED, id);
            String reason = "connect to 127.0.0.1[127.0.0.1]:" + dead + ": Connection refused";

            TestInstance.Result mailq = t.command("mailq");
            assertThat(mailq.out()).contains(id + "  ").contains(" s@example.org\n")
                    .contains(" ".repeat(Math.max(0, 76 - reason.length())) + "(" + reason + ")\n" + " ".repeat(41) + "r@remote.example\n")
                    .endsWith(" Kbytes in 1 Request.\n");
            assertThat(t.command("postqueue", "-j").out()).contains("\"queue_name\": \"deferred\", \"queue_id\": \"" + id + "\"")
                    .contains("{\"address\": \"r@remote.example\", \"delay_reason\": \"" + reason + "\"}");
            assertThat(t.command("qshape", "deferred").out()).contains("\n                         remote.example  1  1  0");

            long attempts = t.log().lines().filter(l -> l.contains(id + ": to=<r@remote.example>")).count();
            TestInstance.Result flush = t.command("postqueue", "-f");
            assertThat(flush.status()).as(flush.toString()).isZero();
            assertThat(t.awaitLog(l -> t.log().lines().filter(x -> x.contains(id + ": to=<r@remote.example>")).count() > attempts,
                    30_000)).as("a new attempt after postqueue -f\n" + t.log()).isNotNull();
            assertThat(t.command("postqueue", "-s", "remote.example").status()).isZero();
            assertThat(t.command("postqueue", "-i", id).status()).isZero();
            assertThat(t.command("postqueue", "-i", "ABCDEF12345").status()).isZero();

            awaitIn(queue(t), Queue.Dir.DEFERRED, id);
            assertThat(t.command("postsuper", "-r", id).err()).isEqualTo("postsuper: " + id + ": requeued\npostsuper: Requeued: 1 message\n");
            assertThat(t.awaitLog(l -> l.contains("postfix/pickup[") && l.endsWith(" orig_id=" + id), 20_000)).isNotNull();
            TestInstance.Result del = t.command("postsuper", "-d", "ALL");
            assertThat(del.status()).isZero();
            assertThat(del.err()).startsWith("postsuper: Deleted: ");
            long deadline = System.currentTimeMillis() + 30_000;
            String out = t.command("mailq").out();
            while (!out.equals("Mail queue is empty\n") && System.currentTimeMillis() < deadline) {
                t.command("postsuper", "-d", "ALL"); // one may have been in maildrop or incoming a moment ago
                out = t.command("mailq").out();
            }
            assertThat(out).isEqualTo("Mail queue is empty\n");
        }
    }

    /** awaitIn - wait (bounded) until message id is in directory d. */
    static void awaitIn(Queue q, Queue.Dir d, String id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!java.nio.file.Files.exists(q.path(d, id)) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(q.find(id)).isEqualTo(d);
    }
}
