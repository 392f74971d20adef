package tern.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import tern.cleanup.Cleanup;
import tern.cleanup.CleanupService;
import tern.config.Config;
import tern.config.MainCf;
import tern.log.MailLog;
import tern.queue.DirSync;
import tern.queue.Envelope;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;
import tern.queue.Recipient;

/**
 * DeliveryFixture - what the delivery agent tests share: a queue in a temporary directory, real
 * queue files written with {@link QueueFileWriter}, a configuration, a maillog captured in memory,
 * a real cleanup service (for forwarding), and test users.
 *
 * Users: when the tests run as root, {@link #user} creates a real user with useradd (name
 * "tlt" + digits, removed again by {@link #close}); otherwise it stands for the test process's
 * own uid and gid, the only identity a non-root daemon can deliver as. {@link #passwd} writes a
 * passwd(5) file with the users given, root and nobody.
 */
public final class DeliveryFixture implements AutoCloseable {
    /** TestUser - a user for deliveries; real when created by useradd. */
    public record TestUser(String name, int uid, int gid, Path home, boolean real) {
        public String passwdLine() {
            return name + ":x:" + uid + ":" + gid + ":Test User:" + home + ":/bin/sh";
        }
    }

    public final Path dir;
    public final Queue queue;
    public final QueueId ids = new QueueId();
    public final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    public final MailLog mailLog;
    public final List<Envelope> queued = new ArrayList<>();
    private final List<String> createdUsers = new ArrayList<>();
    private final int ownUid;
    private final int ownGid;

    private DeliveryFixture(Path dir) throws IOException {
        this.dir = dir;
        // let test users (created below) reach their homes and output directories
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        this.queue = new Queue(dir.resolve("spool"));
        queue.create();
        this.mailLog = MailLog.toStream("mx.example.test", new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        Path probe = Files.createTempFile(dir, "id", "");
        this.ownUid = (Integer) Files.getAttribute(probe, "unix:uid");
        this.ownGid = (Integer) Files.getAttribute(probe, "unix:gid");
        Files.delete(probe);
    }

    public static DeliveryFixture create(Path dir) throws IOException {
        return new DeliveryFixture(dir);
    }

    public boolean isRoot() {
        return ownUid == 0;
    }

    public int ownUid() {
        return ownUid;
    }

    public int ownGid() {
        return ownGid;
    }

    /** config - main.cf with the test's basic settings and the lines given. */
    public Config config(String... lines) throws Exception {
        StringBuilder b = new StringBuilder();
        b.append("myhostname = mx.example.test\n");
        b.append("mydomain = example.test\n");
        b.append("mydestination = $myhostname, localhost\n");
        b.append("queue_directory = ").append(dir.resolve("spool")).append('\n');
        b.append("alias_maps =\n");
        for (String l : lines) {
            b.append(l).append('\n');
        }
        return Config.of(dir, MainCf.parse(dir.resolve("main.cf"), b.toString()));
    }

    public DeliveryContext context(Config c, String program, CleanupService cleanup) {
        return new DeliveryContext(c, null, mailLog.logger("postfix", program), cleanup);
    }

    /** cleanup - a real cleanup service that writes into this queue's incoming directory. */
    public CleanupService cleanup(Config c) throws IOException {
        return new Cleanup(c, queue, ids, null, new DirSync(queue.dir(Queue.Dir.INCOMING)),
                mailLog.logger("postfix", "cleanup"),
                Cleanup.canonicalOnly(a -> a.contains("@") ? a : a + "@mx.example.test"), o -> false, queued::add);
    }

    public String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * message - a queue file in "active": sender, recipients as "address" or "address|original",
     * then content lines (headers, an empty line, body).
     */
    public Envelope message(String sender, List<String> recipients, String... lines) throws IOException {
        return message(sender, recipients, java.util.Map.of(), lines);
    }

    public Envelope message(String sender, List<String> recipients, java.util.Map<String, String> attributes,
                            String... lines) throws IOException {
        try (QueueFileWriter w = QueueFileWriter.create(queue, Queue.Dir.ACTIVE, ids)) {
            w.arrival(System.currentTimeMillis());
            w.attribute("client_name", "localhost");
            w.attribute("client_address", "127.0.0.1");
            w.attribute("helo_name", "client.example");
            w.attribute("protocol_name", "ESMTP");
            for (var a : attributes.entrySet()) {
                w.attribute(a.getKey(), a.getValue());
            }
            w.sender(sender);
            for (String r : recipients) {
                int bar = r.indexOf('|');
                w.recipient(bar < 0 ? r : r.substring(0, bar), bar < 0 ? r : r.substring(bar + 1), "", 0);
            }
            w.beginContent();
            boolean inHeaders = true;
            for (String l : lines) {
                w.contentLine(l);
                if (inHeaders && l.isEmpty()) {
                    w.endHeaders();
                    inHeaders = false;
                }
            }
            return w.commit(new DirSync(queue.dir(Queue.Dir.ACTIVE)));
        }
    }

    public DeliveryRequest request(Envelope e, String transport) {
        return new DeliveryRequest(queue.path(Queue.Dir.ACTIVE, e.id()), e, e.recipients(), transport, "mx.example.test",
                System.currentTimeMillis());
    }

    public DeliveryRequest request(Envelope e, String transport, List<Recipient> recipients) {
        return new DeliveryRequest(queue.path(Queue.Dir.ACTIVE, e.id()), e, recipients, transport, "mx.example.test",
                System.currentTimeMillis());
    }

    /** deliver - run the agent and collect what it reports. */
    public static List<RecipientResult> deliver(DeliveryAgent agent, DeliveryRequest r) {
        List<RecipientResult> out = new ArrayList<>();
        agent.deliver(r, out::add);
        return out;
    }

    /** user - a delivery user: real (useradd) when root, the test process's identity otherwise. */
    public TestUser user(String suffix) throws IOException, InterruptedException {
        Path home = dir.resolve("home").resolve(suffix);
        Files.createDirectories(home.getParent());
        Files.setPosixFilePermissions(home.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(home);
        if (!isRoot()) {
            return new TestUser(System.getProperty("user.name", "tern") , ownUid, ownGid, home, false);
        }
        String name = "tlt" + (ProcessHandle.current().pid() % 100000) + suffix;
        run("useradd", "-M", "-d", home.toString(), "-s", "/bin/sh", "-U", name);
        createdUsers.add(name);
        int uid = Integer.parseInt(run("id", "-u", name).strip());
        int gid = Integer.parseInt(run("id", "-g", name).strip());
        Files.setAttribute(home, "unix:uid", uid);
        Files.setAttribute(home, "unix:gid", gid);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        return new TestUser(name, uid, gid, home, true);
    }

    /** passwd - a passwd(5) file with root, nobody and the users given. */
    public Path passwd(TestUser... users) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("root:x:0:0:root:/root:/bin/bash");
        lines.add("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin");
        for (TestUser u : users) {
            lines.add(u.passwdLine());
        }
        Path p = dir.resolve("passwd");
        Files.write(p, lines, StandardCharsets.UTF_8);
        return p;
    }

    /** shared - a directory that every test user may write in (mode 1777). */
    public Path shared(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        return p;
    }

    static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        mailLog.close();
        for (String u : createdUsers) {
            try {
                run("userdel", u);
            } catch (IOException | InterruptedException e) {
                // best effort; the name says where it came from
            }
            try {
                run("groupdel", u);
            } catch (IOException | InterruptedException e) {
                // userdel usually removed it
            }
        }
    }
}
