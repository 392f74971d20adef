package tern.qmgr;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import tern.bounce.Bounce;
import tern.cleanup.Cleanup;
import tern.cleanup.CleanupStream;
import tern.cleanup.MailParams;
import tern.cleanup.Origin;
import tern.config.Config;
import tern.delivery.DeliveryAgent;
import tern.delivery.DeliveryRequest;
import tern.delivery.RecipientResult;
import tern.delivery.ResultSink;
import tern.delivery.error.DiscardAgent;
import tern.delivery.error.ErrorAgent;
import tern.log.MailLog;
import tern.queue.ContentStream;
import tern.queue.DirSync;
import tern.queue.Queue;
import tern.queue.QueueFile;
import tern.queue.QueueId;
import tern.queue.Recipient;
import tern.rewrite.AddressClass;
import tern.rewrite.Resolution;
import tern.rewrite.Resolver;

/**
 * Harness - a queue manager on a real queue in a temporary directory, fed by the real cleanup, with
 * the error/retry/discard agents and two test agents:
 * <ul>
 * <li>"test" (domain test.test): the local part decides: ok* is delivered, defer* deferred,
 *     fail* bounced, once* deferred the first time and delivered after, slow* waits for
 *     {@link #release} (or 10 s) before it is delivered.</li>
 * <li>"capture" (domain example.org, and the local domain mx.example.test): keeps every message it
 *     gets, so that notices can be read back.</li>
 * </ul>
 * The log goes to a buffer that the tests read.
 */
final class Harness implements AutoCloseable {
    final Path dir;
    final Queue queue;
    final Config config;
    final QueueId ids = new QueueId();
    final DirSync sync;
    final ByteArrayOutputStream logBuffer = new ByteArrayOutputStream();
    final MailLog mailLog;
    final QueueManager qmgr;
    final Cleanup cleanup;
    final List<String> captured = new CopyOnWriteArrayList<>();
    final List<DeliveryRequest> testRequests = new CopyOnWriteArrayList<>();
    /** What the test agent read through each request's shared channel at offset 0 ("none": no channel). */
    final List<String> sharedChannelHeads = new CopyOnWriteArrayList<>();
    final Map<String, Integer> attempts = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.CountDownLatch slowGate = new java.util.concurrent.CountDownLatch(1);
    volatile Resolver resolver = Harness::resolve;

    Harness(Path dir, String... mainCf) throws Exception {
        this(dir, Map.of(), mainCf);
    }

    Harness(Path dir, Map<String, Transport.Limits> limits, String... mainCf) throws Exception {
        this.dir = dir;
        List<String> lines = new ArrayList<>(List.of(
                "myhostname = mx.example.test",
                "mydomain = example.test",
                "myorigin = $myhostname",
                "minimal_backoff_time = 1s",
                "maximal_backoff_time = 4s",
                "queue_run_delay = 1s"));
        lines.addAll(List.of(mainCf));
        Files.write(dir.resolve("main.cf"), lines);
        config = Config.load(dir);
        queue = new Queue(dir.resolve("spool"));
        queue.create();
        sync = new DirSync(queue.dir(Queue.Dir.INCOMING));
        mailLog = MailLog.toStream("mx.example.test", new PrintStream(logBuffer, true, StandardCharsets.UTF_8));
        qmgr = new QueueManager(queue, new QueueManager.Loggers(mailLog.logger("postfix", "qmgr"),
                mailLog.logger("postfix", "error")));
        cleanup = new Cleanup(config, queue, ids, null, sync, mailLog.logger("postfix", "cleanup"),
                Cleanup.canonicalOnly(a -> a.indexOf('@') < 0 ? a + "@mx.example.test" : a), o -> true, qmgr::queued);
        Map<String, Transport> t = new HashMap<>();
        t.put("error", transport("error", ErrorAgent.error(), "error", limits));
        t.put("retry", transport("retry", ErrorAgent.retry(), "error", limits));
        t.put("discard", transport("discard", new DiscardAgent(), "discard", limits));
        t.put("test", transport("test", this::testAgent, "test", limits));
        t.put("capture", transport("capture", this::captureAgent, "capture", limits));
        qmgr.update(new Routing(QmgrSettings.of(config), r -> resolver.resolve(r), t,
                Bounce.of(config, cleanup, mailLog.logger("postfix", "bounce"))));
    }

