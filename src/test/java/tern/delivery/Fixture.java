package tern.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import tern.config.Config;
import tern.config.ConfigException;
import tern.config.MainCf;
import tern.config.Service;
import tern.log.MailLog;
import tern.queue.DirSync;
import tern.queue.Envelope;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;

/**
 * Fixture - what delivery agent tests need: a queue with messages written by QueueFileWriter, a
 * configuration (main.cf text plus -o overrides), a log captured in memory, and a result sink.
 */
public final class Fixture implements AutoCloseable {
    public final Path dir;
    public final Queue queue;
    private final QueueId ids = new QueueId();
    private final DirSync sync;
    public final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final MailLog mailLog;

    public Fixture(Path dir) throws IOException {
        this.dir = dir;
        this.queue = new Queue(dir.resolve("spool"));
        queue.create();
        this.sync = new DirSync(queue.dir(Queue.Dir.ACTIVE));
        this.mailLog = MailLog.toStream("tern.test", new PrintStream(logBytes, true, StandardCharsets.UTF_8));
    }

    /** log - everything logged so far. */
    public String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /** config - main.cf with these lines, as a service's view with overrides. */
    public Config config(String mainCf, Map<String, String> overrides) throws IOException, ConfigException {
        Path etc = dir.resolve("etc");
        Files.createDirectories(etc);
        Path p = etc.resolve("main.cf");
        String text = "myhostname = tern.test\nqueue_directory = " + queue.root() + "\n" + mainCf;
        Files.writeString(p, text);
        return Config.of(etc, MainCf.parse(p, text)).withOverrides(overrides);
    }

    public DeliveryContext context(Config c, String name, String command, List<String> args) {
        Service s = new Service(name, "unix", "-", "-", "n", "-", "-", command, args, Map.of(), 1);
        return new DeliveryContext(c, s, mailLog.logger("postfix", command), null);
    }

    /** Message - a message to write: sender, recipients (address or address|original|orcpt|notify), attributes, content lines. */
    public record Message(String sender, List<String> recipients, Map<String, String> attributes, List<String> lines) {
    }

    /** write - a queue file in "active"; header lines up to the first empty line form the header section. */
    public Envelope write(Message m) throws IOException {
        QueueFileWriter w = QueueFileWriter.create(queue, Queue.Dir.ACTIVE, ids);
        try {
            w.arrival(System.currentTimeMillis());
            for (Map.Entry<String, String> a : m.attributes().entrySet()) {
                w.attribute(a.getKey(), a.getValue());
            }
            w.sender(m.sender());
            for (String r : m.recipients()) {
                String[] f = r.split("\\|", -1);
                w.recipient(f[0], f.length > 1 ? f[1] : "", f.length > 2 ? f[2] : "",
                        f.length > 3 ? Integer.parseInt(f[3]) : 0);
            }
            w.beginContent();
            boolean inHeaders = true;
            for (String l : m.lines()) {
                w.contentLine(l);
                if (inHeaders && l.isEmpty()) {
                    w.endHeaders();
                    inHeaders = false;
                }
            }
            return w.commit(sync);
        } finally {
            w.close();
        }
    }

    public Path path(Envelope e) {
        return queue.path(Queue.Dir.ACTIVE, e.id());
    }

    public DeliveryRequest request(Envelope e, String transport, String nexthop) {
        return new DeliveryRequest(path(e), e, e.recipients(), transport, nexthop, System.currentTimeMillis());
    }

    /** Results - a sink that keeps every result. */
    public static final class Results implements ResultSink {
        public final List<RecipientResult> all = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void result(RecipientResult r) {
            all.add(r);
        }

        public RecipientResult of(String address) {
            synchronized (all) {
                for (RecipientResult r : all) {
                    if (r.recipient().address().equals(address)) {
                        return r;
                    }
                }
            }
            return null;
        }
    }

    /** freePort - a TCP port free on 127.0.0.1 just now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** awaitListening - wait (at most 10 s) until something accepts on host:port. */
    public static void awaitListening(String host, int port) throws IOException, InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 500);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > end) {
                    throw new IOException("nothing listens on " + host + ":" + port, e);
                }
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void close() throws IOException {
        sync.close();
        mailLog.close();
    }
}
