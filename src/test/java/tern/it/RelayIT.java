package tern.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.delivery.PostfixInstance;

/**
 * Issue 5, first "Done when": mail relays hop by hop between two Tern daemons, real Postfix and
 * Postfix's smtp-sink, every hop found through an MX record, on port 25, inside a private network
 * namespace (see {@link Netns}) whose dnsmasq serves:
 *
 * <pre>
 *   a.test    MX mx.a.test    127.0.0.1:25   Tern A (virtual mailboxes for a.test)
 *   b.test    MX mx.b.test    127.0.0.3:25   Tern B (virtual mailboxes for b.test)
 *   pf.test   MX mx.pf.test   127.0.0.4:25   Postfix P (relays pf.test to its discard transport)
 *   sink.test MX mx.sink.test 127.0.0.5:25   smtp-sink S (dumps what it gets)
 * </pre>
 *
 * A client (swaks) sends one message to A for a recipient at B, P and S; one to P for A; one to B
 * for A; one to A for a domain whose MX is A itself (bounced: "loops back to myself", the notice
 * delivered to the sender's mailbox on A). Each hop is checked in the logs of both ends, tied
 * together by the queue id the receiver gave ("status=sent (250 2.0.0 Ok: queued as ID)" on the
 * sending side, "ID: client=" and "ID: message-id=&lt;...&gt;" on the receiving side) and by the
 * message-id the client set; the mailboxes and the sink's dump hold the message with every
 * Received: line on the way. Last, DSN requests travel with the message (Python's smtplib sends
 * NOTIFY=SUCCESS, ORCPT, ENVID and RET=HDRS to A): B, the final hop, sends the success notice,
 * which finds its way back to the sender's mailbox on A; A, having relayed to a DSN-capable
 * server, sends none.
 *
 * Skipped without root, unshare, dnsmasq, swaks or real Postfix.
 */
class RelayIT {
    private static final Path SWAKS = Path.of("/usr/bin/swaks");
    private static final int WAIT_MILLIS = 20_000;

    @TempDir
    Path tmp;

    /** tern - a Tern instance for domain on address:25 inside ns, delivering domain to virtual mailboxes. */
    static TestInstance tern(Path dir, Netns ns, String address, String domain, String... mailboxes) throws IOException {
        Files.createDirectories(dir);
        Path vbase = dir.resolve("vmail");
        Files.createDirectories(vbase);
        Files.setAttribute(vbase, "unix:uid", 65534);
        StringBuilder maps = new StringBuilder();
        for (String m : mailboxes) {
            maps.append(m).append('@').append(domain).append(' ').append(domain).append('/').append(m).append("/\n");
        }
        Files.writeString(dir.resolve("vmailbox"), maps);
        TestInstance t = TestInstance.create(dir, "myhostname = mx." + domain, "mydomain = " + domain,
                "mydestination = $myhostname, localhost", "inet_interfaces = " + address,
                "virtual_mailbox_domains = " + domain, "virtual_mailbox_base = " + vbase,
                "virtual_mailbox_maps = texthash:" + dir.resolve("vmailbox"), "virtual_uid_maps = static:65534",
                "virtual_gid_maps = static:65534", "smtp_connect_timeout = 5s", "smtp_helo_timeout = 10s");
        Files.writeString(dir.resolve("master.cf"), TestInstance.masterCf(address + ":25"));
        return t.inside(ns);
    }

    /** send - swaks inside the namespace to server:25; returns the queue id the server gave. */
    static String send(Netns ns, String server, String from, String to, String messageId) {
        TestInstance.Result r = ns.run(null, SWAKS.toString(), "--server", server + ":25", "--helo", "client.test",
                "--from", from, "--to", to, "--header", "Message-Id: <" + messageId + ">", "--header",
                "Subject: relay " + messageId, "--body", "hop by hop\n", "--timeout", "15");
        assertThat(r.status()).as(r.toString()).isZero();
        Matcher m = Pattern.compile("<- {2}250 2\\.0\\.0 Ok: queued as ([0-9A-Za-z]+)").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        return m.group(1);
    }

