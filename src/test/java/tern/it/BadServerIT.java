package tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.delivery.TestSmtpServer;

/**
 * Issue 5, fourth "Done when": remote servers that misbehave, through the daemon (smtpd, cleanup,
 * queue manager, smtp/lmtp client, bounce, virtual delivery of the notice).
 *
 * <p>One message per misbehaving server, from a sender whose mailbox is on the same instance. Each
 * is deferred or bounced with the server's reply (or Postfix's words for what went wrong) in the
 * smtp log line; the deferred ones expire (maximal_queue_lifetime of a few seconds) and bounce.
 * Every message ends as exactly one non-delivery notice in the sender's mailbox, whose text and
 * delivery-status part carry the same reason, folded and labelled as Postfix does (checked
 * against Postfix 3.7.11 with the same servers): "Diagnostic-Code: smtp; REPLY" with a
 * "Remote-MTA:" when the server said something, "Diagnostic-Code: X-Postfix; TEXT" when it did
 * not. Nothing is left in the queue.
 *
 * <p>A message for several recipients where one fails temporarily (a 4xx to its RCPT over SMTP,
 * to its end-of-data over LMTP): after the retry, the servers have received each recipient
 * exactly once.
 */
class BadServerIT {
    private static final String PEER = "127.0.0.1[127.0.0.1]";

    @TempDir
    Path tmp;

    /** Case - one misbehaving server: its script, and what the log and the notice must say. */
    private record Case(String domain, Map<String, String> script, String status, String dsn, String reason,
                        String remote, boolean big) {
    }

    private static List<Case> cases() {
        return List.of(
                new Case("garbage.test", Map.of("GREETING", "!garbage"), "deferred", "4.4.2",
                        "conversation with " + PEER + " timed out while receiving the initial server greeting", null, false),
                new Case("refused.test", Map.of("GREETING", "!latin1:this is not SMTP \u0001\u00ff\n554 5.7.1 go away"),
                        "deferred", "4.7.1", "host " + PEER + " refused to talk to me: this is not SMTP ?? 554 5.7.1 go away",
                        "this is not SMTP ?? 554 5.7.1 go away", false),
                new Case("noise.test", Map.of("RCPT", "!latin1:what is this \u0002\n450 4.2.0 busy"), "deferred", "4.2.0",
                        "host " + PEER + " said: what is this ? 450 4.2.0 busy (in reply to RCPT TO command)",
                        "what is this ? 450 4.2.0 busy", false),
                new Case("stall.test", Map.of("MAIL", "!stall"), "deferred", "4.4.2",
                        "conversation with " + PEER + " timed out while sending MAIL FROM", null, false),
                new Case("stalldot.test", Map.of("DOT", "!stall"), "deferred", "4.4.2", "conversation with " + PEER
                        + " timed out while sending end of data -- message may be sent more than once", null, false),
                new Case("drop.test", Map.of("DROP_IN_DATA", "Subject:"), "deferred", "4.4.2",
                        "lost connection with " + PEER + " while sending end of data -- message may be sent more than once",
                        null, false),
                new Case("bigdrop.test", Map.of("DROP_IN_DATA", "Subject:"), "deferred", "4.4.2",
                        "lost connection with " + PEER + " while sending message body", null, true),
                new Case("multi5.test", Map.of("RCPT", "550-5.1.1 first line of the error\n550-5.1.1 second line\n"
                        + "550 5.1.1 last line"), "bounced", "5.1.1", "host " + PEER + " said: 550-5.1.1 first line of the "
                        + "error 550-5.1.1 second line 550 5.1.1 last line (in reply to RCPT TO command)",
                        "550-5.1.1 first line of the error 550-5.1.1 second line 550 5.1.1 last line", false),
                new Case("multidot.test", Map.of("DOT", "554-5.7.1 rejected\n554 5.7.1 because of content"), "bounced",
                        "5.7.1", "host " + PEER + " said: 554-5.7.1 rejected 554 5.7.1 because of content (in reply to end "
                        + "of DATA command)", "554-5.7.1 rejected 554 5.7.1 because of content", false),
                new Case("multi4.test", Map.of("RCPT", "451-4.3.0 first line\n451 4.3.0 try again later"), "deferred",
                        "4.3.0", "host " + PEER + " said: 451-4.3.0 first line 451 4.3.0 try again later (in reply to RCPT "
                        + "TO command)", "451-4.3.0 first line 451 4.3.0 try again later", false));
    }

