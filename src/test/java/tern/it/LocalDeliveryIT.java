package tern.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.master.ControlClient;
import tern.queue.DirSync;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;

/**
 * The seed's walk-through, delivery side, in a real daemon: aliases built with bin/postalias
 * ("root: lucas", "lucas: lucas"), home_mailbox = Maildir/, an empty mailbox_command; mail for
 * root, for lucas, and for someemail (as cleanup leaves it after virtual_alias_maps: lucas with
 * someemail as the original recipient) lands in lucas's ~/Maildir/new, owned by lucas; an unknown
 * user bounces; a virtual mailbox domain gets its maildir with the uid of virtual_uid_maps.
 *
 * Needs root (a real user is made with useradd, and the daemon writes as that user); skipped
 * otherwise. The queue file goes straight into incoming, as the queue manager's tests do.
 */
class LocalDeliveryIT {
    @TempDir
    Path tmp;

    static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", argv) + ": " + out).isZero();
        return out;
    }

    static String inject(Path dir, String... rcpts) throws IOException {
        Queue q = new Queue(dir.resolve("spool"));
        String id;
        try (DirSync sync = new DirSync(q.dir(Queue.Dir.INCOMING));
             QueueFileWriter w = QueueFileWriter.create(q, Queue.Dir.INCOMING, new QueueId())) {
            w.arrival(System.currentTimeMillis());
            w.attribute("protocol_name", "ESMTP");
            w.sender(""); // the null sender: the bounce for nosuch makes no notice to send anywhere
            for (String r : rcpts) {
                int bar = r.indexOf('|');
                w.recipient(bar < 0 ? r : r.substring(0, bar), bar < 0 ? r : r.substring(bar + 1), "", 0);
            }
            w.beginContent();
            w.contentLine("Subject: seed");
            w.contentLine("");
            w.endHeaders();
            w.contentLine("From the seed");
            id = w.commit(sync).id();
        }
        assertThat(ControlClient.request(dir.resolve("data").resolve("master.sock"), "wakeup")).isEqualTo("ok");
        return id;
    }

    static List<Path> files(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    @Test
    void seedWalkThroughDeliversToTheUsersMaildir() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Path dir = tmp.resolve("i");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path homes = tmp.resolve("home");
        Files.createDirectories(homes);
        Files.setPosixFilePermissions(homes, PosixFilePermissions.fromString("rwxr-xr-x"));
        String lucas = "tlt" + (ProcessHandle.current().pid() % 100000) + "it";
        Path home = homes.resolve(lucas);
        run("useradd", "-m", "-d", home.toString(), "-s", "/bin/sh", "-U", lucas);
        try {
            int uid = Integer.parseInt(run("id", "-u", lucas).strip());
            Files.writeString(dir.resolve("aliases"), "root: " + lucas + "\n" + lucas + ": " + lucas + "\n");
            Files.writeString(dir.resolve("vmailbox"), "info@vdom.test vdom.test/info/\n");
            Path vbase = tmp.resolve("vmail");
            Files.createDirectories(vbase);
            Files.setAttribute(vbase, "unix:uid", uid);
            List<String> main = new ArrayList<>(List.of(
                    "alias_maps = hash:" + dir.resolve("aliases"),
                    "alias_database = hash:" + dir.resolve("aliases"),
                    "home_mailbox = Maildir/",
                    "mailbox_command =",
                    "virtual_mailbox_domains = vdom.test",
                    "virtual_mailbox_base = " + vbase,
                    "virtual_mailbox_maps = hash:" + dir.resolve("vmailbox"),
                    "virtual_uid_maps = static:" + uid,
                    "virtual_gid_maps = static:" + uid));
            try (TestInstance t = TestInstance.create(dir, main.toArray(String[]::new))) {
                assertThat(t.command("postalias", dir.resolve("aliases").toString()).status()).isZero();
                assertThat(t.command("postmap", dir.resolve("vmailbox").toString()).status()).isZero();
                t.start();
                String id = inject(dir, "root@mx.example.test", lucas + "@mx.example.test",
                        lucas + "@mx.example.test|someemail@mx.example.test", "nosuch@mx.example.test", "info@vdom.test");
                String bounced = t.awaitLog(l -> l.contains(id + ": to=<nosuch@mx.example.test>"), 20_000);
                assertThat(bounced).as(t.log()).isNotNull()
                        .matches(".* postfix/local\\[\\d+\\]: " + id + ": to=<nosuch@mx.example.test>, relay=local, "
                                + "delay=[0-9.]+, delays=[0-9./]+, dsn=5\\.1\\.1, status=bounced \\(unknown user: \"nosuch\"\\)");
                // as Postfix logs an alias delivery: the destination, with the address it came from
                String root = t.awaitLog(l -> l.contains(id + ": to=<" + lucas + "@mx.example.test>, orig_to=<root@mx.example.test>"),
                        20_000);
                assertThat(root).as(t.log()).contains("postfix/local[").endsWith("dsn=2.0.0, status=sent (delivered to maildir)");
                String virt = t.awaitLog(l -> l.contains(id + ": to=<info@vdom.test>"), 20_000);
                assertThat(virt).as(t.log()).contains("postfix/virtual[", "relay=virtual")
                        .endsWith("dsn=2.0.0, status=sent (delivered to maildir)");
                assertThat(t.awaitLog(l -> l.contains(id + ": removed"), 20_000)).as(t.log()).isNotNull();

                List<Path> fresh = files(home.resolve("Maildir/new"));
                assertThat(fresh).hasSize(3);
                List<String> originals = new ArrayList<>();
                for (Path p : fresh) {
                    assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(uid);
                    String text = Files.readString(p);
                    assertThat(text).contains("\nSubject: seed\n\nFrom the seed\n");
                    originals.add(text.lines().filter(l -> l.startsWith("X-Original-To: ")).findFirst().orElseThrow());
                }
                assertThat(originals).containsExactlyInAnyOrder("X-Original-To: root@mx.example.test",
                        "X-Original-To: " + lucas + "@mx.example.test", "X-Original-To: someemail@mx.example.test");
                List<Path> vfresh = files(vbase.resolve("vdom.test/info/new"));
                assertThat(vfresh).hasSize(1);
                assertThat(Files.getAttribute(vfresh.get(0), "unix:uid")).isEqualTo(uid);
            }
        } finally {
            run("userdel", lucas);
            try {
                run("groupdel", lucas);
            } catch (AssertionError e) {
                // userdel removed the group already
            }
        }
    }
}
