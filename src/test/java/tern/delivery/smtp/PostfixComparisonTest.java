package tern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.delivery.Fixture;
import tern.delivery.PostfixInstance;
import tern.delivery.RecipientResult;
import tern.delivery.TestSmtpServer;
import tern.dns.HostsFile;
import tern.dns.ResolvConf;
import tern.dns.Resolver;
import tern.queue.Envelope;

/**
 * PostfixComparisonTest - real Postfix 3.7 as the reference, both ways:
 * <ul>
 * <li>Postfix's SMTP client and Tern's, each against the same scripted misbehaving server: the
 *     status, dsn, relay and text of Postfix's log line must be Tern's result, word for word;</li>
 * <li>Postfix's SMTP server as the receiver of Tern's client: accepted mail carries Postfix's
 *     queue id in Tern's result, refused mail bounces with Postfix's reply.</li>
 * </ul>
 */
class PostfixComparisonTest {
    @TempDir
    static Path tmp;
    static PostfixInstance postfix;
    static final Map<String, TestSmtpServer> servers = new LinkedHashMap<>();
    static Fixture fx;
    static SmtpAgent agent;
    static TestSmtpServer lmtp;
    static Path lmtpSocket;
    static Path script;
    static final List<String> PIPES = List.of("pipeok", "pipe67", "pipe1", "pipe75", "pipedsn");
    static final Resolver dns = new Resolver(ResolvConf.of(List.of(new java.net.InetSocketAddress("127.0.0.1", 9)),
            java.time.Duration.ofMillis(200), 1), new HostsFile(Path.of("/nonexistent")));

