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
    /**
     * The seed's walk-through as its reader does it, on a running instance: postconf -e the
     * alias_maps, newaliases, postfix reload; virtual_alias_maps with "someemail lucas", postmap,
     * reload; home_mailbox = Maildir/ and an empty mailbox_command, reload. Then mail for root,
     * someemail and lucas sent by SMTP, by sendmail run by lucas, and by sendmail -bs, lands in
     * lucas's ~/Maildir/new, owned by lucas, and mutt, with the seed's Muttrc lines, opens
     * ~/Maildir and reads every message. A message with a 5,000-character header and a
     * 10,000-character body line arrives in the Maildir exactly as sent.
     *
     * Needs root (useradd, delivery as lucas) and mutt; skipped otherwise.
     */
    @Test
    void seedWalkThroughBySmtpAndSendmailIsReadByMutt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mutt")) && Files.isExecutable(Path.of("/usr/bin/script")),
                "needs mutt and script (apt-get install mutt util-linux)");
        Path dir = tmp.resolve("seed");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path homes = tmp.resolve("home");
        Files.createDirectories(homes);
        Files.setPosixFilePermissions(homes, PosixFilePermissions.fromString("rwxr-xr-x"));
        String lucas = "tls" + (ProcessHandle.current().pid() % 100000) + "it";
        Path home = homes.resolve(lucas);
        run("useradd", "-m", "-d", home.toString(), "-s", "/bin/sh", "-U", lucas);
        try (TestInstance t = TestInstance.create(dir)) {
            int uid = Integer.parseInt(run("id", "-u", lucas).strip());
            Path bin = Path.of(System.getProperty("tern.home", ".")).toAbsolutePath().resolve("bin");
            t.start();
            // Forward Emails
            ok(t.command("postconf", "-e", "alias_maps = hash:" + dir.resolve("aliases"),
                    "alias_database = hash:" + dir.resolve("aliases")));
            Files.writeString(dir.resolve("aliases"), "root: " + lucas + "\n\n" + lucas + ": " + lucas + "\n");
            ok(TestInstance.run(List.of(bin.resolve("newaliases").toString(), "-C", dir.toString()), null));
            ok(t.postfix("reload"));
            // Virtual Emails
            ok(t.command("postconf", "-e", "virtual_alias_maps = hash:" + dir.resolve("virtual")));
            Files.writeString(dir.resolve("virtual"), "someemail " + lucas + "\n");
            ok(t.command("postmap", dir.resolve("virtual").toString()));
            ok(t.postfix("reload"));
            // Maildir
            ok(t.command("postconf", "-e", "home_mailbox = Maildir/"));
            ok(t.command("postconf", "-e", "mailbox_command ="));
            ok(t.postfix("reload"));

            String[] rcpts = {"root", "someemail", lucas};
            try (MailInIT.Smtp c = new MailInIT.Smtp(t.smtpPort(), "127.0.0.1")) {
                c.cmd("EHLO client.example");
                assertThat(c.cmd("MAIL FROM:<sender@example.org>")).startsWith("250");
                for (String r : rcpts) {
                    assertThat(c.cmd("RCPT TO:<" + r + "@mx.example.test>")).isEqualTo("250 2.1.5 Ok");
                }
                assertThat(c.cmd("DATA")).startsWith("354");
                assertThat(c.cmd("Subject: seed by smtp\r\n\r\nHey my first email\r\n.")).startsWith("250 2.0.0 Ok: queued as");
                assertThat(c.send("sender@example.org", lucas + "@mx.example.test", "Subject: seed long lines\n"
                        + LONG_HEADER + "\n\n" + LONG_BODY + "\nend\n")).startsWith("250 2.0.0 Ok: queued as");
            }
            Path sendmail = bin.resolve("sendmail");
            TestInstance.Result bm = TestInstance.run(List.of("runuser", "-u", lucas, "--", sendmail.toString(),
                    "-C", dir.toString(), "root", "someemail", lucas), "Subject: seed by sendmail\n\nfrom the shell\n");
            assertThat(bm.status()).as(bm.toString()).isZero();
            StringBuilder bs = new StringBuilder("EHLO localhost\r\nMAIL FROM:<" + lucas + ">\r\n");
            for (String r : rcpts) {
                bs.append("RCPT TO:<").append(r).append(">\r\n");
            }
            bs.append("DATA\r\nSubject: seed by sendmail -bs\r\n\r\nsmtp on stdin\r\n.\r\nQUIT\r\n");
            TestInstance.Result bsr = TestInstance.run(List.of(sendmail.toString(), "-C", dir.toString(), "-bs"), bs.toString());
            assertThat(bsr.status()).as(bsr.toString()).isZero();
            assertThat(bsr.out()).contains("250 2.0.0 Ok: queued as").endsWith("221 2.0.0 Bye\r\n");

            Path fresh = home.resolve("Maildir/new");
            List<Path> files = List.of();
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline && (files = files(fresh)).size() < 10) {
                Thread.sleep(100);
            }
            assertThat(files).as(t.log()).hasSize(10);
            java.util.Map<String, Integer> subjects = new java.util.TreeMap<>();
            for (Path p : files) {
                assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(uid);
                String text = Files.readString(p);
                String subject = text.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow();
                subjects.merge(subject, 1, Integer::sum);
                if (subject.equals("Subject: seed long lines")) {
                    assertThat(text).contains("\n" + LONG_HEADER + "\n").endsWith("\n\n" + LONG_BODY + "\nend\n");
                }
            }
            assertThat(subjects).containsExactly(java.util.Map.entry("Subject: seed by sendmail", 3),
                    java.util.Map.entry("Subject: seed by sendmail -bs", 3), java.util.Map.entry("Subject: seed by smtp", 3),
                    java.util.Map.entry("Subject: seed long lines", 1));

            // mutt, as lucas, with the seed's Muttrc lines: open ~/Maildir and pipe every message out
            Path muttrc = home.resolve("muttrc");
            Files.writeString(muttrc, "set mbox_type=Maildir\nset folder=\"~/Maildir\"\nset mask=\"!^\\\\.[^.]\"\n"
                    + "set mbox=\"~/Maildir\"\nset record=\"+.Sent\"\nset postponed=\"+.Drafts\"\nset spoolfile=\"~/Maildir\"\n");
            Path seen = home.resolve("seen-by-mutt");
            String mutt = "mutt -n -F " + muttrc + " -f ~/Maildir -e 'set pipe_split=yes wait_key=no' -e 'push \""
                    + "<tag-pattern>~A<enter><tag-prefix><pipe-message>cat >> " + seen + "<enter><exit>\"'";
            TestInstance.Result m = TestInstance.run(List.of("runuser", "-u", lucas, "--", "env", "HOME=" + home,
                    "TERM=vt100", "timeout", "60", "script", "-q", "-e", "-c", mutt, "/dev/null"), "");
            assertThat(m.status()).as(m.toString()).isZero();
            assertThat(m.out()).contains("[Msgs:10 New:10");
            String piped = Files.readString(seen);
            assertThat(piped.split("\nSubject: seed by smtp\n", -1)).hasSize(4);
            assertThat(piped.split("\nSubject: seed by sendmail\n", -1)).hasSize(4);
            assertThat(piped.split("\nSubject: seed by sendmail -bs\n", -1)).hasSize(4);
            assertThat(piped).contains(LONG_BODY);
        } finally {
            run("userdel", lucas);
            try {
                run("groupdel", lucas);
            } catch (AssertionError e) {
                // userdel removed the group already
            }
        }
    }

    static final String LONG_HEADER = "X-Long: " + "h".repeat(5000);
    static final String LONG_BODY = "b".repeat(4096) + "." + "x".repeat(5903);

    static void ok(TestInstance.Result r) {
        assertThat(r.status()).as(r.toString()).isZero();
    }
}
