package tern.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.delivery.Fixture;
import tern.delivery.PostfixInstance;
import tern.delivery.TestSmtpServer;
import tern.queue.Queue;

/**
 * Issue 5, third "Done when", with the real queue manager running: mail for a next hop that is
 * down (smtp-sink not started yet) is deferred; mailq, postqueue -j and qshape deferred list it;
 * postsuper -h keeps a message out of a flush, -H lets it back, -d deletes one; once the sink is
 * up, postsuper -r ALL and postqueue -f deliver what is left, each message exactly once.
 *
 * Real Postfix goes through the same steps beside Tern, each on its own dead port, and every tool's
 * output is compared with Postfix's: exactly for qshape and postsuper (queue ids replaced), and for
 * mailq and postqueue -j with the queue ids, sizes and times masked character for character, so
 * that the layout (column widths, the "!" of a held message, the JSON keys in order) must be the
 * same. Skipped without root, real Postfix, swaks or smtp-sink.
 */
class DeferredQueueIT {
    private static final Path SWAKS = Path.of("/usr/bin/swaks");
    private static final long WAIT = 30_000;
    private static final List<String> RCPTS = List.of("ann@remote.test", "bob@remote.test", "cy@other.test");

    @TempDir
    Path tmp;

    /** Side - one of the two systems: how to run its tools and read its log. */
    private interface Side {
        TestInstance.Result tool(String name, String... args);

        String log() throws IOException;

        int port();
    }

    static String send(int port, String rcpt) {
        TestInstance.Result r = TestInstance.run(List.of(SWAKS.toString(), "--server", "127.0.0.1:" + port, "--helo",
                "client.test", "--from", "s@client.test", "--to", rcpt, "--header", "Subject: for " + rcpt, "--body",
                "deferred for a while\n", "--timeout", "15"), null);
        assertThat(r.status()).as(r.toString()).isZero();
        Matcher m = Pattern.compile("<- {2}250 2\\.0\\.0 Ok: queued as ([0-9A-Za-z]+)").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        return m.group(1);
    }

    /** awaitLog - wait (bounded) until the log has more than n lines matching regex; returns the last one. */
    static String awaitLog(Side s, String regex, long more) throws Exception {
        Pattern p = Pattern.compile(regex);
        long deadline = System.currentTimeMillis() + WAIT;
        while (true) {
            List<String> hits = s.log().lines().filter(l -> p.matcher(l).find()).toList();
            if (hits.size() > more) {
                return hits.get(hits.size() - 1);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no (new) line matching " + regex + " in\n" + s.log());
            }
            Thread.sleep(50);
        }
    }

    static long count(Side s, String regex) throws IOException {
        Pattern p = Pattern.compile(regex);
        return s.log().lines().filter(l -> p.matcher(l).find()).count();
    }

