package tern.delivery.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.config.Config;
import tern.delivery.DeliveryAgent;
import tern.delivery.DeliveryFixture;
import tern.delivery.DeliveryFixture.TestUser;
import tern.delivery.DeliveryRequest;
import tern.delivery.RecipientResult;
import tern.delivery.mailbox.Passwd;
import tern.delivery.mailbox.Privileges;
import tern.queue.ContentStream;
import tern.queue.Envelope;
import tern.queue.QueueFile;
import tern.tables.TableBuilder;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * LocalDeliveryTest - local(8) through DeliveryAgent.deliver with real queue files: the mailbox
 * formats against what Postfix 3.7 wrote for the same message (golden files), aliases of every
 * form, .forward, mailbox_command, loops, unknown users, refused paths, full and read-only
 * targets, size limits, other transports, and (as root) the identities that files and commands
 * get. Run as root, users are created with useradd; otherwise the test's own identity stands in.
 */
class LocalDeliveryTest {
    private static final String[] GOLDEN_BODY = {"line one", "From the start", ">From already", ".dot line",
            "last line no blank"};

    @TempDir
    Path tmp;
    DeliveryFixture f;
    Privileges privileges;
    Path out;
    Path aliases;
    Map<String, DeliveryAgent> transports = new HashMap<>();

    @BeforeEach
    void setUp() throws IOException {
        f = DeliveryFixture.create(tmp);
        privileges = Privileges.ofProcess();
        out = f.shared("out");
        f.shared("mail");
        aliases = tmp.resolve("aliases");
        aliases();
    }