    /** The scripts: one server, and one recipient domain routed to it, per case. */
    static Map<String, Map<String, String>> scripts() {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        m.put("multiline", Map.of("RCPT", "550-5.1.1 <u@x>: first line\n550 5.1.1 second line"));
        m.put("soft", Map.of("RCPT", "450 4.2.1 mailbox busy, try later"));
        m.put("nodsn", Map.of("RCPT", "550 no such user here"));
        m.put("drop", Map.of("DROP_IN_DATA", "body"));
        m.put("garbage", Map.of("GREETING", "!garbage"));
        m.put("refused", Map.of("GREETING", "554 5.7.1 no thanks"));
        m.put("dotreject", Map.of("DOT", "552 5.3.4 message too big for this mailbox"));
        m.put("mailreject", Map.of("MAIL", "553 5.7.1 sender rejected"));
        m.put("helo", Map.of("EHLO", "500 5.5.1 what?", "DOT", "250 2.0.0 Ok: queued as FIXED"));
        return m;
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.available(), "real Postfix (and root) is needed");
        StringBuilder transport = new StringBuilder("relay.test=discard:");
        for (Map.Entry<String, Map<String, String>> e : scripts().entrySet()) {
            TestSmtpServer s = TestSmtpServer.tcp();
            s.replies.putAll(e.getValue());
            servers.put(e.getKey(), s);
            transport.append(", ").append(e.getKey()).append(".test=smtp:[127.0.0.1]:").append(s.port());
        }
        List<String> settings = new ArrayList<>(List.of("relay_domains = relay.test",
                "transport_maps = inline:{" + transport + "}", "smtp_helo_timeout = 2s",
                "smtp_connection_cache_on_demand = no"));
        // LMTP over a UNIX-domain socket, and pipe(8) services running one stand-in script
        lmtpSocket = tmp.resolve("lmtp.sock");
        lmtp = TestSmtpServer.unix(lmtpSocket);
        lmtp.lmtp = true;
        lmtp.replies.put("DOT:full@lmtpcase.test", "452 4.2.2 <full@lmtpcase.test> mailbox full");
        lmtp.replies.put("RCPT:gone@lmtpcase.test", "550 5.1.1 <gone@lmtpcase.test> unknown user");
        java.nio.file.Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        java.nio.file.Files.setPosixFilePermissions(lmtpSocket,
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        transport.append(", lmtpcase.test=lmtp:unix:").append(lmtpSocket);
        script = tmp.resolve("standin.sh");
        java.nio.file.Files.writeString(script, """
                #!/bin/sh
                cat >/dev/null
                case "$1" in
                *@pipeok.test) exit 0;;
                *@pipe67.test) echo "no such user"; exit 67;;
                *@pipe1.test) printf 'oops\\tand\\nmore\\n'; exit 1;;
                *@pipe75.test) exit 75;;
                *@pipedsn.test) echo "4.2.1 mailbox busy"; exit 1;;
                esac
                exit 0
                """);
        java.nio.file.Files.setPosixFilePermissions(script,
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> master = new ArrayList<>();
        for (String p : PIPES) {
            transport.append(", ").append(p).append(".test=").append(p).append(':');
            master.add(p + " unix - n n - - pipe flags=R user=nobody argv=" + script + " ${recipient}");
        }
        settings.set(1, "transport_maps = inline:{" + transport + "}");
        settings.add("default_transport = error:no route"); // nothing else leaves this instance
        postfix = PostfixInstance.start(tmp.resolve("pf"), settings, master);
        fx = new Fixture(tmp.resolve("tern"));
        agent = new SmtpAgent(fx.context(fx.config("smtp_helo_timeout = 2s\nmyhostname = mx.example.test\n",
                Map.of()), "smtp", "smtp", List.of()), dns, List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        for (TestSmtpServer s : servers.values()) {
            s.close();
        }
        if (lmtp != null) {
            lmtp.close();
        }
        if (postfix != null) {
            postfix.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    /** submit - one message into Postfix's smtpd, with the null sender so that no bounce follows. */
    static String submit(String from, String to) throws IOException {
        return converse(from, to, true);
    }

    /** converse - EHLO, MAIL, RCPT (and DATA when data) with Postfix's smtpd; the replies, one line each. */
    static String converse(String from, String to, boolean data) throws IOException {
        try (Socket s = new Socket("127.0.0.1", postfix.port())) {
            s.setSoTimeout(10_000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            var out = s.getOutputStream();
            StringBuilder transcript = new StringBuilder();
            String[] cmds = data
                    ? new String[]{null, "EHLO client.test", "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">", "DATA",
                            "Subject: comparison\r\n\r\nbody\r\n.", "QUIT"}
                    : new String[]{null, "EHLO client.test", "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">", "QUIT"};
            for (String c : cmds) {
                if (c != null) {
                    out.write((c + "\r\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                String l;
                do {
                    l = in.readLine();
                    transcript.append(l).append('\n');
                } while (l != null && l.length() > 3 && l.charAt(3) == '-');
            }
            return transcript.toString();
        }
    }

    static final Pattern LOGGED = Pattern.compile("relay=(\\S+), .*dsn=(\\S+), status=(\\w+) \\((.*)\\)$");

    @Test
    void sameWordsAsPostfixForEveryMisbehaviour() throws Exception {
        for (String name : scripts().keySet()) {
            String rcpt = "u@" + name + ".test";
            submit("", rcpt);
            String line = postfix.awaitLog("postfix/smtp\\[.*to=<" + Pattern.quote(rcpt) + ">.*status=", 20);
            assertThat(line).as("Postfix's log line for " + name).isNotNull();
            Matcher m = LOGGED.matcher(line);
            assertThat(m.find()).as(line).isTrue();
            Envelope e = fx.write(new Fixture.Message("", List.of(rcpt), Map.of(), List.of("Subject: comparison", "",
                    "body")));
            Fixture.Results res = new Fixture.Results();
            agent.deliver(fx.request(e, "smtp", "[127.0.0.1]:" + servers.get(name).port()), res);
            RecipientResult r = res.all.get(0);
            assertThat(r.text()).as(name).isEqualTo(m.group(4));
            assertThat(r.dsn()).as(name).isEqualTo(m.group(2));
            assertThat(r.status().word()).as(name).isEqualTo(m.group(3));
            assertThat(r.relay()).as(name).isEqualTo(m.group(1));
        }
    }

    /** postfixSays - submit to Postfix and return its delivery log line's relay, dsn, status and text. */
    static Matcher postfixSays(String rcpt) throws Exception {
        submit("", rcpt);
        String line = postfix.awaitLog("postfix/\\w+\\[.*to=<" + Pattern.quote(rcpt) + ">.*status=", 20);
        assertThat(line).as("Postfix's log line for " + rcpt).isNotNull();
        Matcher m = LOGGED.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return m;
    }

    static void assertSame(String what, RecipientResult r, Matcher m) {
        assertThat(r.text()).as(what).isEqualTo(m.group(4));
        assertThat(r.dsn()).as(what).isEqualTo(m.group(2));
        assertThat(r.status().word()).as(what).isEqualTo(m.group(3));
        assertThat(r.relay()).as(what).isEqualTo(m.group(1));
    }

    @Test
    void lmtpOverAUnixSocketLikePostfix() throws Exception {
        SmtpAgent lmtpAgent = new SmtpAgent(fx.context(fx.config("myhostname = mx.example.test\n", Map.of()), "lmtp",
                "lmtp", List.of()), dns, List.of());
        try {
            for (String user : List.of("ok", "full", "gone")) {
                String rcpt = user + "@lmtpcase.test";
                Matcher m = postfixSays(rcpt);
                Envelope e = fx.write(new Fixture.Message("", List.of(rcpt), Map.of(), List.of("Subject: x", "", "b")));
                Fixture.Results res = new Fixture.Results();
                lmtpAgent.deliver(fx.request(e, "lmtp", "unix:" + lmtpSocket), res);
                RecipientResult r = res.all.get(0);
                if (user.equals("ok")) {
                    // the text is the server's reply, which names the recipient; the rest must match
                    assertThat(r.text()).isEqualTo(m.group(4));
                }
                assertSame("lmtp " + user, r, m);
            }
        } finally {
            lmtpAgent.close();
        }
    }

    @Test
    void pipeLikePostfix() throws Exception {
        for (String p : PIPES) {
            String rcpt = "u@" + p + ".test";
            Matcher m = postfixSays(rcpt);
            tern.delivery.pipe.PipeAgent agent = new tern.delivery.pipe.PipeAgent(fx.context(fx.config("", Map.of()),
                    p, "pipe", List.of("flags=R", "user=nobody", "argv=" + script, "${recipient}")));
            Envelope e = fx.write(new Fixture.Message("", List.of(rcpt), Map.of(), List.of("Subject: x", "", "b")));
            Fixture.Results res = new Fixture.Results();
            agent.deliver(fx.request(e, p, p + ".test"), res);
            assertSame(p, res.all.get(0), m);
        }
    }

    @Test
    void postfixAsTheReceiver() throws Exception {
        Envelope e = fx.write(new Fixture.Message("sender@example.org", List.of("u@relay.test", "v@elsewhere.test"),
                Map.of(), List.of("Message-ID: <cmp-1@example.org>", "Subject: to postfix", "", "body")));
        Fixture.Results res = new Fixture.Results();
        agent.deliver(fx.request(e, "smtp", "[127.0.0.1]:" + postfix.port()), res);
        RecipientResult ok = res.of("u@relay.test");
        assertThat(ok.status()).isEqualTo(RecipientResult.Status.SENT);
        assertThat(ok.relay()).isEqualTo("127.0.0.1[127.0.0.1]:" + postfix.port());
        Matcher q = Pattern.compile("^250 2\\.0\\.0 Ok: queued as (\\w+)$").matcher(ok.text());
        assertThat(q.find()).as(ok.text()).isTrue();
        String id = q.group(1);
        assertThat(postfix.awaitLog(id + ": message-id=<cmp-1@example.org>", 20)).isNotNull();
        assertThat(postfix.awaitLog(id + ": to=<u@relay.test>.*status=sent", 20)).isNotNull();
        // what Postfix's smtpd answers to that RCPT, asked directly, is what Tern reports
        String[] replies = converse("sender@example.org", "v@elsewhere.test", false).split("\n");
        String rcptReply = replies[replies.length - 2];
        assertThat(rcptReply).startsWith("5");
        RecipientResult denied = res.of("v@elsewhere.test");
        assertThat(denied.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(denied.dsn()).isEqualTo(rcptReply.substring(4, 9));
        assertThat(denied.text()).isEqualTo("host 127.0.0.1[127.0.0.1] said: " + rcptReply + " (in reply to RCPT TO command)");
    }
}