    private Transport transport(String name, DeliveryAgent agent, String program, Map<String, Transport.Limits> limits) {
        Transport.Limits l = limits.getOrDefault(name, Transport.Limits.of(name, "-", config));
        return new Transport(name, agent, mailLog.logger("postfix", program), l);
    }

    /** resolve - the test routing: by domain. */
    static Resolution resolve(String rcpt) {
        int at = rcpt.lastIndexOf('@');
        String domain = at < 0 ? "mx.example.test" : rcpt.substring(at + 1).toLowerCase();
        return switch (domain) {
            case "err.test" -> new Resolution("error", "5.1.2 no such domain here", rcpt, AddressClass.DEFAULT);
            case "retry.test" -> new Resolution("retry", "4.3.2 try later please", rcpt, AddressClass.DEFAULT);
            case "disc.test" -> new Resolution("discard", "silently dropped", rcpt, AddressClass.DEFAULT);
            case "test.test" -> new Resolution("test", "test.test", rcpt, AddressClass.DEFAULT);
            case "nosuch.test" -> new Resolution("nosuch", "nosuch.test", rcpt, AddressClass.DEFAULT);
            case "mx.example.test" -> new Resolution("capture", "mx.example.test", rcpt, AddressClass.LOCAL);
            default -> new Resolution("capture", domain, rcpt, AddressClass.DEFAULT);
        };
    }