    /** await - the first line of log that matches regex (waiting for it, bounded), as a Matcher. */
    static Matcher await(String what, LogSource log, String regex) throws Exception {
        Pattern p = Pattern.compile(regex);
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (true) {
            String text = log.text();
            for (String line : text.split("\n")) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(what + ": no line matching " + regex + " in\n" + text);
            }
            Thread.sleep(50);
        }
    }

    interface LogSource {
        String text() throws IOException;
    }

    /**
     * hopIn - the receiving end of a hop: the SMTP server's "client=" line and cleanup's "message-id="
     * line for queue id, from the given client address. (A loopback connection to 127.0.0.N comes
     * from 127.0.0.N: the kernel picks the destination itself as the source when it is local.)
     */
    static void hopIn(String what, LogSource log, String syslog, String id, String clientAddr, String messageId)
            throws Exception {
        await(what, log, " " + syslog + "/smtpd\\[\\d+\\]: " + id + ": client=[^\\[ ]+\\[" + Pattern.quote(clientAddr) + "\\]$");
        await(what, log, " " + syslog + "/cleanup\\[\\d+\\]: " + id + ": message-id=<" + Pattern.quote(messageId) + ">$");
    }

    /** hopOut - the sending end: "to=<rcpt>, relay=host[addr]:25, ... status=sent (reply)"; returns the reply. */
    static String hopOut(String what, LogSource log, String id, String rcpt, String relay) throws Exception {
        Matcher m = await(what, log, " postfix/smtp\\[\\d+\\]: " + id + ": to=<" + Pattern.quote(rcpt) + ">, relay="
                + Pattern.quote(relay) + ", .*dsn=2\\.0\\.0, status=sent \\((.*)\\)$");
        return m.group(1);
    }

    static String queuedAs(String reply) {
        Matcher m = Pattern.compile("^250 2\\.0\\.0 Ok: queued as ([0-9A-Za-z]+)$").matcher(reply);
        assertThat(m.matches()).as(reply).isTrue();
        return m.group(1);
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
    void mailRelaysBetweenTwoTernsRealPostfixAndSmtpSinkThroughMxRecords() throws Exception {
        String why = Netns.unavailable();
        assumeTrue(why == null, why);
        assumeTrue(PostfixInstance.available(), "needs real Postfix and root");
        assumeTrue(Files.isExecutable(SWAKS), "needs swaks");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/smtp-sink")), "needs smtp-sink");
        // the postfix user (Postfix P, smtp-sink) must reach its directories under tmp
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));

        try (Netns ns = Netns.start(tmp.resolve("ns"),
                "--host-record=mx.a.test,127.0.0.1", "--mx-host=a.test,mx.a.test,10",
                "--host-record=mx.b.test,127.0.0.3", "--mx-host=b.test,mx.b.test,10",
                "--host-record=mx.pf.test,127.0.0.4", "--mx-host=pf.test,mx.pf.test,10",
                "--host-record=mx.sink.test,127.0.0.5", "--mx-host=sink.test,mx.sink.test,10",
                "--host-record=mx.loop.test,127.0.0.1", "--mx-host=loop.test,mx.loop.test,10")) {
            Path sink = ns.sink("s", "127.0.0.5");
            try (TestInstance b = tern(tmp.resolve("b"), ns, "127.0.0.3", "b.test", "u").start();
                 TestInstance a = tern(tmp.resolve("a"), ns, "127.0.0.1", "a.test", "v", "w", "x", "y").start();
                 PostfixInstance p = PostfixInstance.start(tmp.resolve("p"), List.of("inet_interfaces = 127.0.0.4",
                         "myhostname = mx.pf.test", "smtp_dns_support_level = enabled", "relay_domains = pf.test",
                         "transport_maps = inline:{pf.test=discard:}"), List.of(), "127.0.0.4:25", ns.prefix())) {
                LogSource logA = a::log;
                LogSource logB = b::log;
                LogSource logP = p::maillog;

                // 1. client -> A -> {B, P, S}
                String m1 = "relay-1." + System.nanoTime() + "@client.test";
                String a1 = send(ns, "127.0.0.1", "sender@client.test", "u@b.test,u@pf.test,u@sink.test", m1);
                hopIn("A from the client", logA, "postfix", a1, "127.0.0.1", m1);

                String b1 = queuedAs(hopOut("A to B", logA, a1, "u@b.test", "mx.b.test[127.0.0.3]:25"));
                hopIn("B from A", logB, "postfix", b1, "127.0.0.3", m1);
                await("B delivers", logB, " postfix/virtual\\[\\d+\\]: " + b1
                        + ": to=<u@b.test>, relay=virtual, .*status=sent \\(delivered to maildir\\)$");

                String p1 = queuedAs(hopOut("A to P", logA, a1, "u@pf.test", "mx.pf.test[127.0.0.4]:25"));
                hopIn("P from A", logP, "postfix", p1, "127.0.0.4", m1);
                await("P delivers", logP, " postfix/discard\\[\\d+\\]: " + p1 + ": to=<u@pf.test>, relay=none, .*status=sent");

                assertThat(hopOut("A to S", logA, a1, "u@sink.test", "mx.sink.test[127.0.0.5]:25")).isEqualTo("250 2.0.0 Ok");
                await("A is done", logA, " postfix/qmgr\\[\\d+\\]: " + a1 + ": removed$");

                List<Path> dumps = files(sink);
                assertThat(dumps).hasSize(1);
                String dump = Files.readString(dumps.get(0));
                assertThat(dump).contains("X-Client-Addr: 127.0.0.5\n", "X-Mail-Args: <sender@client.test>",
                        "X-Rcpt-Args: <u@sink.test>", "Message-Id: <" + m1 + ">", "by mx.a.test (Postfix) with ESMTP id " + a1);

                List<Path> boxB = files(tmp.resolve("b/vmail/b.test/u/new"));
                assertThat(boxB).hasSize(1);
                String atB = Files.readString(boxB.get(0));
                assertThat(atB).contains("Message-Id: <" + m1 + ">", "by mx.a.test (Postfix) with ESMTP id " + a1,
                        "by mx.b.test (Postfix) with ESMTP id " + b1, "\nhop by hop\n");
                assertThat(atB.indexOf("id " + b1)).isLessThan(atB.indexOf("id " + a1)); // newest Received: first

                // 2. client -> P -> A: real Postfix relays into Tern
                String m2 = "relay-2." + System.nanoTime() + "@client.test";
                String p2 = send(ns, "127.0.0.4", "sender@client.test", "v@a.test", m2);
                hopIn("P from the client", logP, "postfix", p2, "127.0.0.4", m2);
                String a2 = queuedAs(hopOut("P to A", logP, p2, "v@a.test", "mx.a.test[127.0.0.1]:25"));
                hopIn("A from P", logA, "postfix", a2, "127.0.0.1", m2);
                await("A delivers", logA, " postfix/virtual\\[\\d+\\]: " + a2
                        + ": to=<v@a.test>, relay=virtual, .*status=sent \\(delivered to maildir\\)$");

                // 3. client -> B -> A: the two Terns the other way round
                String m3 = "relay-3." + System.nanoTime() + "@client.test";
                String b3 = send(ns, "127.0.0.3", "sender@client.test", "w@a.test", m3);
                hopIn("B from the client", logB, "postfix", b3, "127.0.0.3", m3);
                String a3 = queuedAs(hopOut("B to A", logB, b3, "w@a.test", "mx.a.test[127.0.0.1]:25"));
                hopIn("A from B", logA, "postfix", a3, "127.0.0.1", m3);
                await("A delivers", logA, " postfix/virtual\\[\\d+\\]: " + a3
                        + ": to=<w@a.test>, relay=virtual, .*status=sent \\(delivered to maildir\\)$");

                List<Path> boxV = files(tmp.resolve("a/vmail/a.test/v/new"));
                assertThat(boxV).hasSize(1);
                assertThat(Files.readString(boxV.get(0))).contains("Message-Id: <" + m2 + ">",
                        "by mx.pf.test (Postfix) with ESMTP id " + p2, "by mx.a.test (Postfix) with ESMTP id " + a2);
                List<Path> boxW = files(tmp.resolve("a/vmail/a.test/w/new"));
                assertThat(boxW).hasSize(1);
                assertThat(Files.readString(boxW.get(0))).contains("Message-Id: <" + m3 + ">",
                        "by mx.b.test (Postfix) with ESMTP id " + b3, "by mx.a.test (Postfix) with ESMTP id " + a3);

                // 4. an MX that points back at A: bounced, and the notice comes home to the sender
                String m4 = "relay-4." + System.nanoTime() + "@client.test";
                String a4 = send(ns, "127.0.0.1", "x@a.test", "u@loop.test", m4);
                await("A finds the loop", logA, " postfix/smtp\\[\\d+\\]: " + a4 + ": to=<u@loop\\.test>, relay=none, .*"
                        + "dsn=5\\.4\\.6, status=bounced \\(mail for loop\\.test loops back to myself\\)$");
                Matcher notice = await("A's notice", logA, " postfix/bounce\\[\\d+\\]: " + a4
                        + ": sender non-delivery notification: ([0-9A-F]+)$");
                await("the notice is delivered", logA, " postfix/virtual\\[\\d+\\]: " + notice.group(1)
                        + ": to=<x@a\\.test>, relay=virtual, .*status=sent");
                List<Path> boxX = files(tmp.resolve("a/vmail/a.test/x/new"));
                assertThat(boxX).hasSize(1);
                assertThat(Files.readString(boxX.get(0))).contains("<u@loop.test>: mail for loop.test loops back to myself",
                        "Status: 5.4.6", "Message-Id: <" + m4 + ">");

                // 5. DSN requests relayed A -> B; B's success notice comes back B -> A
                String m5 = "relay-5." + System.nanoTime() + "@client.test";
                String py = "import smtplib\n"
                        + "msg = 'Message-Id: <" + m5 + ">\\r\\nSubject: dsn\\r\\n\\r\\nnotify me\\r\\n'\n"
                        + "s = smtplib.SMTP('127.0.0.1', 25, local_hostname='client.test', timeout=15)\n"
                        + "s.sendmail('y@a.test', ['u@b.test'], msg, mail_options=['RET=HDRS', 'ENVID=env-5'],"
                        + " rcpt_options=['NOTIFY=SUCCESS', 'ORCPT=rfc822;list-u@b.test'])\n"
                        + "s.quit()\n";
                TestInstance.Result sent = ns.run(py, "/usr/bin/python3", "-");
                assertThat(sent.status()).as(sent.toString()).isZero();
                Matcher c5 = await("A from smtplib", logA, " postfix/cleanup\\[\\d+\\]: ([0-9A-F]+): message-id=<"
                        + Pattern.quote(m5) + ">$");
                String a5 = c5.group(1);
                String b5 = queuedAs(hopOut("A to B", logA, a5, "u@b.test", "mx.b.test[127.0.0.3]:25"));
                await("B delivers", logB, " postfix/virtual\\[\\d+\\]: " + b5 + ": to=<u@b\\.test>, "
                        + "relay=virtual, .*status=sent");
                String n5 = await("B notifies", logB, " postfix/bounce\\[\\d+\\]: " + b5
                        + ": sender delivery status notification: ([0-9A-F]+)$").group(1);
                String an5 = queuedAs(hopOut("B's notice to A", logB, n5, "y@a.test", "mx.a.test[127.0.0.1]:25"));
                await("A delivers the notice", logA, " postfix/virtual\\[\\d+\\]: " + an5 + ": to=<y@a\\.test>, .*status=sent");
                await("A is done", logA, " postfix/qmgr\\[\\d+\\]: " + a5 + ": removed$");
                List<Path> boxY = files(tmp.resolve("a/vmail/a.test/y/new"));
                StringBuilder inY = new StringBuilder();
                for (Path f : boxY) {
                    inY.append(Files.readString(f)).append("\n=====\n");
                }
                assertThat(boxY).as("one notice, from B only:\n" + inY + "\nA:\n" + a.log()).hasSize(1);
                assertThat(Files.readString(boxY.get(0))).contains("Subject: Successful Mail Delivery Report",
                        "Reporting-MTA: dns; mx.b.test", "Original-Envelope-Id: env-5", "Final-Recipient: rfc822; u@b.test",
                        "Original-Recipient: rfc822;list-u@b.test", "Action: delivered", "Status: 2.0.0",
                        "Content-Description: Message Headers", "Message-Id: <" + m5 + ">")
                        .doesNotContain("notify me");
                assertThat(a.log()).doesNotContain(a5 + ": sender delivery status notification");

                // every MX was asked for, through the system resolver of each daemon
                String dns = ns.dnsLog();
                for (String d : List.of("a.test", "b.test", "pf.test", "sink.test", "loop.test")) {
                    assertThat(dns).contains("query[MX] " + d + " from 127.0.0.1");
                }
                assertThat(a.log() + b.log()).doesNotContain("warning", "fatal", "panic");
            }
        }
    }
}
