package tern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.config.ConfigException;
import tern.delivery.DeliveryContext;
import tern.delivery.Fixture;
import tern.delivery.RecipientResult;
import tern.delivery.TestSmtpServer;
import tern.dns.HostsFile;
import tern.dns.ResolvConf;
import tern.dns.Resolver;
import tern.queue.Envelope;

/** SmtpAgentTest - the SMTP/LMTP client against a scripted server on loopback: good and bad servers. */
class SmtpAgentTest {
    @TempDir
    Path tmp;
    Fixture fx;
    TestSmtpServer server;
    SmtpAgent agent;
    // no DNS is needed for [address] next hops; a resolver that would time out fast if asked
    final Resolver dns = new Resolver(ResolvConf.of(List.of(new java.net.InetSocketAddress("127.0.0.1", 9)),
            java.time.Duration.ofMillis(200), 1), new HostsFile(Path.of("/nonexistent")));

    @BeforeEach
    void setUp() throws IOException {
        fx = new Fixture(tmp);
        server = TestSmtpServer.tcp();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (agent != null) {
            agent.close();
        }
        server.close();
        fx.close();
    }

    private SmtpAgent agent(String mainCf) throws IOException, ConfigException {
        return agent(mainCf, Map.of(), "smtp");
    }

    private SmtpAgent agent(String mainCf, Map<String, String> overrides, String command)
            throws IOException, ConfigException {
        DeliveryContext ctx = fx.context(fx.config(mainCf, overrides), command, command, List.of());
        agent = new SmtpAgent(ctx, dns, List.of());
        return agent;
    }

    private Envelope message(String... rcpts) throws IOException {
        return fx.write(new Fixture.Message("sender@example.org", List.of(rcpts), Map.of(),
                List.of("From: sender@example.org", "Subject: test", "", "Hello.", ".dot line", "Bye.")));
    }

    private Fixture.Results deliver(Envelope e, String nexthop) {
        Fixture.Results res = new Fixture.Results();
        agent.deliver(fx.request(e, "smtp", nexthop), res);
        assertThat(res.all).hasSize(e.recipients().size());
        return res;
    }

    private String hop() {
        return "[127.0.0.1]:" + server.port();
    }

    private String relay() {
        return "127.0.0.1[127.0.0.1]:" + server.port();
    }

    @Test
    void deliversPipelinedAndReportsTheServerReply() throws Exception {
        agent("");
        Envelope e = message("a@example.com", "b@example.com");
        Fixture.Results res = deliver(e, hop());
        for (String a : List.of("a@example.com", "b@example.com")) {
            RecipientResult r = res.of(a);
            assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(r.relay()).isEqualTo(relay());
            assertThat(r.dsn()).isEqualTo("2.0.0");
            assertThat(r.text()).isEqualTo("250 2.0.0 Ok: queued as Q1");
        }
        assertThat(server.messages).containsExactly(
                "From: sender@example.org\nSubject: test\n\nHello.\n.dot line\nBye.\n");
        assertThat(server.received).contains("EHLO tern.test", "MAIL FROM:<sender@example.org> SIZE=" + e.contentLength(),
                "RCPT TO:<a@example.com>", "RCPT TO:<b@example.com>", "DATA");
    }

    @Test
    void reusesTheConnectionWithRset() throws Exception {
        agent("");
        for (int i = 0; i < 5; i++) {
            Fixture.Results res = deliver(message("r" + i + "@example.com"), hop());
            assertThat(res.all.get(0).status()).isEqualTo(RecipientResult.Status.SENT);
        }
        assertThat(server.connections.get()).isEqualTo(1);
        assertThat(server.messages).hasSize(5);
        assertThat(server.verbs().stream().filter(v -> v.equals("RSET")).count()).isEqualTo(4);
        assertThat(agent.idleSessions()).isEqualTo(1);
    }

