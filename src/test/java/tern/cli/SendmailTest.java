package tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.cleanup.CleanupStream;
import tern.queue.ContentStream;
import tern.queue.Queue;
import tern.queue.QueueFile;
import tern.queue.Recipient;

/**
 * sendmail's submission into maildrop (the daemon is down here, so the files stay there for
 * inspection): envelope, -t extraction, DSN options, content lines, and Postfix's errors and exit
 * status 75. The -bs conversation is checked against real Postfix's transcript.
 */
class SendmailTest {
    @TempDir
    Path tmp;
    QueueFixture fx;

    @BeforeEach
    void setUp() throws IOException {
        fx = new QueueFixture(tmp, "message_size_limit = 2000");
    }

    record Run(int status, String out, String err) {
    }

    Run sendmail(String stdin, String... args) {
        List<String> a = new ArrayList<>(List.of("-c", fx.config()));
        a.addAll(List.of(args));
        PrintStream saveErr = System.err;
        PrintStream saveOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int rc;
        try {
            InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
            rc = Sendmail.run(a.toArray(new String[0]), in);
        } finally {
            System.setErr(saveErr);
            System.setOut(saveOut);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** only - the one file in maildrop. */
    QueueFile only() throws IOException {
        List<String> ids = fx.queue.list(Queue.Dir.MAILDROP);
        assertThat(ids).hasSize(1);
        return QueueFile.read(fx.queue.path(Queue.Dir.MAILDROP, ids.get(0)));
    }

    static String content(QueueFile qf) throws IOException {
        try (FileChannel ch = FileChannel.open(qf.path(), StandardOpenOption.READ)) {
            return new String(ContentStream.of(ch, qf.envelope()).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<String> addresses(QueueFile qf) {
        List<String> out = new ArrayList<>();
        for (Recipient r : qf.envelope().recipients()) {
            out.add(r.address());
        }
        return out;
    }

    @Test
    void aMessageGoesToMaildropAsGiven() throws IOException {
        Run r = sendmail("From me Wed Nov 25 10:00:00 2026\nSubject: hi\r\n\r\nhello\n.dot line\n.\nnot this\n",
                "-F", "Doe, John", "-f", "<alice@example.org>", "-N", "success,delay", "-R", "hdrs", "-V", "env-1",
                "-B", "8bitmime", "bob@x.example", "Carol <carol@y.example>");
        assertThat(r.status()).isZero();
        assertThat(r.err()).isEmpty();
        QueueFile qf = only();
        assertThat(qf.envelope().sender()).isEqualTo("alice@example.org");
        assertThat(addresses(qf)).containsExactly("bob@x.example", "carol@y.example");
        assertThat(qf.envelope().recipients().get(0).notifyBits())
                .isEqualTo(CleanupStream.NOTIFY_SUCCESS | CleanupStream.NOTIFY_DELAY);
        assertThat(qf.envelope().attributes()).containsEntry("full_name", "Doe, John").containsEntry("ret", "HDRS")
                .containsEntry("envid", "env-1").containsEntry("body", "8BITMIME").containsKey("uid");
        assertThat(content(qf)).isEqualTo("Subject: hi\n\nhello\n.dot line\n");
        assertThat(qf.envelope().headerLength()).isEqualTo("Subject: hi\r\n\r\n".length());
        assertThat(Files.getPosixFilePermissions(qf.path())).hasSize(2); // rw------- : nobody else reads it
    }

    @Test
    void dashTTakesToCcBccOrTheResentOnesAndKeepsCommandLineRecipients() throws IOException {
        Run r = sendmail("To: a@x.example, \"B b\" <b@x.example>\nCc: c@x.example\nBcc: d@x.example\nSubject: t\n\nbody\n",
                "-t", "-i", "-f", "s@x.example", "cmd@x.example");
        assertThat(r.status()).isZero();
        assertThat(addresses(only())).containsExactly("cmd@x.example", "a@x.example", "b@x.example", "c@x.example",
                "d@x.example");
        Files.delete(only().path());
        sendmail("To: a1@x.example,\n  list: g1@x.example;\nResent-To: rs@x.example\nResent-Bcc: rsb@x.example\nCc: x@x.example\n\nb\n",
                "-t", "-f", "s@x.example");
        assertThat(addresses(only())).containsExactly("rs@x.example", "rsb@x.example");
    }

    @Test
    void sendmailOptionsPostfixIgnoresAreAccepted() throws IOException {
        Run r = sendmail("Subject: x\n\n.\nstill here\n", "-oem", "-oi", "-om", "-o", "x", "value", "-U", "-G", "-h", "5",
                "-L", "label", "-XV", "-Am", "-bm", "--", "r@x.example");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(addresses(only())).containsExactly("r@x.example");
        assertThat(content(only())).isEqualTo("Subject: x\n\n.\nstill here\n"); // -oi: a lone dot is content
    }

    @Test
    void dashBsLeavesNothingBehindWhenTheClientGoesAwayInData() throws IOException {
        Run r = sendmail("HELO me\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@x.example>\r\nDATA\r\nSubject: cut\r\n", "-bs");
        assertThat(r.status()).isZero(); // Postfix's sendmail -bs exits 0 however the session ends
        assertThat(r.out()).endsWith("354 End data with <CR><LF>.<CR><LF>\r\n");
        assertThat(fx.queue.list(Queue.Dir.MAILDROP)).isEmpty();
        assertThat(Files.readString(fx.dir.resolve("maillog")))
                .contains("lost connection after DATA (14 bytes) from localhost[127.0.0.1]")
                .contains("disconnect from localhost[127.0.0.1] helo=1 mail=1 rcpt=1 data=0/1 commands=3/4");
    }

    @Test
    void theDefaultSenderIsTheLoginNameAndTheFullNameComesFromThePasswordFile() throws IOException {
        Run r = sendmail("Subject: x\n\nb\n", "u@x.example");
        assertThat(r.status()).isZero();
        Passwd.Entry me = Passwd.byUid(Tool.uid());
        assertThat(only().envelope().sender()).isEqualTo(me.name());
        assertThat(only().envelope().attributes().get("full_name")).isEqualTo(System.getenv("NAME") != null
                ? System.getenv("NAME") : me.fullName());
    }

    @Test
    void errorsAreWordedAsPostfixAndExitWith75() throws IOException {
        String who = Passwd.byUid(Tool.uid()).name() + "(" + Tool.uid() + ")";
        Run none = sendmail("Subject: t\n\nbody\n");
        assertThat(none.status()).isEqualTo(75);
        assertThat(none.err()).isEqualTo("sendmail: fatal: " + who
                + ": Recipient addresses must be specified on the command line or via the -t option\n");
        Run noHeader = sendmail("Subject: t\n\nbody\n", "-t");
        assertThat(noHeader.status()).isEqualTo(75);
        assertThat(noHeader.err()).isEqualTo("sendmail: fatal: " + who + ": No recipient addresses found in message header\n");
        Run big = sendmail("Subject: big\n\n" + "x".repeat(99).concat("\n").repeat(30), "-f", "toobig@x.example", "a@x.example");
        assertThat(big.status()).isEqualTo(75);
        assertThat(big.err()).isEqualTo("sendmail: fatal: toobig@x.example(" + Tool.uid() + "): message file too big\n");
        Run badOption = sendmail("", "-Z", "x@y.example");
        assertThat(badOption.status()).isEqualTo(75);
        assertThat(badOption.err()).isEqualTo("sendmail: invalid option -- 'Z'\nsendmail: fatal: usage: sendmail [options]\n");
        Run noArg = sendmail("", "-f");
        assertThat(noArg.err()).isEqualTo("sendmail: option requires an argument -- 'f'\nsendmail: fatal: usage: sendmail [options]\n");
        Run body = sendmail("", "-B", "bogus", "x@y.example");
        assertThat(body.status()).isEqualTo(75);
        assertThat(body.err()).isEqualTo("sendmail: fatal: -B option needs 8BITMIME or 7BIT\n");
        Run mode = sendmail("", "-bz", "x@y.example");
        assertThat(mode.err()).isEqualTo("sendmail: fatal: unsupported: -bz\n");
        Run qs = sendmail("", "-qSexample.com");
        assertThat(qs.status()).isEqualTo(75);
        assertThat(qs.err()).isEqualTo("sendmail: fatal: -qS is not implemented\n");
        assertThat(fx.queue.list(Queue.Dir.MAILDROP)).isEmpty(); // nothing left behind by a failure
        assertThat(Files.readString(fx.dir.resolve("maillog"))).contains("postfix/sendmail[")
                .contains("fatal: " + who + ": No recipient addresses found in message header");
    }

    @Test
    void badDsnOptionsDrawPostfixsWarningsAndAreIgnored() throws IOException {
        Run r = sendmail("Subject: t\n\nb\n", "-N", "bogus", "-R", "bogus", "x@y.example");
        assertThat(r.status()).isZero();
        assertThat(r.err()).isEqualTo("sendmail: warning: unknown DSN NOTIFY command value \"bogus\" in \"bogus\"\n"
                + "sendmail: warning: bad -N option value -- ignored\nsendmail: warning: bad -R option value -- ignored\n");
        assertThat(only().envelope().recipients().get(0).notifyBits()).isZero();
    }

    @Test
    void mailqAndFlushModes() {
        Run empty = sendmail("", "-bp");
        assertThat(empty.status()).isZero();
        assertThat(empty.out()).isEqualTo("Mail queue is empty\n");
        assertThat(empty.err()).startsWith("postqueue: warning: Mail system is down -- accessing queue directly");
        Run q = sendmail("", "-q");
        assertThat(q.status()).isEqualTo(69);
        assertThat(q.err()).isEqualTo("postqueue: fatal: Cannot flush mail queue - mail system is down\n");
        Run interval = sendmail("Subject: t\n\nb\n", "-q5m");
        assertThat(interval.status()).isZero(); // a queue run interval: ignored, as in Postfix
    }

    @Test
    void dashBsSpeaksSmtpAsPostfixDoes() throws IOException {
        String in = PostfixQueueFixtureTest.resource("sendmail-bs.in");
        // Postfix sleeps smtpd_error_sleep_time after each error past the tenth; the replies are the same
        fx = new QueueFixture(tmp, "message_size_limit = 20000000", "smtpd_error_sleep_time = 0",
                "compatibility_level = 3.6");
        Run r = sendmail(in, "-bs");
        assertThat(r.status()).isZero();
        String theirs = PostfixQueueFixtureTest.resource("sendmail-bs.out").replaceAll("queued as [0-9A-F]+", "queued as ID");
        String ours = r.out().replaceAll("queued as [0-9A-F]+", "queued as ID");
        assertThat(ours).isEqualTo(theirs);
        List<String> ids = fx.queue.list(Queue.Dir.MAILDROP);
        assertThat(ids).hasSize(2);
        java.util.Collections.sort(ids);
        QueueFile first = null;
        for (String id : ids) {
            QueueFile qf = QueueFile.read(fx.queue.path(Queue.Dir.MAILDROP, id));
            if (qf.envelope().sender().equals("bs@x.example")) {
                first = qf;
            }
        }
        assertThat(first).isNotNull();
        assertThat(addresses(first)).containsExactly("bsr@x.example", "bsr2@x.example");
        assertThat(first.envelope().recipients().get(0).orcpt()).isEqualTo("rfc822;orig@x.example");
        assertThat(first.envelope().attributes()).containsEntry("ret", "HDRS").containsEntry("envid", "abc+def")
                .containsEntry("body", "8BITMIME");
        assertThat(content(first)).startsWith("Received: from client.example (localhost [127.0.0.1])\n\tby mx.example.test "
                + "(Postfix) with ESMTP id " + first.envelope().id() + ";\n\t").endsWith("Subject: bs\n\n.leading dot\nhi\n");
        assertThat(Files.readString(fx.dir.resolve("maillog"))).contains("postfix/smtpd[")
                .contains("connect from localhost[127.0.0.1]")
                .contains("disconnect from localhost[127.0.0.1] helo=1/2 ehlo=1/2 mail=4/7 rcpt=3/8 data=2/4 rset=3 noop=1 "
                        + "vrfy=1/2 etrn=0/2 quit=1 unknown=0/1 commands=17/33");
    }
    /**
     * sendmail -bs is a local user's submission: real Postfix (sendmail-bs-standalone.out, made with
     * these settings) applies none of the smtpd_*_restrictions nor recipient validation, refuses
     * ETRN with a warning, and still applies smtpd_helo_required and disable_vrfy_command. Lines
     * longer than line_length_limit (a header, a body line, one split by a BDAT chunk) reach
     * maildrop whole.
     */
    @Test
    void dashBsAppliesNoRestrictionsAndKeepsLongLines() throws IOException {
        fx = new QueueFixture(tmp, "compatibility_level = 3.6", "message_size_limit = 20000000",
                "mydestination = mx.example.test", "smtpd_client_restrictions = reject",
                "smtpd_helo_restrictions = reject", "smtpd_sender_restrictions = reject",
                "smtpd_relay_restrictions = reject", "smtpd_recipient_restrictions = reject",
                "smtpd_data_restrictions = reject", "smtpd_end_of_data_restrictions = reject",
                "smtpd_etrn_restrictions = reject", "smtpd_helo_required = yes", "disable_vrfy_command = yes",
                "local_recipient_maps = inline:{x=y}", "line_length_limit = 600");
        Run r = sendmail(PostfixQueueFixtureTest.resource("sendmail-bs-standalone.in"), "-bs");
        assertThat(r.status()).isZero();
        String theirs = PostfixQueueFixtureTest.resource("sendmail-bs-standalone.out")
                .replaceAll("queued as [0-9A-F]+", "queued as ID");
        assertThat(r.out().replaceAll("queued as [0-9A-F]+", "queued as ID")).isEqualTo(theirs);
        List<String> ids = fx.queue.list(Queue.Dir.MAILDROP);
        assertThat(ids).hasSize(2);
        String expected = "Subject: restricted\nX-Long: " + "y".repeat(1300) + "\n\n" + "z".repeat(1500) + "\n.dot\n";
        for (String id : ids) {
            QueueFile qf = QueueFile.read(fx.queue.path(Queue.Dir.MAILDROP, id));
            assertThat(content(qf)).startsWith("Received: from client.example (localhost [127.0.0.1])\n")
                    .endsWith("\n" + expected);
            if (qf.envelope().sender().equals("c@x.example")) {
                assertThat(content(qf)).contains("(Postfix) with ESMTP id " + id + "\n\tfor <d@outside.example>; ");
            }
        }
        assertThat(Files.readString(fx.dir.resolve("maillog")))
                .contains("postfix/smtpd[", "warning: do not use ETRN in \"sendmail -bs\" mode",
                        "disconnect from localhost[127.0.0.1] ehlo=1 mail=2/3 rcpt=3 data=1 bdat=2 vrfy=0/1 etrn=0/1 "
                                + "quit=1 commands=10/13")
                .doesNotContain("reject:", "improper command pipelining");
    }
    /** A client that goes quiet is timed out after smtpd_timeout, as Postfix's sendmail -bs does (checked with 2s). */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void dashBsTimesOutASilentClient() throws Exception {
        fx = new QueueFixture(tmp, "smtpd_timeout = 1s");
        java.io.PipedOutputStream feed = new java.io.PipedOutputStream();
        java.io.PipedInputStream stdin = new java.io.PipedInputStream(feed);
        feed.write("EHLO x\r\n".getBytes(StandardCharsets.US_ASCII));
        feed.flush();
        PrintStream saveOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        long start = System.nanoTime();
        int rc;
        try {
            rc = Sendmail.run(new String[]{"-c", fx.config(), "-bs"}, stdin);
        } finally {
            System.setOut(saveOut);
            feed.close();
        }
        assertThat(rc).isZero();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isBetween(java.time.Duration.ofMillis(900),
                java.time.Duration.ofSeconds(20));
        assertThat(out.toString(StandardCharsets.UTF_8)).endsWith("250 CHUNKING\r\n421 4.4.2 mx.example.test Error: timeout exceeded\r\n");
        assertThat(Files.readString(fx.dir.resolve("maillog"))).contains("timeout after EHLO from localhost[127.0.0.1]")
                .contains("disconnect from localhost[127.0.0.1] ehlo=1 commands=1");
    }
}
