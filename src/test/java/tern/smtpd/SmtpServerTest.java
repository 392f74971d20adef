package tern.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.cleanup.CleanupStream;

/**
 * SmtpServerTest - Tern's smtpd over real loopback sockets with Java clients: what reaches cleanup
 * (envelope, parameters, content byte for byte), pipelining in one packet, relay control from an
 * address outside mynetworks, the limits that need parallel or slow clients, and the failure paths
 * that leave no message behind. (The exact replies and log lines of each command are pinned by
 * {@link SmtpdGoldenTest} against Postfix.)
 */
class SmtpServerTest {
    static final List<String> BASE = List.of(
            "compatibility_level = 3.6",
            "myhostname = mx.example.test",
            "mydomain = example.test",
            "mydestination = $myhostname, localhost",
            "mynetworks = 127.0.0.1/32",
            "inet_interfaces = 127.0.0.1",
            "alias_maps =",
            "smtpd_error_sleep_time = 0");

    @TempDir
    Path dir;

    TestServer server(String... extra) throws Exception {
        List<String> cf = new ArrayList<>(BASE);
        cf.addAll(List.of(extra));
        return new TestServer(dir.resolve("s" + System.nanoTime()), cf);
    }

    @Test
    void seedConversationIsQueued() throws Exception {
        try (TestServer t = server(); Client c = new Client(t.port())) {
            assertThat(c.reply()).isEqualTo("220 mx.example.test ESMTP Postfix");
            assertThat(c.cmd("mail from:<>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.cmd("rcpt to:<root@localhost>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.cmd("data")).isEqualTo("354 End data with <CR><LF>.<CR><LF>");
            c.send("Subject: Hey my first email", "This is my first email.", "It was easy.", "");
            assertThat(c.cmd(".")).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(c.cmd("quit")).isEqualTo("221 2.0.0 Bye");
            t.idle();
            assertThat(t.cleanup.committed).hasSize(1);
            MemoryCleanup.Message m = t.cleanup.committed.get(0);
            assertThat(m.sender()).isEmpty();
            assertThat(m.recipients()).containsExactly("root@localhost");
            assertThat(m.content()).isEqualTo("Subject: Hey my first email\nThis is my first email.\nIt was easy.\n\n");
            assertThat(m.origin().clientName()).isEqualTo("localhost");
            assertThat(m.origin().clientAddress()).isEqualTo("127.0.0.1");
            assertThat(m.origin().helo()).isEmpty();
            assertThat(m.origin().protocol()).isEqualTo("SMTP");
            assertThat(m.origin().service()).isEqualTo("smtp");
            assertThat(t.logLines()).contains(m.id() + ": client=localhost[127.0.0.1]",
                    "disconnect from localhost[127.0.0.1] mail=1 rcpt=1 data=1 quit=1 commands=4");
        }
    }

    @Test
    void everythingInOnePacketIsAnsweredInOrder() throws Exception {
        try (TestServer t = server(); Client c = new Client(t.port())) {
            c.reply();
            assertThat(c.cmd("EHLO client.example")).contains("250-PIPELINING", "250 CHUNKING");
            c.send("MAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME", "RCPT TO:<root@localhost>",
                    "RCPT TO:<nosuchuser@localhost>", "RCPT TO:<postmaster@mx.example.test> NOTIFY=SUCCESS,DELAY",
                    "DATA", "Subject: one packet", "", "..dot", ".", "NOOP", "RSET", "QUIT");
            assertThat(c.reply()).isEqualTo("250 2.1.0 Ok");
            assertThat(c.reply()).isEqualTo("250 2.1.5 Ok");
            assertThat(c.reply()).startsWith("550 5.1.1 <nosuchuser@localhost>: Recipient address rejected");
            assertThat(c.reply()).isEqualTo("250 2.1.5 Ok");
            assertThat(c.reply()).isEqualTo("354 End data with <CR><LF>.<CR><LF>");
            assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
            assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
            assertThat(c.reply()).isEqualTo("221 2.0.0 Bye");
            assertThat(c.closedByServer()).isTrue();
            t.idle();
            MemoryCleanup.Message m = t.cleanup.committed.get(0);
            assertThat(m.content()).isEqualTo("Subject: one packet\n\n.dot\n");
            assertThat(m.recipients()).containsExactly("root@localhost", "postmaster@mx.example.test");
            assertThat(m.notifies()).containsExactly(0, CleanupStream.NOTIFY_SUCCESS | CleanupStream.NOTIFY_DELAY);
            assertThat(m.params().size()).isEqualTo(100);
            assertThat(m.params().body()).isEqualTo("8BITMIME");
            assertThat(m.origin().protocol()).isEqualTo("ESMTP");
            assertThat(m.origin().helo()).isEqualTo("client.example");
        }
    }

    @Test
    void repliesToAPipelinedBatchGoOutTogether() throws Exception {
        try (TestServer t = server(); Client c = new Client(t.port())) {
            c.reply();
            c.cmd("EHLO client.example");
            // 50 commands in one write: the replies must all be there, in order, without a round trip each
            String[] batch = new String[50];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = i % 2 == 0 ? "MAIL FROM:<a@b.example>" : "RSET";
            }
            c.send(batch);
            for (int i = 0; i < batch.length; i++) {
                assertThat(c.reply()).isEqualTo(i % 2 == 0 ? "250 2.1.0 Ok" : "250 2.0.0 Ok");
            }
            assertThat(c.cmd("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
    }

    @Test
    void mailAndRcptParametersReachCleanup() throws Exception {
        try (TestServer t = server(); Client c = new Client(t.port())) {
            c.reply();
            c.cmd("EHLO client.example");
            assertThat(c.cmd("MAIL FROM:<s@b.example> RET=HDRS ENVID=QQ+2Bx SMTPUTF8 BODY=7BIT")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.cmd("RCPT TO:<root@localhost> NOTIFY=NEVER ORCPT=rfc822;Root+40Example.COM"))
                    .isEqualTo("250 2.1.5 Ok");
            assertThat(c.cmd("RCPT TO:<\u00e9l\u00e8ve@elsewhere.test>")).isEqualTo("250 2.1.5 Ok");
            c.cmd("DATA");
            c.send("x");
            assertThat(c.cmd(".")).startsWith("250 2.0.0 Ok: queued as");
            c.cmd("QUIT");
            t.idle();
            MemoryCleanup.Message m = t.cleanup.committed.get(0);
            assertThat(m.params().ret()).isEqualTo("HDRS");
            assertThat(m.params().envid()).isEqualTo("QQ+x");
            assertThat(m.params().smtputf8()).isTrue();
            assertThat(m.params().body()).isEqualTo("7BIT");
            assertThat(m.params().size()).isEqualTo(-1);
            assertThat(m.orcpts()).containsExactly("rfc822;Root@Example.COM", null);
            assertThat(m.notifies()).containsExactly(CleanupStream.NOTIFY_NEVER, 0);
            assertThat(m.recipients()).containsExactly("root@localhost", "\u00e9l\u00e8ve@elsewhere.test");
        }
    }

    @Test
    void contentIsPassedByteForByte() throws Exception {
        try (TestServer t = server("line_length_limit = 100"); Client c = new Client(t.port())) {
            c.reply();
            c.cmd("EHLO client.example");
            c.cmd("MAIL FROM:<a@b.example>");
            c.cmd("RCPT TO:<root@localhost>");
            c.cmd("DATA");
            String longLine = "L".repeat(250);
            // bare LF ends a line, a bare CR does not, NUL and 8-bit bytes pass, dots are unstuffed
            c.raw("Subject: x\r\n\r\nbare\nlf\r\ncr\rin line\r\nnul\0x\r\n\u00e9t\u00e9\r\n...two\r\n"
                    + longLine + "\r\n..\r\n.\r\n");
            assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as");
            c.cmd("QUIT");
            t.idle();
            assertThat(t.cleanup.committed.get(0).content()).isEqualTo(
                    "Subject: x\n\nbare\nlf\ncr\rin line\nnul\0x\n\u00e9t\u00e9\n..two\n" + longLine + "\n.\n");
        }
    }

    @Test
    void bdatJoinsLinesAcrossChunks() throws Exception {
        try (TestServer t = server("line_length_limit = 100"); Client c = new Client(t.port())) {
            c.reply();
            c.cmd("EHLO client.example");
            c.cmd("MAIL FROM:<a@b.example>");
            c.cmd("RCPT TO:<root@localhost>");
            c.raw("BDAT 11\r\nSubject: ab");
            assertThat(c.reply()).isEqualTo("250 2.0.0 Ok: 11 bytes");
            c.raw("BDAT 5\r\nc\r\n\r\r");
            assertThat(c.reply()).isEqualTo("250 2.0.0 Ok: 5 bytes");
            String big = "B".repeat(230);
            c.raw("BDAT " + (big.length() + 8) + "\r\n\n.body\r\n" + big);
            assertThat(c.reply()).isEqualTo("250 2.0.0 Ok: 238 bytes");
            c.raw("BDAT 4 LAST\r\n\r\nz\r");
            // Postfix's count: 258 bytes, a line end for each 100-byte piece of the long line (2), and the
            // LF the final CR lacks (1); the same chunks with line_length_limit = 512 and 1200 B's got
            // "1233 bytes" from Postfix 3.7
            assertThat(c.reply()).matches("250 2\\.0\\.0 Ok: 263 bytes queued as [0-9A-F]+");
            c.cmd("QUIT");
            t.idle();
            // "\r\r" then "\n": one CR is content, the other ends the line; ".body" keeps its dot
            assertThat(t.cleanup.committed.get(0).content()).isEqualTo("Subject: abc\n\r\n.body\n" + big + "\nz\n");
        }
    }

    @Test
    void openRelayIsRefusedOutsideMynetworks() throws Exception {
        try (TestServer t = server()) {
            try (Client c = new Client(t.port(), "127.0.0.2")) {
                c.reply();
                c.cmd("EHLO client.example");
                c.cmd("MAIL FROM:<spammer@example.net>");
                assertThat(c.cmd("RCPT TO:<victim@elsewhere.test>"))
                        .isEqualTo("454 4.7.1 <victim@elsewhere.test>: Relay access denied");
                assertThat(c.cmd("RCPT TO:<victim%elsewhere.test@mx.example.test>"))
                        .startsWith("454 4.7.1 ");
                assertThat(c.cmd("DATA")).isEqualTo("554 5.5.1 Error: no valid recipients");
                c.cmd("QUIT");
            }
            try (Client c = new Client(t.port(), "127.0.0.1")) {
                c.reply();
                c.cmd("EHLO client.example");
                c.cmd("MAIL FROM:<user@example.net>");
                assertThat(c.cmd("RCPT TO:<friend@elsewhere.test>")).isEqualTo("250 2.1.5 Ok");
                c.cmd("QUIT");
            }
            t.idle();
            assertThat(t.cleanup.committed).isEmpty();
            assertThat(t.logLines()).contains("NOQUEUE: reject: RCPT from unknown[127.0.0.2]: 454 4.7.1 "
                    + "<victim@elsewhere.test>: Relay access denied; from=<spammer@example.net> to=<victim@elsewhere.test>"
                    + " proto=ESMTP helo=<client.example>");
        }
    }

    @Test
    void connectionCountLimitPerClient() throws Exception {
        try (TestServer t = server("smtpd_client_connection_count_limit = 2")) {
            Client a = new Client(t.port(), "127.0.0.2");
            Client b = new Client(t.port(), "127.0.0.2");
            assertThat(a.reply()).startsWith("220 ");
            assertThat(b.reply()).startsWith("220 ");
            try (Client c = new Client(t.port(), "127.0.0.2")) {
                assertThat(c.reply()).isEqualTo("421 4.7.0 mx.example.test Error: too many connections from 127.0.0.2");
                assertThat(c.closedByServer()).isTrue();
            }
            try (Client other = new Client(t.port(), "127.0.0.3"); Client mine = new Client(t.port(), "127.0.0.1")) {
                assertThat(other.reply()).startsWith("220 ");
                assertThat(mine.reply()).startsWith("220 "); // mynetworks is exempt
            }
            a.cmd("QUIT");
            a.close();
            waitFor(() -> t.server.connections().count("127.0.0.2") == 1);
            try (Client d = new Client(t.port(), "127.0.0.2")) {
                assertThat(d.reply()).startsWith("220 ");
            }
            b.close();
            t.idle();
            assertThat(t.logLines()).contains(
                    "warning: Connection concurrency limit exceeded: 3 from unknown[127.0.0.2] for service smtp");
            assertThat(t.server.connections().count("127.0.0.2")).isZero();
        }
    }

    @Test
    void idleClientTimesOut() throws Exception {
        try (TestServer t = server("smtpd_timeout = 1"); Client c = new Client(t.port())) {
            c.reply();
            c.cmd("EHLO client.example");
            long start = System.nanoTime();
            assertThat(c.reply()).isEqualTo("421 4.4.2 mx.example.test Error: timeout exceeded");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(500L, 4000L);
            t.idle();
            assertThat(t.logLines()).contains("timeout after EHLO from localhost[127.0.0.1]");
        }
    }

    @Test
    void clientThatStopsReadingIsCutOff() throws Exception {
        try (TestServer t = server("smtpd_timeout = 1", "smtpd_junk_command_limit = 100000000",
                "smtpd_hard_error_limit = 100000000"); Client c = new Client(t.port())) {
            c.reply(); // the greeting: the session is under way, so idle() below waits for its end
            // pipelined NOOPs whose replies are never read: the server's writes block, and smtpd_timeout ends it
            byte[] noops = "NOOP\r\n".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 20; i++) {
                        c.raw(noops);
                    }
                } catch (Exception e) {
                    // the server hung up, as it should
                }
            });
            long start = System.nanoTime();
            t.idle();
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(15_000L);
            writer.join(5000);
            assertThat(t.logLines()).contains("timeout after NOOP from localhost[127.0.0.1]");
        }
    }

    @Test
    void clientGoneInDataLeavesNoMessage() throws Exception {
        try (TestServer t = server()) {
            try (Client c = new Client(t.port())) {
                c.reply();
                c.cmd("EHLO client.example");
                c.cmd("MAIL FROM:<a@b.example>");
                c.cmd("RCPT TO:<root@localhost>");
                c.cmd("DATA");
                c.send("Subject: half", "", "a message that never ends");
            }
            t.idle();
            assertThat(t.cleanup.committed).isEmpty();
            assertThat(t.cleanup.abandoned.get()).isEqualTo(1);
            assertThat(t.logLines()).contains("lost connection after DATA (44 bytes) from localhost[127.0.0.1]");
        }
    }

    @Test
    void cleanupTroubleIsATemporaryError() throws Exception {
        try (TestServer t = server(); Client c = new Client(t.port())) {
            t.cleanup.failBegin = "No space left on device";
            c.reply();
            c.cmd("EHLO client.example");
            c.cmd("MAIL FROM:<a@b.example>");
            assertThat(c.cmd("RCPT TO:<root@localhost>")).isEqualTo("451 4.3.0 Error: queue file write error");
            t.cleanup.failBegin = null;
            assertThat(c.cmd("RCPT TO:<root@localhost>")).isEqualTo("250 2.1.5 Ok");
            c.cmd("QUIT");
            t.idle();
            assertThat(t.logLines()).contains("warning: NOQUEUE: queue file write error: No space left on device");
        }
    }

    @Test
    void errorsSlowTheClientDown() throws Exception {
        try (TestServer t = server("smtpd_soft_error_limit = 1", "smtpd_error_sleep_time = 1");
             Client c = new Client(t.port())) {
            c.reply();
            c.cmd("FOO");
            long start = System.nanoTime();
            c.cmd("FOO"); // the error count is 1: not over the soft limit yet
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(900L);
            start = System.nanoTime();
            assertThat(c.cmd("NOOP")).isEqualTo("250 2.0.0 Ok"); // 2 > 1: every reply waits
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(900L);
        }
    }

    @Test
    void ipv6Clients() throws Exception {
        List<String> cf = new ArrayList<>(BASE);
        cf.add("mynetworks = 127.0.0.1/32 [::1]/128");
        cf.add("smtpd_client_restrictions = check_client_access inline:{ {::1 = 450 4.7.1 ipv6 greylisted} }");
        try (TestServer t = new TestServer(dir.resolve("v6"), cf, a -> "localhost6", "::1");
             java.net.Socket s = new java.net.Socket(java.net.InetAddress.getByName("::1"), t.port())) {
            s.setSoTimeout(5000);
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    StandardCharsets.US_ASCII));
            java.io.Writer w = new java.io.OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
            assertThat(r.readLine()).startsWith("220 ");
            w.write("HELO [IPv6:::1]\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<u@elsewhere.test>\r\nQUIT\r\n");
            w.flush();
            assertThat(r.readLine()).isEqualTo("250 mx.example.test");
            assertThat(r.readLine()).isEqualTo("250 2.1.0 Ok");
            assertThat(r.readLine()).isEqualTo("450 4.7.1 <localhost6[::1]>: Client host rejected: ipv6 greylisted");
            assertThat(r.readLine()).isEqualTo("221 2.0.0 Bye");
            t.idle();
            assertThat(t.logLines()).contains("connect from localhost6[::1]");
        }
    }

    @Test
    void unsafeRelayConfigurationIsRefused() throws Exception {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> server("smtpd_relay_restrictions =",
                        "smtpd_recipient_restrictions = permit_mynetworks"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("specify at least one working instance of: reject_unauth_destination");
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }
}