    @Test
    void reuseCountLimitAndCloseSayGoodbye() throws Exception {
        agent("smtp_connection_reuse_count_limit = 2\n");
        for (int i = 0; i < 5; i++) {
            deliver(message("r" + i + "@example.com"), hop());
        }
        assertThat(server.connections.get()).isEqualTo(3);
        agent.close();
        long end = System.nanoTime() + 5_000_000_000L;
        while (server.verbs().stream().filter(v -> v.equals("QUIT")).count() < 3 && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(server.verbs().stream().filter(v -> v.equals("QUIT")).count()).isEqualTo(3);
        agent = null;
    }

    @Test
    void oversizedRepliesAreBounded() throws Exception {
        server.replies.put("RCPT", "550-" + "x".repeat(5000) + "\n550-second\n550 5.1.1 last");
        agent("");
        RecipientResult r = deliver(message("x@example.com"), hop()).all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.1.1"); // the last line's status, as Postfix takes it
        assertThat(r.text().length()).isLessThan(2200);
        assertThat(r.text()).startsWith("host 127.0.0.1[127.0.0.1] said: 550-xxxx").endsWith("(in reply to RCPT TO command)");
        // the session stayed in step: the next message on it goes through
        server.replies.remove("RCPT");
        assertThat(deliver(message("y@example.com"), hop()).all.get(0).status()).isEqualTo(RecipientResult.Status.SENT);
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void longLinesAreBrokenAsPostfixBreaksThem() throws Exception {
        agent("");
        String exact = "e".repeat(998);
        String over = "o".repeat(999);
        String longer = "l".repeat(2500);
        for (int filler : new int[]{0, 40_000}) { // inline content, and the large-content path
            server.messages.clear();
            Envelope e = fx.write(new Fixture.Message("s@example.org", List.of("x@example.com"), Map.of(),
                    List.of("Subject: long", "", exact, over, longer, "x".repeat(filler), "end")));
            assertThat(deliver(e, hop()).all.get(0).status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(server.messages.get(0)).isEqualTo("Subject: long\n\n" + exact + "\n"
                    + "o".repeat(998) + "\n o\n"
                    + "l".repeat(998) + "\n " + "l".repeat(997) + "\n " + "l".repeat(505) + "\n"
                    + split("x".repeat(filler)) + "end\n");
        }
    }

    private static String split(String line) {
        if (line.isEmpty()) {
            return "\n";
        }
        StringBuilder sb = new StringBuilder(line.substring(0, Math.min(998, line.length()))).append('\n');
        for (int i = 998; i < line.length(); i += 997) {
            sb.append(' ').append(line, i, Math.min(line.length(), i + 997)).append('\n');
        }
        return sb.toString();
    }

    @Test
    void noCachingQuitsEachTime() throws Exception {
        agent("smtp_connection_cache_on_demand = no\n");
        deliver(message("a@example.com"), hop());
        deliver(message("b@example.com"), hop());
        assertThat(server.connections.get()).isEqualTo(2);
        assertThat(server.verbs()).contains("QUIT");
    }

    @Test
    void perRecipientRepliesAndMultiLineErrors() throws Exception {
        server.replies.put("RCPT:bad@example.com", "550-5.1.1 <bad@example.com>: first line\n550 5.1.1 second line");
        server.replies.put("RCPT:later@example.com", "450 4.2.0 <later@example.com>: try later");
        agent("");
        Fixture.Results res = deliver(message("good@example.com", "bad@example.com", "later@example.com"), hop());
        assertThat(res.of("good@example.com").status()).isEqualTo(RecipientResult.Status.SENT);
        RecipientResult bad = res.of("bad@example.com");
        assertThat(bad.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(bad.dsn()).isEqualTo("5.1.1");
        assertThat(bad.relay()).isEqualTo(relay());
        assertThat(bad.text()).isEqualTo("host 127.0.0.1[127.0.0.1] said: 550-5.1.1 <bad@example.com>: first line"
                + " 550 5.1.1 second line (in reply to RCPT TO command)");
        RecipientResult later = res.of("later@example.com");
        assertThat(later.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(later.dsn()).isEqualTo("4.2.0");
        assertThat(later.text()).isEqualTo(
                "host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <later@example.com>: try later (in reply to RCPT TO command)");
        assertThat(server.messages).hasSize(1);
    }

    @Test
    void withoutPipeliningOneCommandAtATime() throws Exception {
        server.ehloKeywords = "8BITMIME";
        server.replies.put("RCPT", "550 5.1.1 no such user");
        agent("");
        Fixture.Results res = deliver(message("x@example.com"), hop());
        assertThat(res.of("x@example.com").status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(server.verbs()).doesNotContain("DATA"); // nobody accepted: no DATA, only RSET
        assertThat(server.verbs()).contains("RSET");
    }

    @Test
    void fallsBackToHeloWhenEhloIsRefused() throws Exception {
        server.replies.put("EHLO", "502 5.5.2 Error: command not recognized");
        agent("");
        Fixture.Results res = deliver(message("x@example.com"), hop());
        assertThat(res.of("x@example.com").status()).isEqualTo(RecipientResult.Status.SENT);
        assertThat(server.received).contains("HELO tern.test", "MAIL FROM:<sender@example.org>");
    }

    @Test
    void refusedGreetingIsDeferred() throws Exception {
        server.replies.put("GREETING", "554 5.7.1 go away");
        agent("");
        RecipientResult r = deliver(message("x@example.com"), hop()).all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.7.1");
        assertThat(r.text()).isEqualTo("host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.7.1 go away");
    }

    @Test
    void connectionRefusedIsDeferredWithRelayNone() throws Exception {
        int port = Fixture.freePort();
        agent("");
        RecipientResult r = deliver(message("x@example.com"), "[127.0.0.1]:" + port).all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.4.1");
        assertThat(r.relay()).isEqualTo("none");
        assertThat(r.text()).isEqualTo("connect to 127.0.0.1[127.0.0.1]:" + port + ": Connection refused");
    }

    @Test
    void stalledServerTimesOut() throws Exception {
        server.replies.put("MAIL", "!stall");
        agent("smtp_mail_timeout = 1s\n");
        long t0 = System.nanoTime();
        RecipientResult r = deliver(message("x@example.com"), hop()).all.get(0);
        assertThat(System.nanoTime() - t0).isLessThan(10_000_000_000L);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.4.2");
        assertThat(r.text()).isEqualTo("conversation with 127.0.0.1[127.0.0.1] timed out while sending MAIL FROM");
        assertThat(server.messages).isEmpty();
    }

    @Test
    void garbageGreetingTimesOut() throws Exception {
        server.replies.put("GREETING", "!garbage");
        agent("smtp_helo_timeout = 1\n");
        RecipientResult r = deliver(message("x@example.com"), hop()).all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.text()).isEqualTo(
                "conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial server greeting");
    }

    @Test
    void garbageBeforeAReplyIsSkipped() throws Exception {
        server.replies.put("MAIL", "hello there, this is not SMTP\n250 2.1.0 Ok");
        agent("");
        RecipientResult r = deliver(message("x@example.com"), hop()).all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
    }

    @Test
    void droppedInTheMiddleOfDataIsDeferredNotLost() throws Exception {
        server.replies.put("DROP_IN_DATA", "Hello.");
        agent("");
        Fixture.Results res = deliver(message("x@example.com", "y@example.com"), hop());
        for (RecipientResult r : res.all) {
            assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
            assertThat(r.dsn()).isEqualTo("4.4.2");
            assertThat(r.relay()).isEqualTo(relay());
            assertThat(r.text()).isEqualTo("lost connection with 127.0.0.1[127.0.0.1] while sending end of data"
                    + " -- message may be sent more than once");
        }
        assertThat(agent.idleSessions()).isZero();
    }

    @Test
    void rejectedEndOfDataBouncesOrDefersTheAcceptedOnly() throws Exception {
        server.replies.put("RCPT:gone@example.com", "550 5.1.1 gone");
        server.replies.put("DOT", "554 5.7.1 message content rejected");
        agent("");
        Fixture.Results res = deliver(message("x@example.com", "gone@example.com"), hop());
        assertThat(res.of("x@example.com").text()).isEqualTo(
                "host 127.0.0.1[127.0.0.1] said: 554 5.7.1 message content rejected (in reply to end of DATA command)");
        assertThat(res.of("x@example.com").status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(res.of("gone@example.com").text()).endsWith("(in reply to RCPT TO command)");
    }

    @Test
    void tooBigForTheServerIsBouncedWithoutSending() throws Exception {
        server.ehloKeywords = "PIPELINING\nSIZE 20";
        agent("");
        Envelope e = message("x@example.com");
        RecipientResult r = deliver(e, hop()).all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.3.4");
        assertThat(r.text()).isEqualTo("message size " + e.contentLength()
                + " exceeds size limit 20 of server 127.0.0.1[127.0.0.1]");
        assertThat(server.verbs()).doesNotContain("MAIL");
    }

    @Test
    void dsnAndMimeParametersArePassedThrough() throws Exception {
        agent("");
        Envelope e = fx.write(new Fixture.Message("s@example.org",
                List.of("u@example.com|orig@example.com|rfc822;orig+x@example.com|6", "v@example.com|old@example.com||1"),
                Map.of("body", "8BITMIME", "ret", "HDRS", "envid", "id=1"), List.of("Subject: x", "", "body")));
        deliver(e, hop());
        assertThat(server.received).contains(
                "MAIL FROM:<s@example.org> SIZE=" + e.contentLength() + " BODY=8BITMIME ENVID=id+3D1 RET=HDRS",
                "RCPT TO:<u@example.com> ORCPT=rfc822;orig+2Bx@example.com NOTIFY=SUCCESS,FAILURE",
                "RCPT TO:<v@example.com> ORCPT=rfc822;old@example.com NOTIFY=NEVER");
    }

    @Test
    void fallbackRelayGetsWhatThePrimaryRefused() throws Exception {
        try (TestSmtpServer backup = TestSmtpServer.tcp()) {
            server.replies.put("GREETING", "421 4.3.2 busy");
            agent("smtp_fallback_relay = [127.0.0.1]:" + backup.port() + "\n");
            RecipientResult r = deliver(message("x@example.com"), hop()).all.get(0);
            assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(r.relay()).isEqualTo("127.0.0.1[127.0.0.1]:" + backup.port());
            assertThat(backup.messages).hasSize(1);
            assertThat(fx.log()).contains(": host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.3.2 busy");
        }
    }

    @Test
    void bindAddressIsTheSourceAddress() throws Exception {
        agent("", Map.of("smtp_bind_address", "127.0.0.2"), "smtp");
        deliver(message("x@example.com"), hop());
        assertThat(server.clientAddresses).containsExactly("127.0.0.2");
    }

    @Test
    void lmtpOverAUnixSocketReportsEachRecipient() throws Exception {
        Path sock = tmp.resolve("lmtp.sock");
        try (TestSmtpServer lmtp = TestSmtpServer.unix(sock)) {
            lmtp.lmtp = true;
            lmtp.replies.put("DOT:full@example.com", "452 4.2.2 <full@example.com> mailbox full");
            agent("", Map.of(), "lmtp");
            Fixture.Results res = deliver(message("ok@example.com", "full@example.com"), "unix:" + sock);
            assertThat(res.of("ok@example.com").status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(res.of("ok@example.com").relay()).isEqualTo("tern.test[" + sock + "]");
            RecipientResult full = res.of("full@example.com");
            assertThat(full.status()).isEqualTo(RecipientResult.Status.DEFERRED);
            assertThat(full.text()).isEqualTo("host tern.test[" + sock + "] said: 452 4.2.2 <full@example.com> mailbox"
                    + " full (in reply to end of DATA command)");
            assertThat(lmtp.received.get(0)).isEqualTo("LHLO tern.test");
        }
    }
}