    /** aliases - write the aliases(5) file and build hash:aliases from it, as postalias does. */
    void aliases(String... lines) throws IOException {
        Files.writeString(aliases, lines.length == 0 ? "" : String.join("\n", lines) + "\n");
        try {
            TableBuilder.build("hash", aliases.toString(), TableBuilder.Format.ALIASES, TableBuilder.Settings.DEFAULT,
                    w -> { });
        } catch (TableException e) {
            throw new IOException(e);
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        privileges.close();
        f.close();
    }

    /** own - a user with the test's own identity (mailbox formats do not need another user). */
    TestUser own(String name) throws IOException {
        Path home = tmp.resolve("home").resolve(name);
        Files.createDirectories(home);
        return new TestUser(name, f.ownUid(), f.ownGid(), home, false);
    }

    String defaultPrivs() {
        return f.isRoot() ? "nobody" : System.getProperty("user.name");
    }

    LocalDelivery agent(List<TestUser> users, String... mainCf) throws Exception {
        List<String> lines = new ArrayList<>(List.of(
                "mail_spool_directory = " + tmp.resolve("mail"),
                "alias_maps = hash:" + aliases,
                "default_privs = " + defaultPrivs()));
        lines.addAll(Arrays.asList(mainCf));
        Config c = f.config(lines.toArray(String[]::new));
        TableOpener opener = TableOpener.standalone(w -> { }).withCheckInterval(Duration.ZERO);
        List<TestUser> all = new ArrayList<>(users);
        if (!f.isRoot()) {
            all.add(new TestUser(System.getProperty("user.name"), f.ownUid(), f.ownGid(), tmp, false));
        }
        Function<String, DeliveryAgent> t = transports::get;
        return new LocalDelivery(f.context(c, "local", f.cleanup(c)), opener, privileges,
                Passwd.file(f.passwd(all.toArray(TestUser[]::new))), t, "testhost");
    }

    Envelope simple(String sender, String... recipients) throws IOException {
        return f.message(sender, List.of(recipients), "Subject: test", "From: <sender@example.org>", "", "line one",
                "From the start", ">From already", ".dot line", "last line no blank");
    }

    List<RecipientResult> deliver(LocalDelivery a, Envelope e) {
        return DeliveryFixture.deliver(a, f.request(e, "local"));
    }

    static String normalizeFromLines(String s) {
        return s.replaceAll("(?m)^(From \\S+  )\\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}$", "$1DATE");
    }

    static List<String> resource(String name) throws IOException {
        try (InputStream in = LocalDeliveryTest.class.getResourceAsStream(name)) {
            return Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1));
        }
    }

    static String[] concat(List<String> headers, String... more) {
        List<String> l = new ArrayList<>(headers);
        l.add("");
        l.addAll(Arrays.asList(more));
        return l.toArray(String[]::new);
    }

    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    // ---- formats, against Postfix 3.7 ----

    @Test
    void spoolMailboxIsWhatPostfixWrites() throws Exception {
        List<String> golden = resource("postfix-3.7-spool.mbox");
        LocalDelivery a = agent(List.of(own("ternref2")));
        Envelope m1 = f.message("sender@example.org", List.of("ternref2@mx.example.test"),
                concat(golden.subList(4, 11), GOLDEN_BODY));
        Envelope m2 = f.message("", List.of("ternref2@mx.example.test"), concat(golden.subList(22, 29), GOLDEN_BODY));

        List<RecipientResult> r1 = deliver(a, m1);
        List<RecipientResult> r2 = deliver(a, m2);

        assertThat(r1).containsExactly(RecipientResult.sent(m1.recipients().get(0), "2.0.0", "local", "delivered to mailbox"));
        assertThat(r2).singleElement().extracting(RecipientResult::text).isEqualTo("delivered to mailbox");
        Path mbox = tmp.resolve("mail/ternref2");
        assertThat(normalizeFromLines(Files.readString(mbox)))
                .isEqualTo(normalizeFromLines(String.join("\n", golden)));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mbox))).isEqualTo("rw-------");
        assertThat(tmp.resolve("mail/ternref2.lock")).doesNotExist();
    }

    @Test
    void maildirIsWhatPostfixWrites() throws Exception {
        List<String> golden = resource("postfix-3.7-maildir.msg");
        TestUser u = own("ternref2");
        LocalDelivery a = agent(List.of(u), "home_mailbox = Maildir/");
        Envelope m = f.message("sender@example.org", List.of("ternref2@mx.example.test"),
                concat(golden.subList(3, 10), GOLDEN_BODY));

        assertThat(deliver(a, m)).singleElement().extracting(RecipientResult::text).isEqualTo("delivered to maildir");

        Path md = u.home().resolve("Maildir");
        List<Path> fresh = files(md.resolve("new"));
        assertThat(fresh).hasSize(1);
        assertThat(Files.readString(fresh.get(0))).isEqualTo(String.join("\n", golden));
        assertThat(fresh.get(0).getFileName().toString()).matches("\\d+\\.V[0-9a-f]+I[0-9a-f]+M\\d+\\.testhost");
        assertThat(files(md.resolve("tmp"))).isEmpty();
        assertThat(md.resolve("cur")).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.get(0)))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(md.resolve("new")))).isEqualTo("rwx------");
    }

    @Test
    void homeMailboxFileAndExtension() throws Exception {
        TestUser u = own("ternref2");
        LocalDelivery a = agent(List.of(u), "home_mailbox = Mailbox", "recipient_delimiter = +");
        Envelope m = simple("sender@example.org", "ternref2+Ext@mx.example.test");
        assertThat(deliver(a, m)).singleElement().extracting(RecipientResult::text).isEqualTo("delivered to mailbox");
        String box = Files.readString(u.home().resolve("Mailbox"));
        assertThat(box).contains("X-Original-To: ternref2+Ext@mx.example.test\nDelivered-To: ternref2+Ext@mx.example.test\n")
                .contains("\n>From the start\n>From already\n.dot line\nlast line no blank\n\n");
    }

    // ---- aliases ----

    @Test
    void aliasesOfEveryForm() throws Exception {
        TestUser u = own("ternref2");
        Path inc = tmp.resolve("inc.txt");
        Files.writeString(inc, "# a comment\nternref2\n");
        aliases(
                "root: ternref2",
                "ternref2: ternref2",
                "alist: ternref2,",
                "  other",
                "loop1: loop2",
                "loop2: loop1",
                "remote: someone@example.org",
                "dup: ternref2, ternref2",
                "ainc: :include:" + inc,
                "acmd: \"|cat > " + out.resolve("acmd.out") + "\"",
                "afile: " + out.resolve("afile.mbox"),
                "amd: " + out.resolve("amd") + "/",
                "aself: aself");
        LocalDelivery a = agent(List.of(u));

        Envelope root = simple("sender@example.org", "root@mx.example.test");
        List<RecipientResult> r = deliver(a, root);
        assertThat(r).as(r + f.log()).singleElement().satisfies(x -> {
            assertThat(x.status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(x.recipient().address()).isEqualTo("ternref2@mx.example.test");
            assertThat(x.recipient().original()).isEqualTo("root@mx.example.test");
            assertThat(x.recipient().index()).isZero();
            assertThat(x.text()).isEqualTo("delivered to mailbox");
        });
        assertThat(Files.readString(tmp.resolve("mail/ternref2")))
                .contains("X-Original-To: root@mx.example.test\nDelivered-To: root@mx.example.test\n");

        // one result per queue recipient: a bounced part wins over the delivered ones
        r = deliver(a, simple("sender@example.org", "alist@mx.example.test"));
        assertThat(r).singleElement().satisfies(x -> {
            assertThat(x.status()).isEqualTo(RecipientResult.Status.BOUNCED);
            assertThat(x.recipient().address()).isEqualTo("other@mx.example.test");
            assertThat(x.recipient().original()).isEqualTo("alist@mx.example.test");
            assertThat(x.dsn()).isEqualTo("5.1.1");
            assertThat(x.text()).isEqualTo("unknown user: \"other\"");
        });
        assertThat(Files.readString(tmp.resolve("mail/ternref2"))).contains("X-Original-To: alist@mx.example.test\n");

        r = deliver(a, simple("sender@example.org", "loop1@mx.example.test"));
        assertThat(r).singleElement().satisfies(x -> {
            assertThat(x.status()).isEqualTo(RecipientResult.Status.BOUNCED);
            assertThat(x.recipient().address()).isEqualTo("loop2@mx.example.test");
            assertThat(x.dsn()).isEqualTo("5.4.6");
            assertThat(x.text()).isEqualTo("alias database loop for loop2");
        });
        assertThat(f.log()).contains("postfix/local[").contains("warning: alias database loop for loop2");

        assertThat(deliver(a, simple("sender@example.org", "dup@mx.example.test"))).hasSize(1);

        r = deliver(a, simple("sender@example.org", "aself@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::dsn, RecipientResult::text)
                .containsExactly("5.1.1", "unknown user: \"aself\"");

        Envelope remote = simple("sender@example.org", "remote@mx.example.test");
        r = deliver(a, remote);
        assertThat(r).singleElement().satisfies(x -> {
            assertThat(x.recipient()).isEqualTo(remote.recipients().get(0));
            assertThat(x.text()).matches("forwarded as [0-9A-F]+");
        });
        Envelope fwd = f.queued.get(f.queued.size() - 1);
        assertThat(r.get(0).text()).isEqualTo("forwarded as " + fwd.id());
        assertThat(fwd.sender()).isEqualTo("sender@example.org");
        assertThat(fwd.recipients()).singleElement().satisfies(x -> {
            assertThat(x.address()).isEqualTo("someone@example.org");
            assertThat(x.original()).isEqualTo("remote@mx.example.test");
        });
        String content = incomingContent(fwd);
        assertThat(content).startsWith("Received: by mx.example.test (Postfix)\n\tid " + fwd.id() + "; ")
                .contains("\nDelivered-To: remote@mx.example.test\nSubject: test\n")
                .endsWith("\nline one\nFrom the start\n>From already\n.dot line\nlast line no blank\n");

        r = deliver(a, simple("sender@example.org", "ainc@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::text).asString().startsWith("forwarded as ");
        assertThat(f.queued.get(f.queued.size() - 1).recipients().get(0).address()).isEqualTo("ternref2@mx.example.test");

        r = deliver(a, simple("sender@example.org", "acmd@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::text)
                .isEqualTo("delivered to command: cat > " + out.resolve("acmd.out"));
        assertThat(Files.readString(out.resolve("acmd.out"))).startsWith("From sender@example.org  ")
                .contains("\nReturn-Path: <sender@example.org>\nX-Original-To: acmd@mx.example.test\nDelivered-To: acmd@mx.example.test\n")
                .endsWith("\nFrom the start\n>From already\n.dot line\nlast line no blank\n");

        r = deliver(a, simple("sender@example.org", "afile@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::text)
                .isEqualTo("delivered to file: " + out.resolve("afile.mbox"));
        assertThat(Files.readString(out.resolve("afile.mbox"))).startsWith("From sender@example.org  ")
                .contains("\n>From the start\n").endsWith("last line no blank\n\n");
        if (f.isRoot()) {
            assertThat(Files.getAttribute(out.resolve("afile.mbox"), "unix:uid")).isEqualTo(65534);
            assertThat(Files.readString(out.resolve("acmd.out"))).isNotEmpty();
            assertThat(Files.getAttribute(out.resolve("acmd.out"), "unix:uid")).isEqualTo(65534);
        }

        r = deliver(a, simple("sender@example.org", "amd@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::text)
                .isEqualTo("delivered to file: " + out.resolve("amd") + "/");
        assertThat(files(out.resolve("amd/new"))).hasSize(1);
    }

    String incomingContent(Envelope e) throws IOException {
        try (FileChannel ch = FileChannel.open(f.queue.path(tern.queue.Queue.Dir.INCOMING, e.id()))) {
            return new String(ContentStream.of(ch, e).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void ownerAliasForwardsWithTheOwnerAsSender() throws Exception {
        TestUser u = own("ternref2");
        aliases("list: ternref2", "owner-list: ternref2");
        LocalDelivery a = agent(List.of(u));
        List<RecipientResult> r = deliver(a, simple("sender@example.org", "list@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::text).asString().startsWith("forwarded as ");
        Envelope fwd = f.queued.get(0);
        assertThat(fwd.sender()).isEqualTo("owner-list@mx.example.test");
        assertThat(fwd.recipients().get(0).address()).isEqualTo("ternref2@mx.example.test");
        assertThat(fwd.recipients().get(0).original()).isEqualTo("ternref2@mx.example.test");
    }

    @Test
    void restrictedCommandsAndFiles() throws Exception {
        TestUser u = own("ternref2");
        Path inc = tmp.resolve("inc.txt");
        Files.writeString(inc, "\"|cat > /dev/null\"\n/dev/null\n");
        aliases("acmd: \"|cat > /dev/null\"", "afile: /dev/null", "ainc: :include:" + inc);
        LocalDelivery a = agent(List.of(u), "allow_mail_to_commands = forward", "allow_mail_to_files = forward");
        assertThat(deliver(a, simple("s@example.org", "acmd@mx.example.test"))).singleElement()
                .extracting(RecipientResult::dsn, RecipientResult::text).containsExactly("5.7.1", "mail to command is restricted");
        assertThat(deliver(a, simple("s@example.org", "afile@mx.example.test"))).singleElement()
                .extracting(RecipientResult::dsn, RecipientResult::text).containsExactly("5.7.1", "mail to file is restricted");

        // the default (alias, forward) forbids commands and files in :include: files
        a = agent(List.of(u));
        assertThat(deliver(a, simple("s@example.org", "ainc@mx.example.test"))).singleElement()
                .extracting(RecipientResult::text).isEqualTo("mail to command is restricted");
        assertThat(deliver(a, simple("s@example.org", "afile@mx.example.test"))).singleElement()
                .extracting(RecipientResult::text).isEqualTo("delivered to file: /dev/null");
    }

    @Test
    void brokenAliasTablesDefer() throws Exception {
        TestUser u = own("ternref2");
        LocalDelivery a = agent(List.of(u), "alias_maps = hash:" + tmp.resolve("missing"));
        assertThat(deliver(a, simple("s@example.org", "ternref2@mx.example.test"))).singleElement()
                .extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(RecipientResult.Status.DEFERRED, "4.3.0", "alias database unavailable");
        assertThat(f.log()).contains("missing.db: No such file or directory");
        a = agent(List.of(u), "alias_maps = nosuchtype:/etc/aliases");
        assertThat(deliver(a, simple("s@example.org", "ternref2@mx.example.test"))).singleElement()
                .extracting(RecipientResult::status, RecipientResult::text)
                .containsExactly(RecipientResult.Status.DEFERRED, "alias database unavailable");
        assertThat(f.log()).contains("unsupported dictionary type: nosuchtype");
    }

    // ---- .forward ----

    @Test
    void forwardFile() throws Exception {
        TestUser u = f.user("fw");
        writeAs(u, u.home().resolve(".forward"), "\\" + u.name() + "\nsomeone@example.org\n\"|cat > "
                + out.resolve("fwd.out") + "\"\n");
        LocalDelivery a = agent(List.of(u), "recipient_delimiter = +");
        String rcpt = u.name() + "@mx.example.test";
        List<RecipientResult> r = deliver(a, simple("sender@example.org", rcpt));
        assertThat(r).singleElement().extracting(RecipientResult::text).isEqualTo("delivered to mailbox");
        assertThat(Files.readString(tmp.resolve("mail").resolve(u.name()))).contains("Delivered-To: " + rcpt + "\n");
        assertThat(f.queued).hasSize(1);
        assertThat(f.queued.get(0).recipients().get(0).address()).isEqualTo("someone@example.org");
        assertThat(f.queued.get(0).recipients().get(0).original()).isEqualTo(rcpt);
        assertThat(Files.readString(out.resolve("fwd.out"))).contains("Delivered-To: " + rcpt + "\n");
        if (u.real()) {
            assertThat(Files.getAttribute(out.resolve("fwd.out"), "unix:uid")).isEqualTo(u.uid());
            assertThat(Files.getAttribute(tmp.resolve("mail").resolve(u.name()), "unix:uid")).isEqualTo(u.uid());
        }

        // .forward+ext is used for user+ext
        writeAs(u, u.home().resolve(".forward+ext"), "other@example.org\n");
        r = deliver(a, simple("sender@example.org", u.name() + "+ext@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::text).asString().startsWith("forwarded as ");
        assertThat(f.queued.get(1).recipients().get(0).address()).isEqualTo("other@example.org");

        // an empty .forward means no forwarding
        writeAs(u, u.home().resolve(".forward"), "\n# nothing\n");
        r = deliver(a, simple("sender@example.org", rcpt));
        assertThat(r).singleElement().extracting(RecipientResult::text).isEqualTo("delivered to mailbox");
    }

    void writeAs(TestUser u, Path p, String text) throws IOException {
        Files.writeString(p, text);
        if (u.real()) {
            Files.setAttribute(p, "unix:uid", u.uid());
            Files.setAttribute(p, "unix:gid", u.gid());
        }
    }

    // ---- mailbox_command and commands ----

    @Test
    void mailboxCommandGetsLocalEnvironmentAndInput() throws Exception {
        TestUser u = f.user("mc");
        Path script = out.resolve("record.sh");
        Files.writeString(script, "#!/bin/sh\nenv | sort > " + out.resolve("env.txt") + "\nid -u >> " + out.resolve("env.txt")
                + "\nid -G >> " + out.resolve("env.txt") + "\npwd >> " + out.resolve("env.txt")
                + "\ncat > " + out.resolve("stdin.txt") + "\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        LocalDelivery a = agent(List.of(u), "mailbox_command = " + script, "recipient_delimiter = +");
        String rcpt = u.name() + "+Foo@mx.example.test";
        Envelope m = f.message("sender@example.org", List.of(rcpt + "|" + rcpt), Map.of("sasl_username", "joe"),
                "Subject: test", "", "line one", "From the start");

        List<RecipientResult> r = deliver(a, m);

        assertThat(r).singleElement().extracting(RecipientResult::text).isEqualTo("delivered to command: " + script);
        List<String> env = Files.readAllLines(out.resolve("env.txt"));
        assertThat(env).contains("USER=" + u.name(), "LOGNAME=" + u.name(), "HOME=" + u.home(), "SHELL=/bin/sh",
                "EXTENSION=foo", "DOMAIN=mx.example.test", "LOCAL=" + u.name() + "+foo", "RECIPIENT=" + rcpt,
                "SENDER=sender@example.org", "ORIGINAL_RECIPIENT=" + rcpt, "CLIENT_ADDRESS=127.0.0.1",
                "CLIENT_HELO=client.example", "CLIENT_HOSTNAME=localhost", "CLIENT_PROTOCOL=ESMTP",
                "SASL_USERNAME=joe", "PATH=/usr/bin:/bin", "LANG=C", "MAIL_CONFIG=" + tmp,
                String.valueOf(u.uid()), tmp.resolve("spool").toString());
        if (u.real()) {
            assertThat(env).contains(String.valueOf(u.gid())); // id -G: the primary group only
        }
        assertThat(Files.readString(out.resolve("stdin.txt"))).matches("(?s)From sender@example\\.org  \\w{3} .*")
                .contains("\nReturn-Path: <sender@example.org>\nX-Original-To: " + rcpt + "\nDelivered-To: " + rcpt
                        + "\nSubject: test\n\nline one\nFrom the start\n")
                .endsWith("From the start\n");
    }

    @Test
    void commandExitStatusDecides() throws Exception {
        TestUser u = own("ternref2");
        aliases(
                "x75: \"|exit 75\"",
                "x67: \"|exit 67\"",
                "xcode: \"|echo 5.7.1 go away; exit 1\"",
                "x2: \"|echo oops; exit 2\"",
                "xout: \"|echo try later; exit 75\"",
                "xsig: \"|kill -9 $$\"",
                "xslow: \"|sleep 5\"",
                "xnoread: \"|exit 0\"",
                "xnx: |/nonexistent/cmd");
        LocalDelivery a = agent(List.of(u), "command_time_limit = 1s");
        record Case(String rcpt, RecipientResult.Status status, String dsn, String text) {
        }
        List<Case> cases = List.of(
                new Case("x75", RecipientResult.Status.DEFERRED, "4.3.0", "temporary failure"),
                new Case("x67", RecipientResult.Status.BOUNCED, "5.1.1", "user unknown"),
                new Case("xcode", RecipientResult.Status.BOUNCED, "5.7.1", "go away "),
                new Case("x2", RecipientResult.Status.BOUNCED, "5.3.0",
                        "Command died with status 2: \"echo oops; exit 2\". Command output: oops "),
                new Case("xout", RecipientResult.Status.DEFERRED, "4.3.0", "temporary failure. Command output: try later "),
                new Case("xsig", RecipientResult.Status.DEFERRED, "4.3.0", "Command died with signal 9: \"kill -9 $$\""),
                new Case("xslow", RecipientResult.Status.BOUNCED, "5.3.0", "Command time limit exceeded: \"sleep 5\""),
                new Case("xnoread", RecipientResult.Status.SENT, "2.0.0", "delivered to command: exit 0"),
                new Case("xnx", RecipientResult.Status.DEFERRED, "4.3.0", "temporary failure. Command output: "
                        + "local: fatal: execvp /nonexistent/cmd: No such file or directory "));
        for (Case c : cases) {
            List<RecipientResult> r = deliver(a, simple("s@example.org", c.rcpt() + "@mx.example.test"));
            assertThat(r).as(c.rcpt()).singleElement()
                    .extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                    .containsExactly(c.status(), c.dsn(), c.text());
        }
        assertThat(f.log()).contains("warning: pipe_command_read: read time limit exceeded");
    }

    // ---- loops, unknown users ----

    @Test
    void deliveredToLoopBounces() throws Exception {
        TestUser u = own("ternref2");
        aliases("root: ternref2");
        LocalDelivery a = agent(List.of(u));
        Envelope m = f.message("s@example.org", List.of("ternref2@mx.example.test", "root@mx.example.test"),
                "Delivered-To: TernRef2@mx.example.test", "Subject: loop", "", "body");
        List<RecipientResult> r = deliver(a, m);
        assertThat(r).extracting(RecipientResult::status, x -> x.recipient().address(), RecipientResult::dsn, RecipientResult::text)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(RecipientResult.Status.BOUNCED, "ternref2@mx.example.test", "5.4.6",
                                "mail forwarding loop for ternref2@mx.example.test"),
                        org.assertj.core.groups.Tuple.tuple(RecipientResult.Status.BOUNCED, "ternref2@mx.example.test", "5.4.6",
                                "mail forwarding loop for ternref2@mx.example.test"));
        assertThat(r.get(1).recipient().original()).isEqualTo("root@mx.example.test");
        assertThat(tmp.resolve("mail/ternref2")).doesNotExist();
    }

    @Test
    void unknownUserBounces() throws Exception {
        LocalDelivery a = agent(List.of(own("ternref2")), "recipient_delimiter = +");
        assertThat(deliver(a, simple("s@example.org", "NoSuch+Ext@mx.example.test"))).singleElement()
                .extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::relay, RecipientResult::text)
                .containsExactly(RecipientResult.Status.BOUNCED, "5.1.1", "local", "unknown user: \"nosuch\"");
    }

    @Test
    void luserRelayTakesUnknownUsers() throws Exception {
        LocalDelivery a = agent(List.of(own("ternref2")), "luser_relay = ternref2");
        assertThat(deliver(a, simple("s@example.org", "nosuch@mx.example.test"))).singleElement().satisfies(x -> {
            assertThat(x.recipient().address()).isEqualTo("ternref2@mx.example.test");
            assertThat(x.recipient().original()).isEqualTo("nosuch@mx.example.test");
            assertThat(x.text()).isEqualTo("delivered to mailbox");
        });
    }

    // ---- refused, read-only, full, too large ----

    @Test
    void symbolicLinksAreNotFollowed() throws Exception {
        TestUser u = f.user("sl");
        Path elsewhere = tmp.resolve("elsewhere");
        Files.createDirectories(elsewhere);
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createSymbolicLink(u.home().resolve("Maildir"), elsewhere);
        LocalDelivery a = agent(List.of(u), "home_mailbox = Maildir/");
        List<RecipientResult> r = deliver(a, simple("s@example.org", u.name() + "@mx.example.test"));
        assertThat(r).singleElement().satisfies(x -> {
            assertThat(x.status()).isEqualTo(RecipientResult.Status.DEFERRED);
            assertThat(x.dsn()).isEqualTo("4.2.0");
            assertThat(x.text()).isEqualTo("maildir delivery failed: " + u.home().resolve("Maildir") + " is a symbolic link");
        });
        assertThat(files(elsewhere)).isEmpty();

        // a maildir whose new/ leads elsewhere
        Files.delete(u.home().resolve("Maildir"));
        Path md = u.home().resolve("Maildir");
        for (String d : new String[]{"", "tmp", "cur"}) {
            Files.createDirectories(md.resolve(d));
        }
        Files.createSymbolicLink(md.resolve("new"), elsewhere);
        chownTree(u, md);
        r = deliver(a, simple("s@example.org", u.name() + "@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::status, RecipientResult::text)
                .containsExactly(RecipientResult.Status.DEFERRED, "maildir delivery failed: " + md.resolve("new") + " is a symbolic link");
        assertThat(files(elsewhere)).isEmpty();
        assertThat(files(md.resolve("tmp"))).isEmpty();

        // a spool mailbox that is a symbolic link, or has another link
        Path target = tmp.resolve("target");
        Files.writeString(target, "precious\n");
        Files.createSymbolicLink(tmp.resolve("mail").resolve(u.name()), target);
        a = agent(List.of(u));
        r = deliver(a, simple("s@example.org", u.name() + "@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::status, RecipientResult::text)
                .containsExactly(RecipientResult.Status.DEFERRED, "cannot update mailbox " + tmp.resolve("mail").resolve(u.name())
                        + " for user " + u.name() + ". file is a symbolic link");
        Files.delete(tmp.resolve("mail").resolve(u.name()));
        Files.createLink(tmp.resolve("mail").resolve(u.name()), target);
        r = deliver(a, simple("s@example.org", u.name() + "@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::status).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.get(0).text()).endsWith("file has 2 hard links");
        assertThat(Files.readString(target)).isEqualTo("precious\n");
    }

    void chownTree(TestUser u, Path p) throws IOException {
        if (!u.real()) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.toList()) {
                Files.setAttribute(x, "unix:uid", u.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(x, "unix:gid", u.gid(), LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    @Test
    void unwritableTargetsDefer() throws Exception {
        TestUser u = f.user("ro");
        LocalDelivery a = agent(List.of(u), "home_mailbox = Maildir/");
        // a file where the maildir should be
        Files.writeString(u.home().resolve("Maildir"), "not a directory\n");
        List<RecipientResult> r = deliver(a, simple("s@example.org", u.name() + "@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(RecipientResult.Status.DEFERRED, "4.2.0",
                        "maildir delivery failed: " + u.home().resolve("Maildir") + " is not a directory");

        // a read-only tmp/ (only meaningful when the kernel checks permissions: not for root itself)
        assumeTrue(u.uid() != 0);
        Files.delete(u.home().resolve("Maildir"));
        Path md = u.home().resolve("Maildir");
        for (String d : new String[]{"tmp", "new", "cur"}) {
            Files.createDirectories(md.resolve(d));
        }
        chownTree(u, md);
        Files.setPosixFilePermissions(md.resolve("tmp"), PosixFilePermissions.fromString("r-x------"));
        r = deliver(a, simple("s@example.org", u.name() + "@mx.example.test"));
        assertThat(r).singleElement().satisfies(x -> {
            assertThat(x.status()).isEqualTo(RecipientResult.Status.DEFERRED);
            assertThat(x.dsn()).isEqualTo("4.2.0");
            assertThat(x.text()).startsWith("maildir delivery failed: " + md.resolve("tmp") + "/").endsWith(": Permission denied");
        });
        assertThat(f.log()).contains("warning: maildir access problem for UID/GID=" + u.uid() + "/" + u.gid());
        assertThat(files(md.resolve("new"))).isEmpty();
    }

    @Test
    void fullDeviceDefers() throws Exception {
        assumeTrue(Files.isWritable(Path.of("/dev/full")));
        aliases("afull: /dev/full");
        LocalDelivery a = agent(List.of(own("ternref2")));
        List<RecipientResult> r = deliver(a, simple("s@example.org", "afull@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(RecipientResult.Status.DEFERRED, "4.3.1",
                        "cannot append message to file /dev/full: No space left on device");
    }

    @Test
    void mailboxSizeLimitBouncesAndLeavesNoPartialMessage() throws Exception {
        TestUser u = own("ternref2");
        Path box = tmp.resolve("mail/ternref2");
        String before = "From x  Thu Jan  1 00:00:00 1970\n\n" + "x".repeat(2900) + "\n\n";
        Files.writeString(box, before);
        Files.setPosixFilePermissions(box, PosixFilePermissions.fromString("rw-------"));
        LocalDelivery a = agent(List.of(u), "mailbox_size_limit = 3100");
        List<RecipientResult> r = deliver(a, simple("s@example.org", "ternref2@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(RecipientResult.Status.BOUNCED, "5.2.2",
                        "cannot update mailbox " + box + " for user ternref2. error writing message: File too large");
        assertThat(Files.readString(box)).isEqualTo(before);

        a = agent(List.of(u), "mailbox_size_limit = 100", "home_mailbox = Maildir/");
        r = deliver(a, simple("s@example.org", "ternref2@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(RecipientResult.Status.BOUNCED, "5.2.2", "maildir delivery failed: error writing message: File too large");
        assertThat(files(u.home().resolve("Maildir/new"))).isEmpty();
        assertThat(files(u.home().resolve("Maildir/tmp"))).isEmpty();
    }

    // ---- other transports ----

    @Test
    void mailboxAndFallbackTransports() throws Exception {
        List<DeliveryRequest> seen = new ArrayList<>();
        transports.put("lmtpx", (req, sink) -> {
            seen.add(req);
            for (var rc : req.recipients()) {
                sink.result(RecipientResult.sent(rc, "2.0.0", "lmtp.example[private/lmtp]", "250 2.0.0 ok"));
            }
        });
        LocalDelivery a = agent(List.of(own("ternref2")), "mailbox_transport = lmtpx:unix:/run/lmtp");
        List<RecipientResult> r = deliver(a, simple("s@example.org", "ternref2@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::relay, RecipientResult::text)
                .containsExactly("lmtp.example[private/lmtp]", "250 2.0.0 ok");
        assertThat(seen.get(0).transport()).isEqualTo("lmtpx");
        assertThat(seen.get(0).nexthop()).isEqualTo("unix:/run/lmtp");

        a = agent(List.of(own("ternref2")), "fallback_transport = lmtpx");
        r = deliver(a, simple("s@example.org", "nosuch@mx.example.test", "ternref2@mx.example.test"));
        assertThat(r).extracting(RecipientResult::text).containsExactly("250 2.0.0 ok", "delivered to mailbox");
        assertThat(seen.get(1).nexthop()).isEqualTo("mx.example.test");

        a = agent(List.of(own("ternref2")), "fallback_transport = nosuchtransport");
        r = deliver(a, simple("s@example.org", "nosuch@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::status, RecipientResult::text)
                .containsExactly(RecipientResult.Status.DEFERRED, "mail transport unavailable");
    }

    // ---- privileges ----

    @Test
    void unprivilegedDaemonDefersOtherUsers() throws Exception {
        TestUser other = new TestUser("someoneelse", 54321, 54321, tmp.resolve("home/someoneelse"), false);
        Files.createDirectories(other.home());
        privileges.close();
        privileges = Privileges.unprivileged(12345, 12345);
        LocalDelivery a = agent(List.of(other), "home_mailbox = Maildir/");
        List<RecipientResult> r = deliver(a, simple("s@example.org", "someoneelse@mx.example.test"));
        assertThat(r).singleElement().extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(RecipientResult.Status.DEFERRED, "4.3.0",
                        "cannot deliver as user ID 54321: the mail system runs as user ID 12345, not as root");
        assertThat(other.home().resolve("Maildir")).doesNotExist();
    }

    @Test
    void rootDeliversAsTheRecipient() throws Exception {
        assumeTrue(f.isRoot(), "needs root");
        TestUser u = f.user("pr");
        LocalDelivery a = agent(List.of(u), "home_mailbox = Maildir/");
        assertThat(deliver(a, simple("s@example.org", u.name() + "@mx.example.test"))).singleElement()
                .extracting(RecipientResult::text).isEqualTo("delivered to maildir");
        Path md = u.home().resolve("Maildir");
        for (Path p : List.of(md, md.resolve("tmp"), md.resolve("new"), md.resolve("cur"), files(md.resolve("new")).get(0))) {
            assertThat(Files.getAttribute(p, "unix:uid")).as(p.toString()).isEqualTo(u.uid());
            assertThat(Files.getAttribute(p, "unix:gid")).as(p.toString()).isEqualTo(u.gid());
        }
        // the spool mailbox is created by root and given to the user
        a = agent(List.of(u));
        assertThat(deliver(a, simple("s@example.org", u.name() + "@mx.example.test"))).singleElement()
                .extracting(RecipientResult::text).isEqualTo("delivered to mailbox");
        assertThat(Files.getAttribute(tmp.resolve("mail").resolve(u.name()), "unix:uid")).isEqualTo(u.uid());
        // a queue file stays untouched
        assertThat(QueueFile.read(f.queue.path(tern.queue.Queue.Dir.ACTIVE, f.queue.list(tern.queue.Queue.Dir.ACTIVE).get(0)))
                .finished()).isEmpty();
    }
}
