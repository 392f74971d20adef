package tern.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.queue.ContentStream;
import tern.queue.Queue;
import tern.queue.QueueFile;

/**
 * Mail in, through a running daemon (bin/postfix): which SMTP clients count as local for adding
 * missing headers (local_header_rewrite_clients), sessions that keep the configuration they began
 * with across a reload, and a stock Debian master.cf that starts with one clear warning per
 * service Tern does not run. The instances have no qmgr service, so accepted mail stays in
 * incoming for inspection.
 */
class MailInIT {
    @TempDir
    Path tmp;

    /** masterCf - the test master.cf without the queue manager: mail waits in incoming. */
    static String noQmgr(int port) {
        return TestInstance.masterCf(port).replace("qmgr unix n - n 300 1 qmgr\n", "");
    }

    /** Smtp - a line-at-a-time SMTP client bound to a chosen loopback source address. */
    static final class Smtp implements AutoCloseable {
        final Socket s;
        final BufferedReader in;
        final OutputStream out;
        final String greeting;

        Smtp(int port, String source) throws IOException {
            s = new Socket();
            s.setSoTimeout(20_000);
            s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 10_000);
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out = s.getOutputStream();
            greeting = reply();
        }

        /** reply - the whole (possibly multi-line) reply, lines joined by "\n". */
        String reply() throws IOException {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                String l = in.readLine();
                if (l == null) {
                    break;
                }
                b.append(b.isEmpty() ? "" : "\n").append(l);
                if (l.length() < 4 || l.charAt(3) != '-') {
                    break;
                }
            }
            return b.toString();
        }

        String cmd(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply();
        }

        /** send - a whole message by DATA; the final reply. */
        String send(String from, String to, String message) throws IOException {
            assertThat(cmd("MAIL FROM:<" + from + ">")).startsWith("250");
            assertThat(cmd("RCPT TO:<" + to + ">")).startsWith("250");
            assertThat(cmd("DATA")).startsWith("354");
            return cmd(message.replace("\n", "\r\n") + ".");
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    static String queuedId(String reply) {
        assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
        return reply.substring("250 2.0.0 Ok: queued as ".length()).strip();
    }

    static String incoming(TestInstance t, String id) throws IOException {
        Path p = t.dir().resolve("spool").resolve("incoming").resolve(id);
        QueueFile qf = QueueFile.read(p);
        try (FileChannel ch = FileChannel.open(p)) {
            return new String(ContentStream.of(ch, qf.envelope()).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * local_header_rewrite_clients = permit_inet_interfaces (the default): with inet_interfaces =
     * 127.0.0.1, mail from 127.0.0.1 gets Message-Id:, Date: and From: and mail from 127.0.0.2 does
     * not, as real Postfix 3.7 does; with permit_mynetworks (mynetworks = 127.0.0.0/8) after a
     * reload, 127.0.0.2 gets them too.
     */
    @Test
    void missingHeadersAreAddedForThisMachinesOwnAddresses() throws Exception {
        Path dir = tmp.resolve("h");
        try (TestInstance t = TestInstance.create(dir)) {
            Files.writeString(dir.resolve("master.cf"), noQmgr(t.smtpPort()));
            t.start();
            String own;
            String other;
            try (Smtp a = new Smtp(t.smtpPort(), "127.0.0.1"); Smtp b = new Smtp(t.smtpPort(), "127.0.0.2")) {
                a.cmd("EHLO own.example");
                b.cmd("EHLO other.example");
                own = queuedId(a.send("a@x.example", "root@mx.example.test", "Subject: own\n\nbody\n"));
                other = queuedId(b.send("b@x.example", "root@mx.example.test", "Subject: other\n\nbody\n"));
            }
            assertThat(incoming(t, own)).contains("Subject: own\nMessage-Id: <").contains("\nDate: ")
                    .contains("\nFrom: a@x.example\n\nbody\n");
            assertThat(incoming(t, other)).endsWith("Subject: other\n\nbody\n").doesNotContain("Message-Id:");
            assertThat(t.awaitLog(l -> l.contains("postfix/cleanup[") && l.endsWith(other + ": message-id=<>"), 5000))
                    .as(t.log()).isNotNull();

            Files.writeString(dir.resolve("main.cf"), "local_header_rewrite_clients = permit_mynetworks\n",
                    StandardOpenOption.APPEND);
            assertThat(t.postfix("reload").status()).isZero();
            try (Smtp b = new Smtp(t.smtpPort(), "127.0.0.2")) {
                b.cmd("EHLO other.example");
                String again = queuedId(b.send("b@x.example", "root@mx.example.test", "Subject: again\n\nbody\n"));
                assertThat(incoming(t, again)).contains("Subject: again\nMessage-Id: <").contains("\nFrom: b@x.example\n");
            }
        }
    }

    /**
     * A reload changes what new sessions get; a session opened before it keeps its snapshot to the
     * end: the old banner's session still offers the old SIZE and accepts as many recipients as the
     * old smtpd_recipient_limit allowed, and its message is queued, while a new session sees the new
     * banner, SIZE and recipient limit.
     */
    @Test
    void aSessionKeepsTheConfigurationItBeganWith() throws Exception {
        Path dir = tmp.resolve("r");
        try (TestInstance t = TestInstance.create(dir, "smtpd_banner = $myhostname ESMTP before",
                "message_size_limit = 100000", "smtpd_recipient_limit = 2")) {
            Files.writeString(dir.resolve("master.cf"), noQmgr(t.smtpPort()));
            t.start();
            try (Smtp old = new Smtp(t.smtpPort(), "127.0.0.1")) {
                assertThat(old.greeting).isEqualTo("220 mx.example.test ESMTP before");
                assertThat(old.cmd("EHLO old.example")).contains("250-SIZE 100000");

                String main = Files.readString(dir.resolve("main.cf"))
                        .replace("ESMTP before", "ESMTP after").replace("message_size_limit = 100000",
                                "message_size_limit = 50000").replace("smtpd_recipient_limit = 2", "smtpd_recipient_limit = 1");
                Files.writeString(dir.resolve("main.cf"), main);
                assertThat(t.postfix("reload").status()).isZero();
                assertThat(t.awaitLog(l -> l.contains("postfix/master[") && l.contains("reload -- version"), 10_000))
                        .as(t.log()).isNotNull();

                try (Smtp fresh = new Smtp(t.smtpPort(), "127.0.0.1")) {
                    assertThat(fresh.greeting).isEqualTo("220 mx.example.test ESMTP after");
                    assertThat(fresh.cmd("EHLO new.example")).contains("250-SIZE 50000");
                    assertThat(fresh.cmd("MAIL FROM:<n@x.example>")).isEqualTo("250 2.1.0 Ok");
                    assertThat(fresh.cmd("RCPT TO:<root@mx.example.test>")).isEqualTo("250 2.1.5 Ok");
                    assertThat(fresh.cmd("RCPT TO:<postmaster@mx.example.test>"))
                            .isEqualTo("452 4.5.3 Error: too many recipients");
                    assertThat(fresh.cmd("QUIT")).isEqualTo("221 2.0.0 Bye");
                }

                assertThat(old.cmd("EHLO old.example")).contains("250-SIZE 100000");
                assertThat(old.cmd("MAIL FROM:<o@x.example>")).isEqualTo("250 2.1.0 Ok");
                assertThat(old.cmd("RCPT TO:<root@mx.example.test>")).isEqualTo("250 2.1.5 Ok");
                assertThat(old.cmd("RCPT TO:<postmaster@mx.example.test>")).isEqualTo("250 2.1.5 Ok");
                assertThat(old.cmd("DATA")).startsWith("354");
                String id = queuedId(old.cmd("Subject: across a reload\r\n\r\n" + "x".repeat(70_000) + "\r\n."));
                assertThat(QueueFile.read(dir.resolve("spool/incoming").resolve(id)).envelope().recipients()).hasSize(2);
                assertThat(old.cmd("QUIT")).isEqualTo("221 2.0.0 Bye");
            }
            // and the new limit holds for new sessions: the same message is too big now
            try (Smtp fresh = new Smtp(t.smtpPort(), "127.0.0.1")) {
                fresh.cmd("EHLO new.example");
                fresh.cmd("MAIL FROM:<n@x.example>");
                fresh.cmd("RCPT TO:<root@mx.example.test>");
                fresh.cmd("DATA");
                assertThat(fresh.cmd("Subject: too big now\r\n\r\n" + "x".repeat(70_000) + "\r\n."))
                        .isEqualTo("552 5.3.4 Error: message file too big");
            }
        }
    }

    /**
     * Debian's stock master.cf (/usr/share/postfix/master.cf.dist from the postfix package), with
     * the smtp service moved to a free loopback port and chroot off: postfix check and start accept
     * its built-in services, say once (on standard error, and once in the maillog) that verify is not
     * run, show postconf's unused-parameter warning for main.cf, and serve SMTP. With postscreen
     * enabled as its comments show, postscreen, the smtpd pass service and its helpers are named the
     * same way.
     */
    @Test
    void aStockDebianMasterCfStarts() throws Exception {
        Path stock = Path.of("/usr/share/postfix/master.cf.dist");
        assumeTrue(Files.isReadable(stock), "needs Debian's postfix package");
        Path dir = tmp.resolve("s");
        try (TestInstance t = TestInstance.create(dir, "foo = bar")) {
            Files.writeString(dir.resolve("master.cf"), stockMasterCf(stock, t.smtpPort(), false));
            TestInstance.Result check = t.postfix("check");
            assertThat(check.status()).as(check.toString()).isZero();
            String verify = "master.cf: service verify/unix: command verify is not implemented by Tern; service not started";
            assertThat(check.err()).isEqualTo("postconf: warning: " + dir.resolve("main.cf") + ": unused parameter: foo=bar\n"
                    + "postfix/postfix-script: warning: " + verify + "\n");

            TestInstance.Result start = t.postfix("start");
            assertThat(start.status()).as(start + t.log()).isZero();
            assertThat(start.err()).containsOnlyOnce(verify).containsOnlyOnce("unused parameter: foo=bar");
            try (Smtp c = new Smtp(t.smtpPort(), "127.0.0.1")) {
                assertThat(c.greeting).isEqualTo("220 mx.example.test ESMTP Postfix");
                assertThat(c.cmd("QUIT")).isEqualTo("221 2.0.0 Bye");
            }
            assertThat(t.postfix("reload").status()).isZero();
            assertThat(t.awaitLog(l -> l.contains("reload -- version"), 10_000)).isNotNull();
            assertThat(t.log()).containsOnlyOnce(verify).doesNotContain("fatal").doesNotContain("unknown username");
            assertThat(t.postfix("status").status()).isZero();
            assertThat(t.postfix("stop").status()).isZero();

            Files.writeString(dir.resolve("master.cf"), stockMasterCf(stock, t.smtpPort(), true));
            TestInstance.Result screened = t.postfix("check");
            assertThat(screened.status()).isZero();
            assertThat(screened.err()).containsOnlyOnce("service 127.0.0.1:" + t.smtpPort()
                    + "/inet: command postscreen is not implemented by Tern; service not started")
                    .containsOnlyOnce("service smtpd/pass: smtpd on a pass socket is not implemented by Tern; service not started")
                    .containsOnlyOnce("command dnsblog is not implemented by Tern")
                    .containsOnlyOnce("command tlsproxy is not implemented by Tern")
                    .containsOnlyOnce(verify);
        }
    }

    /**
     * stockMasterCf - the stock file with the "smtp inet" service on 127.0.0.1:port and the chroot
     * column set to n; with postscreen, the four lines its comments show are enabled instead.
     */
    static String stockMasterCf(Path stock, int port, boolean postscreen) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(stock)) {
            String l = line;
            if (postscreen) {
                if (l.startsWith("smtp      inet") && l.endsWith("smtpd")) {
                    l = "#" + l;
                } else if (l.startsWith("#smtp      inet") && l.endsWith("postscreen")
                        || l.startsWith("#smtpd     pass") || l.startsWith("#dnsblog") || l.startsWith("#tlsproxy")) {
                    l = l.substring(1);
                }
            }
            if (l.isEmpty() || l.startsWith("#") || Character.isWhitespace(l.charAt(0))) {
                b.append(l).append('\n');
                continue;
            }
            String[] f = l.trim().split("\\s+", 8);
            if (f[0].equals("smtp") && f[1].equals("inet")) {
                f[0] = "127.0.0.1:" + port;
            }
            f[4] = "n";
            b.append(String.join(" ", f)).append('\n');
        }
        return b.toString();
    }
}