    /** awaitJson - wait (bounded) until postqueue -j shows exactly these queue ids in the deferred queue. */
    static String awaitDeferred(Side s, List<String> ids) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT;
        while (true) {
            String j = s.tool("postqueue", "-j").out();
            long lines = j.lines().count();
            long deferred = ids.stream().filter(id -> j.contains("\"queue_name\": \"deferred\", \"queue_id\": \"" + id + "\"")
                    || j.contains("\"queue_name\": \"hold\", \"queue_id\": \"" + id + "\"")).count();
            if (lines == ids.size() && deferred == ids.size()) {
                return j;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not all deferred: " + ids + "\n" + j + "\n" + s.log());
            }
            Thread.sleep(100);
        }
    }

    /** mask - queue ids (given) as X, then every digit as 9, the dead ports as PORT: the layout stays. */
    static String mask(String text, List<String> ids, int port) {
        String t = port > 0 ? text.replace(Integer.toString(port), "PORT") : text;
        for (String id : ids) {
            t = t.replace(id, "X".repeat(id.length()));
        }
        t = t.replaceAll("(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d",
                "Www Mmm dd hh:mm:ss");
        return t.replaceAll("\\d", "9");
    }

    /** entries - mailq output cut into its entries (blank-line separated), sorted, so that queue order does not matter. */
    static List<String> entries(String mailq) {
        int nl = mailq.indexOf('\n');
        List<String> out = new ArrayList<>(List.of(mailq.substring(nl + 1).split("\n\n")));
        out.add(mailq.substring(0, nl + 1));
        out.sort(null);
        return out;
    }

    static List<String> sortedLines(String s) {
        List<String> out = new ArrayList<>(s.lines().toList());
        out.sort(null);
        return out;
    }

    static List<Path> files(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    static Process sink(Path dumps, int port) throws IOException {
        Files.createDirectories(dumps);
        Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
        return new ProcessBuilder("/usr/sbin/smtp-sink", "-u", "postfix", "-d", dumps + "/%M.", "127.0.0.1:" + port, "20")
                .redirectErrorStream(true).redirectOutput(dumps.resolveSibling(dumps.getFileName() + ".out").toFile()).start();
    }

    static void stop(Process p) throws InterruptedException {
        if (p != null) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void deferredMailThroughTheQueueToolsSideBySideWithPostfix() throws Exception {
        assumeTrue(PostfixInstance.available(), "needs real Postfix and root");
        assumeTrue(Files.isExecutable(SWAKS), "needs swaks");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/smtp-sink")), "needs smtp-sink");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        int deadT = TestInstance.freePort();
        int deadP = TestInstance.freePort();
        List<String> slow = List.of("minimal_backoff_time = 1h", "maximal_backoff_time = 2h", "queue_run_delay = 1h");
        List<String> tSettings = new ArrayList<>(slow);
        tSettings.add("relayhost = [127.0.0.1]:" + deadT);
        Process sinkT = null;
        Process sinkP = null;
        List<String> pSettings = new ArrayList<>(slow);
        pSettings.add("relayhost = [127.0.0.1]:" + deadP);
        try (TestInstance t = TestInstance.create(tmp.resolve("t"), tSettings.toArray(String[]::new)).start();
             PostfixInstance p = PostfixInstance.start(tmp.resolve("p"), pSettings)) {
            Side tern = new Side() {
                public TestInstance.Result tool(String name, String... args) {
                    return t.command(name, args);
                }

                public String log() {
                    return t.log();
                }

                public int port() {
                    return deadT;
                }
            };
            Side postfix = new Side() {
                public TestInstance.Result tool(String name, String... args) {
                    List<String> cmd = new ArrayList<>(List.of("/usr/sbin/" + name, "-c", p.etc().toString()));
                    cmd.addAll(List.of(args));
                    return TestInstance.run(cmd, null);
                }

                public String log() throws IOException {
                    return p.maillog();
                }

                public int port() {
                    return deadP;
                }
            };
            Map<String, String> idT = new LinkedHashMap<>();
            Map<String, String> idP = new LinkedHashMap<>();
            for (String r : RCPTS) {
                idT.put(r, send(t.smtpPort(), r));
                idP.put(r, send(p.port(), r));
            }
            List<String> allIds = new ArrayList<>(idT.values());
            allIds.addAll(idP.values());
            for (Side s : List.of(tern, postfix)) {
                Map<String, String> ids = s == tern ? idT : idP;
                for (String r : RCPTS) {
                    String line = awaitLog(s, ids.get(r) + ": to=<" + r + ">, relay=none, .*status=deferred", 0);
                    assertThat(line).endsWith("dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:" + s.port()
                            + ": Connection refused)");
                }
                awaitDeferred(s, List.copyOf(ids.values()));
            }

            // the listings, Tern's next to Postfix's
            TestInstance.Result mailq = tern.tool("mailq");
            assertThat(mailq.status()).isZero();
            assertThat(mailq.err()).isEmpty();
            String pq = postfix.tool("postqueue", "-p").out();
            assertThat(entries(mask(mailq.out(), allIds, deadT))).isEqualTo(entries(mask(pq, allIds, deadP)));
            assertThat(mailq.out()).startsWith("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n")
                    .contains("(connect to 127.0.0.1[127.0.0.1]:" + deadT + ": Connection refused)")
                    .endsWith(" Kbytes in 3 Requests.\n");
            TestInstance.Result json = tern.tool("postqueue", "-j");
            assertThat(json.err()).isEmpty();
            assertThat(sortedLines(mask(json.out(), allIds, deadT)))
                    .isEqualTo(sortedLines(mask(postfix.tool("postqueue", "-j").out(), allIds, deadP)));
            for (String r : RCPTS) {
                assertThat(json.out()).contains("\"queue_id\": \"" + idT.get(r) + "\"",
                        "{\"address\": \"" + r + "\", \"delay_reason\": \"connect to 127.0.0.1[127.0.0.1]:" + deadT
                                + ": Connection refused\"}");
            }
            TestInstance.Result shape = tern.tool("qshape", "deferred");
            assertThat(shape.out()).isEqualTo(postfix.tool("qshape", "deferred").out()).contains(
                    "                                  TOTAL  3  3  0  0  0  0   0   0   0    0     0\n"
                            + "                            remote.test  2  2  0  0  0  0   0   0   0    0     0\n"
                            + "                             other.test  1  1  0  0  0  0   0   0   0    0     0\n");

            // hold cy: listed with "!", left out of a flush
            TestInstance.Result hold = tern.tool("postsuper", "-h", idT.get("cy@other.test"));
            TestInstance.Result holdP = postfix.tool("postsuper", "-h", idP.get("cy@other.test"));
            assertThat(hold.status()).isEqualTo(holdP.status()).isZero();
            assertThat(mask(hold.err(), allIds, 0)).isEqualTo(mask(holdP.err(), allIds, 0))
                    .isEqualTo("postsuper: XXXXXXXXXXX: placed on hold\npostsuper: Placed on hold: 9 message\n");
            String heldT = tern.tool("mailq").out();
            assertThat(heldT).contains("\n" + idT.get("cy@other.test") + "!");
            assertThat(entries(mask(heldT, allIds, deadT))).isEqualTo(entries(mask(postfix.tool("postqueue", "-p").out(), allIds, deadP)));
            assertThat(tern.tool("postqueue", "-j").out()).contains("\"queue_name\": \"hold\", \"queue_id\": \""
                    + idT.get("cy@other.test") + "\"");
            String annTries = idT.get("ann@remote.test") + ": to=<ann@remote.test>, .*status=deferred";
            String cyTries = idT.get("cy@other.test") + ": to=<cy@other.test>, ";
            long annBefore = count(tern, annTries);
            long cyBefore = count(tern, cyTries);
            TestInstance.Result flush = tern.tool("postqueue", "-f");
            assertThat(flush.status()).as(flush.toString()).isZero();
            assertThat(flush.out() + flush.err()).isEmpty();
            awaitLog(tern, annTries, annBefore);
            awaitDeferred(tern, List.copyOf(idT.values()));
            assertThat(count(tern, cyTries)).as("a held message is not delivered").isEqualTo(cyBefore);

            TestInstance.Result release = tern.tool("postsuper", "-H", idT.get("cy@other.test"));
            TestInstance.Result releaseP = postfix.tool("postsuper", "-H", idP.get("cy@other.test"));
            assertThat(mask(release.err(), allIds, 0)).isEqualTo(mask(releaseP.err(), allIds, 0))
                    .isEqualTo("postsuper: XXXXXXXXXXX: released from hold\npostsuper: Released from hold: 9 message\n");
            assertThat(new Queue(t.dir().resolve("spool")).find(idT.get("cy@other.test"))).isEqualTo(Queue.Dir.DEFERRED);

            // delete bob, twice: the second finds nothing
            for (int i = 0; i < 2; i++) {
                TestInstance.Result del = tern.tool("postsuper", "-d", idT.get("bob@remote.test"));
                TestInstance.Result delP = postfix.tool("postsuper", "-d", idP.get("bob@remote.test"));
                assertThat(del.status()).isEqualTo(delP.status()).isZero();
                assertThat(mask(del.err(), allIds, 0)).isEqualTo(mask(delP.err(), allIds, 0));
            }
            assertThat(tern.log()).contains("postfix/postsuper[").contains(idT.get("bob@remote.test") + ": removed");
            assertThat(new Queue(t.dir().resolve("spool")).find(idT.get("bob@remote.test"))).isNull();

            // the next hop is back: requeue everything, flush, and each message arrives once
            sinkT = sink(tmp.resolve("sinkT"), deadT);
            sinkP = sink(tmp.resolve("sinkP"), deadP);
            Fixture.awaitListening("127.0.0.1", deadT);
            Fixture.awaitListening("127.0.0.1", deadP);
            TestInstance.Result requeue = tern.tool("postsuper", "-r", "ALL");
            TestInstance.Result requeueP = postfix.tool("postsuper", "-r", "ALL");
            assertThat(requeue.status()).isEqualTo(requeueP.status()).isZero();
            assertThat(requeue.err()).isEqualTo(requeueP.err()).isEqualTo("postsuper: Requeued: 2 messages\n");
            TestInstance.Result flush2 = tern.tool("postqueue", "-f");
            assertThat(flush2.status()).as(flush2.toString()).isZero();
            postfix.tool("postqueue", "-f");
            for (Side s : List.of(tern, postfix)) {
                for (String r : List.of("ann@remote.test", "cy@other.test")) {
                    awaitLog(s, ": to=<" + r + ">, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + s.port()
                            + ", .*dsn=2\\.0\\.0, status=sent \\(250 2\\.0\\.0 Ok\\)$", 0);
                }
                long deadline = System.currentTimeMillis() + WAIT;
                String q = s.tool("postqueue", "-p").out();
                while (!q.equals("Mail queue is empty\n") && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                    q = s.tool("postqueue", "-p").out();
                }
                assertThat(q).isEqualTo("Mail queue is empty\n");
            }
            for (String orig : List.of(idT.get("ann@remote.test"), idT.get("cy@other.test"))) {
                assertThat(tern.log()).containsPattern("postfix/pickup\\[\\d+\\]: [0-9A-F]+: uid=0 from=<s@client\\.test> orig_id=" + orig);
            }
            List<String> got = new ArrayList<>();
            for (Path d : files(tmp.resolve("sinkT"))) {
                String dump = Files.readString(d);
                Matcher m = Pattern.compile("X-Rcpt-Args: <([^>]+)>").matcher(dump);
                while (m.find()) {
                    got.add(m.group(1));
                }
                assertThat(dump).contains("\ndeferred for a while\n");
            }
            assertThat(got).containsExactlyInAnyOrder("ann@remote.test", "cy@other.test");
            assertThat(files(tmp.resolve("sinkP"))).hasSize(2);
        } finally {
            stop(sinkT);
            stop(sinkP);
        }
    }

    /**
     * holdWhileBeingDelivered - postsuper -h on a message the queue manager is delivering (one
     * recipient done, one waiting on a server that does not answer the end of data): postsuper waits
     * for the attempt to end, then holds the message; the done recipient is not offered again after
     * -H and a flush, the other one arrives once.
     */
    @Test
    void holdDuringADeliveryWaitsForItAndNothingIsSentTwice() throws Exception {
        try (TestSmtpServer fast = TestSmtpServer.tcp(); TestSmtpServer slow = TestSmtpServer.tcp()) {
            slow.replies.put("DOT", "!stall");
            Path dir = tmp.resolve("h");
            Files.createDirectories(dir);
            Files.write(dir.resolve("transport"), List.of("fast.test smtp:[127.0.0.1]:" + fast.port(),
                    "slow.test smtp:[127.0.0.1]:" + slow.port()));
            try (TestInstance t = TestInstance.create(dir, "transport_maps = texthash:" + dir.resolve("transport"),
                    "smtp_data_done_timeout = 4s", "minimal_backoff_time = 1h", "maximal_backoff_time = 2h",
                    "queue_run_delay = 1h").start()) {
                String id = send(t.smtpPort(), "a@fast.test,b@slow.test");
                Side tern = new Side() {
                    public TestInstance.Result tool(String name, String... args) {
                        return t.command(name, args);
                    }

                    public String log() {
                        return t.log();
                    }

                    public int port() {
                        return 0;
                    }
                };
                awaitLog(tern, id + ": to=<a@fast\\.test>, .*status=sent", 0);
                Queue q = new Queue(dir.resolve("spool"));
                assertThat(q.find(id)).isEqualTo(Queue.Dir.ACTIVE); // b is still in the slow server's hands
                long start = System.currentTimeMillis();
                TestInstance.Result hold = t.command("postsuper", "-h", id);
                assertThat(hold.err()).isEqualTo("postsuper: " + id + ": placed on hold\npostsuper: Placed on hold: 1 message\n");
                assertThat(t.log()).containsPattern(id + ": to=<b@slow\\.test>, .*status=deferred \\(conversation with "
                        + "127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\] timed out while sending end of data -- message may be sent more "
                        + "than once\\)");
                assertThat(System.currentTimeMillis() - start).as("postsuper waited for the attempt").isGreaterThan(500);
                assertThat(q.find(id)).isEqualTo(Queue.Dir.HOLD);
                assertThat(t.command("mailq").out()).contains(id + "!").contains("b@slow.test").doesNotContain("a@fast.test");

                slow.replies.clear();
                assertThat(t.command("postqueue", "-f").status()).isZero();
                Thread.sleep(1000);
                assertThat(count(tern, id + ": to=<b@slow\\.test>, .*status=sent")).as("held: not delivered").isZero();
                assertThat(t.command("postsuper", "-H", id).status()).isZero();
                assertThat(t.command("postqueue", "-f").status()).isZero();
                awaitLog(tern, id + ": to=<b@slow\\.test>, .*status=sent", 0);
                awaitLog(tern, id + ": removed", 0);
                assertThat(count(tern, id + ": to=<a@fast\\.test>, ")).isEqualTo(1);
                assertThat(fast.messages).hasSize(1);
                assertThat(slow.messages).hasSize(2); // the first one was never acknowledged (timed out after ".")
                long offeredA = fast.received.stream().filter(l -> l.startsWith("RCPT TO:<a@fast.test>")).count();
                assertThat(offeredA).isEqualTo(1);
            }
        }
    }
}