    /** instance - a Tern instance with fast timeouts and retries, the sender's mailbox me@home.test, and this transport map. */
    private TestInstance instance(Path dir, List<String> transport, String... more) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path vbase = dir.resolve("vmail");
        Files.createDirectories(vbase);
        if ("root".equals(System.getProperty("user.name"))) {
            Files.setAttribute(vbase, "unix:uid", 65534);
        }
        Files.writeString(dir.resolve("vmailbox"), "me@home.test home.test/me/\n");
        Files.write(dir.resolve("transport"), transport);
        List<String> main = new ArrayList<>(List.of("virtual_mailbox_domains = home.test",
                "virtual_mailbox_base = " + vbase, "virtual_mailbox_maps = texthash:" + dir.resolve("vmailbox"),
                "virtual_uid_maps = static:65534", "virtual_gid_maps = static:65534", "virtual_minimum_uid = 1",
                "transport_maps = texthash:" + dir.resolve("transport"),
                "smtp_connect_timeout = 2s", "smtp_helo_timeout = 2s", "smtp_mail_timeout = 2s", "smtp_rcpt_timeout = 2s",
                "smtp_data_init_timeout = 2s", "smtp_data_xfer_timeout = 2s", "smtp_data_done_timeout = 2s",
                "lmtp_data_done_timeout = 2s", "minimal_backoff_time = 1s", "maximal_backoff_time = 2s",
                "queue_run_delay = 1s"));
        main.addAll(List.of(more));
        return TestInstance.create(dir, main.toArray(String[]::new));
    }

    static String send(TestInstance t, String to, Path body) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/swaks", "--server", "127.0.0.1:" + t.smtpPort(), "--helo",
                "client.test", "--from", "me@home.test", "--to", to, "--header", "Subject: to " + to, "--timeout", "30"));
        if (body != null) {
            cmd.addAll(List.of("--body", "@" + body));
        } else {
            cmd.addAll(List.of("--body", "a small message\n"));
        }
        TestInstance.Result r = TestInstance.run(cmd, null);
        assertThat(r.status()).as(r.toString()).isZero();
        Matcher m = Pattern.compile("<- {2}250 2\\.0\\.0 Ok: queued as ([0-9A-Za-z]+)").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        return m.group(1);
    }

    static String await(TestInstance t, String regex) {
        Pattern p = Pattern.compile(regex);
        String line = t.awaitLog(l -> p.matcher(l).find(), 30_000);
        assertThat(line).as("log line matching " + regex + " in\n" + t.log()).isNotNull();
        return line;
    }

    static long count(String log, String regex) {
        Pattern p = Pattern.compile(regex);
        return log.lines().filter(l -> p.matcher(l).find()).count();
    }

    static List<Path> files(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    /** unfold - header-style continuation lines ("\n    ") joined with one space. */
    static String unfold(String s) {
        return s.replaceAll("\n[ \t]+", " ");
    }

    static String field(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ": (.*(?:\n[ \t]+.*)*)").matcher(text);
        return m.find() ? unfold(m.group(1)) : null;
    }

    @Test
    void misbehavingServersDeferOrBounceWithTheirReplyInTheLogAndTheNotice() throws Exception {
        List<Case> cases = cases();
        Map<String, TestSmtpServer> servers = new HashMap<>();
        Path big = tmp.resolve("big.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 70_000; i++) {
            sb.append("line ").append(i).append(" of a big body that the server will never read in full\n");
        }
        Files.writeString(big, sb);
        try {
            List<String> transport = new ArrayList<>();
            for (Case c : cases) {
                TestSmtpServer s = TestSmtpServer.tcp();
                s.replies.putAll(c.script());
                servers.put(c.domain(), s);
                transport.add(c.domain() + " smtp:[127.0.0.1]:" + s.port());
            }
            try (TestInstance t = instance(tmp.resolve("i"), transport, "maximal_queue_lifetime = 3s").start()) {
                Map<String, String> ids = new HashMap<>();
                for (Case c : cases) {
                    ids.put(c.domain(), send(t, "u@" + c.domain(), c.big() ? big : null));
                }
                Map<String, Case> byId = new HashMap<>();
                for (Case c : cases) {
                    String id = ids.get(c.domain());
                    byId.put(id, c);
                    int port = servers.get(c.domain()).port();
                    String line = await(t, " postfix/smtp\\[\\d+\\]: " + id + ": to=<u@" + Pattern.quote(c.domain()) + ">, ");
                    assertThat(line).as(c.domain()).contains(", relay=" + PEER + ":" + port + ", ")
                            .endsWith(", dsn=" + c.dsn() + ", status=" + c.status() + " (" + c.reason() + ")");
                    if (c.status().equals("deferred")) {
                        await(t, " postfix/qmgr\\[\\d+\\]: " + id + ": from=<me@home\\.test>, status=expired, returned to sender$");
                    }
                    await(t, " postfix/bounce\\[\\d+\\]: " + id + ": sender non-delivery notification: [0-9A-F]+$");
                    await(t, " postfix/qmgr\\[\\d+\\]: " + id + ": removed$");
                }

                // one notice per message, in the sender's mailbox, with the reason as logged
                Path box = tmp.resolve("i/vmail/home.test/me/new");
                long deadline = System.currentTimeMillis() + 20_000;
                while (files(box).size() < cases.size() && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                List<Path> notices = files(box);
                assertThat(notices).hasSize(cases.size());
                List<String> seen = new ArrayList<>();
                SoftAssertions soft = new SoftAssertions(); // every notice checked, all differences shown
                for (Path n : notices) {
                    String text = Files.readString(n);
                    String qid = field(text, "X-Postfix-Queue-ID");
                    Case c = byId.get(qid);
                    assertThat(c).as("notice for an unknown queue id " + qid + ":\n" + text).isNotNull();
                    seen.add(c.domain());
                    soft.assertThat(text).contains("\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.test>\n",
                            "\nSubject: Undelivered Mail Returned to Sender\n", "\nTo: me@home.test\n");
                    Matcher human = Pattern.compile("The mail system\n\n(<u@[^>]+>: (?:.*\n)+?)\n--").matcher(text);
                    assertThat(human.find()).as(text).isTrue();
                    soft.assertThat(unfold(human.group(1).strip())).as(c.domain()).isEqualTo("<u@" + c.domain() + ">: " + c.reason());
                    for (String l : human.group(1).split("\n")) {
                        soft.assertThat(l.length()).as("folded to 78 columns: " + l).isLessThanOrEqualTo(78);
                    }
                    soft.assertThat(field(text, "Final-Recipient")).isEqualTo("rfc822; u@" + c.domain());
                    soft.assertThat(field(text, "Action")).isEqualTo("failed");
                    soft.assertThat(field(text, "Status")).isEqualTo(c.dsn());
                    if (c.remote() != null) {
                        soft.assertThat(field(text, "Remote-MTA")).as(c.domain()).isEqualTo("dns; 127.0.0.1");
                        soft.assertThat(field(text, "Diagnostic-Code")).as(c.domain()).isEqualTo("smtp; " + c.remote());
                    } else {
                        soft.assertThat(field(text, "Remote-MTA")).as(c.domain()).isNull();
                        soft.assertThat(field(text, "Diagnostic-Code")).as(c.domain()).isEqualTo("X-Postfix; " + c.reason());
                    }
                    // the returned message: whole when small, its headers only past bounce_size_limit
                    soft.assertThat(text).contains(c.big() ? "Content-Description: Undelivered Message Headers\n"
                            : "Content-Description: Undelivered Message\n");
                    soft.assertThat(text).contains("Subject: to u@" + c.domain() + "\n");
                }
                soft.assertAll();
                assertThat(seen).containsExactlyInAnyOrderElementsOf(cases.stream().map(Case::domain).toList());
                assertThat(t.command("mailq").out()).isEqualTo("Mail queue is empty\n");
                // the servers that took the message never got it twice (no retry after a 5xx)
                assertThat(servers.get("multi5.test").messages).isEmpty();
                assertThat(servers.get("multidot.test").messages).hasSize(1);
            }
        } finally {
            for (TestSmtpServer s : servers.values()) {
                s.close();
            }
        }
    }

    @Test
    void aRecipientThatFailedForAMomentIsRetriedAloneAndEachRecipientArrivesOnce() throws Exception {
        try (TestSmtpServer smtp = TestSmtpServer.tcp(); TestSmtpServer lmtp = TestSmtpServer.tcp()) {
            lmtp.lmtp = true;
            smtp.replies.put("RCPT:b@partial.test", "451 4.2.1 mailbox busy, try later");
            lmtp.replies.put("DOT:b@lpartial.test", "452-4.2.2 mailbox full\n452 4.2.2 for now");
            List<String> transport = List.of("partial.test smtp:[127.0.0.1]:" + smtp.port(),
                    "lpartial.test lmtp:inet:127.0.0.1:" + lmtp.port());
            TestInstance i = instance(tmp.resolve("i"), transport, "maximal_queue_lifetime = 1h");
            Files.writeString(i.dir().resolve("master.cf"), TestInstance.masterCf(i.smtpPort())
                    + "lmtp unix - - n - - lmtp\n");
            try (TestInstance t = i.start()) {
                String id = send(t, "a@partial.test,b@partial.test,c@partial.test,a@lpartial.test,b@lpartial.test,"
                        + "c@lpartial.test", null);
                String b = await(t, " postfix/smtp\\[\\d+\\]: " + id + ": to=<b@partial\\.test>, .*status=deferred");
                assertThat(b).endsWith("dsn=4.2.1, status=deferred (host " + PEER + " said: 451 4.2.1 mailbox busy, try "
                        + "later (in reply to RCPT TO command))");
                String lb = await(t, " postfix/lmtp\\[\\d+\\]: " + id + ": to=<b@lpartial\\.test>, .*status=deferred");
                assertThat(lb).endsWith("dsn=4.2.2, status=deferred (host " + PEER + " said: 452-4.2.2 mailbox full 452 "
                        + "4.2.2 for now (in reply to end of DATA command))");
                for (String r : List.of("a@partial.test", "c@partial.test", "a@lpartial.test", "c@lpartial.test")) {
                    await(t, ": " + id + ": to=<" + Pattern.quote(r) + ">, .*dsn=2\\.0\\.0, status=sent");
                }
                // the servers work again: the retry takes only the deferred recipients
                smtp.replies.clear();
                lmtp.replies.clear();
                await(t, " postfix/smtp\\[\\d+\\]: " + id + ": to=<b@partial\\.test>, .*status=sent \\(250 2\\.0\\.0 Ok: queued as Q2\\)$");
                await(t, " postfix/lmtp\\[\\d+\\]: " + id + ": to=<b@lpartial\\.test>, .*status=sent \\(250 2\\.0\\.0 <b@lpartial\\.test> Ok\\)$");
                await(t, " postfix/qmgr\\[\\d+\\]: " + id + ": removed$");
                String log = t.log();
                for (String r : List.of("a@partial.test", "b@partial.test", "c@partial.test", "a@lpartial.test",
                        "b@lpartial.test", "c@lpartial.test")) {
                    assertThat(count(log, id + ": to=<" + Pattern.quote(r) + ">, .*status=sent")).as(r).isEqualTo(1);
                }
                assertThat(smtp.messages).hasSize(2);
                assertThat(lmtp.messages).hasSize(2);
                for (TestSmtpServer s : List.of(smtp, lmtp)) {
                    String d = s == smtp ? "partial.test" : "lpartial.test";
                    List<String> accepted = new ArrayList<>();
                    List<String> rcpts;
                    synchronized (s.received) {
                        rcpts = s.received.stream().filter(l -> l.startsWith("RCPT TO:")).toList();
                    }
                    for (String l : rcpts) {
                        accepted.add(l.substring(l.indexOf('<') + 1, l.indexOf('>')));
                    }
                    if (s == smtp) {
                        // b was refused once at RCPT, then accepted: a and c were never offered again
                        assertThat(accepted).containsExactlyInAnyOrder("a@" + d, "b@" + d, "c@" + d, "b@" + d);
                    } else {
                        // LMTP: b was accepted at RCPT but failed after the data; the retry is b alone
                        assertThat(accepted).containsExactlyInAnyOrder("a@" + d, "b@" + d, "c@" + d, "b@" + d);
                    }
                }
                assertThat(t.command("mailq").out()).isEqualTo("Mail queue is empty\n");
                assertThat(files(tmp.resolve("i/vmail/home.test/me/new"))).as("no notice: all were delivered").isEmpty();
            }
        }
    }
}