    private void testAgent(DeliveryRequest req, ResultSink sink) {
        testRequests.add(req);
        String head = "none";
        if (req.content() != null) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2);
            try {
                req.content().read(b, 0);
                head = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                head = "unreadable: " + e;
            }
        }
        sharedChannelHeads.add(head);
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            for (Recipient r : req.recipients()) {
                String local = r.address().substring(0, r.address().indexOf('@'));
                int n = attempts.merge(r.address(), 1, Integer::sum);
                if (local.startsWith("slow")) {
                    try {
                        slowGate.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (local.startsWith("ok") || local.startsWith("slow") || (local.startsWith("once") && n > 1)) {
                    sink.result(RecipientResult.sent(r, "2.0.0", "test.test[192.0.2.1]:25", "250 2.0.0 Ok: queued as X"));
                } else if (local.startsWith("fail")) {
                    sink.result(RecipientResult.bounced(r, "5.1.1", "test.test[192.0.2.1]:25",
                            "host test.test[192.0.2.1] said: 550 5.1.1 <" + r.address()
                                    + ">: Recipient address rejected: User unknown (in reply to RCPT TO command)"));
                } else if (local.startsWith("silent")) {
                    // reports nothing: the queue manager must defer it
                } else {
                    sink.result(RecipientResult.deferred(r, "4.4.1", "none", "connect to test.test[192.0.2.1]:25: Connection refused"));
                }
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void captureAgent(DeliveryRequest req, ResultSink sink) {
        String text;
        try (FileChannel ch = FileChannel.open(req.queueFile()); InputStream in = ContentStream.of(ch, req.envelope())) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            for (Recipient r : req.recipients()) {
                sink.result(RecipientResult.deferred(r, "4.3.0", "none", e.getMessage()));
            }
            return;
        }
        for (Recipient r : req.recipients()) {
            captured.add("X-Envelope-From: <" + req.envelope().sender() + ">\nX-Envelope-To: <" + r.address() + ">\n" + text);
            sink.result(RecipientResult.sent(r, "2.0.0", "capture", "delivered via capture service"));
        }
    }

    void release() {
        slowGate.countDown();
    }

    /** submit - a message through cleanup; notify applies to every recipient. Returns the queue id. */
    String submit(String sender, int notify, MailParams params, String... rcpts) throws IOException {
        try (CleanupStream m = cleanup.begin(Origin.local("pickup", 0))) {
            m.sender(sender, params);
            for (String r : rcpts) {
                m.recipient(r, null, notify);
            }
            for (String line : List.of("Subject: test message", "From: " + sender, "", "hello", "world")) {
                byte[] b = line.getBytes(StandardCharsets.UTF_8);
                m.contentLine(b, 0, b.length);
            }
            return m.commit();
        }
    }

    String submit(String sender, String... rcpts) throws IOException {
        return submit(sender, 0, MailParams.NONE, rcpts);
    }

    /**
     * submitDeferred - submit, wait for the first recipient's attempt and for the queue manager to
     * settle, and check that the message went to the deferred queue; returns its id.
     */
    String submitDeferred(String sender, String... rcpts) throws Exception {
        String id = submit(sender, rcpts);
        awaitLog(id + ": to=<" + rcpts[0] + ">", 5000);
        awaitIdle(5000);
        org.assertj.core.api.Assertions.assertThat(queue.find(id)).isEqualTo(Queue.Dir.DEFERRED);
        return id;
    }

    String log() {
        return logBuffer.toString(StandardCharsets.UTF_8);
    }

    List<String> logLines(Predicate<String> p) {
        List<String> out = new ArrayList<>();
        for (String l : log().split("\n")) {
            if (p.test(l)) {
                out.add(l);
            }
        }
        return out;
    }

    /** awaitLog - wait up to timeoutMillis for a log line containing text; fail with the log when none. */
    String awaitLog(String text, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            for (String l : log().split("\n")) {
                if (l.contains(text)) {
                    return l;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no log line with \"" + text + "\" within " + timeoutMillis + " ms; log:\n" + log());
            }
            Thread.sleep(20);
        }
    }

    /** awaitCount - wait until at least n log lines contain text. */
    void awaitCount(String text, int n, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (logLines(l -> l.contains(text)).size() < n) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("fewer than " + n + " log lines with \"" + text + "\"; log:\n" + log());
            }
            Thread.sleep(20);
        }
    }

    /** awaitIdle - wait until the active queue is empty and incoming too. */
    void awaitIdle(long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (qmgr.activeCount() > 0 || !queue.list(Queue.Dir.INCOMING).isEmpty()
                || !queue.list(Queue.Dir.ACTIVE).isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("queue not idle; log:\n" + log());
            }
            Thread.sleep(20);
        }
    }

    QueueFile read(Queue.Dir d, String id) throws IOException {
        return QueueFile.read(queue.path(d, id));
    }

    /** capturedFor - the captured messages to one envelope recipient. */
    List<String> capturedFor(String rcpt) {
        List<String> out = new ArrayList<>();
        for (String m : captured) {
            if (m.contains("X-Envelope-To: <" + rcpt + ">\n")) {
                out.add(m);
            }
        }
        return out;
    }

    /** removedOnce - no queue id was logged as removed more than once. */
    void assertRemovedOnce() {
        java.util.Map<String, Integer> n = new java.util.HashMap<>();
        for (String l : logLines(l -> l.endsWith(": removed"))) {
            String id = l.substring(0, l.length() - ": removed".length());
            id = id.substring(id.lastIndexOf(' ') + 1);
            n.merge(id, 1, Integer::sum);
        }
        n.forEach((id, c) -> {
            if (c > 1) {
                throw new AssertionError(id + " removed " + c + " times; log:\n" + log());
            }
        });
    }

    @Override
    public void close() throws IOException {
        assertRemovedOnce();
        qmgr.close(2000);
        sync.close();
        mailLog.close();
    }
}
