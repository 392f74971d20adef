package tern.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.config.Config;
import tern.log.MailLog;
import tern.queue.ContentStream;
import tern.queue.DirSync;
import tern.queue.Envelope;
import tern.queue.Queue;
import tern.queue.QueueId;
import tern.rewrite.TrivialRewrite;
import tern.tables.TableOpener;

/**
 * Address rewriting in headers through cleanup, with the real mappings. The expected headers were
 * recorded from Postfix 3.7.11 with the same main.cf (a private instance; messages held by a
 * header_checks HOLD and read back with postcat -hq), except where a test says that Tern differs.
 */
class HeaderRewriteTest {
    @TempDir
    Path tmp;
    Queue queue;
    List<Envelope> queued = new ArrayList<>();
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws IOException {
        queue = new Queue(tmp.resolve("spool"));
        queue.create();
        Files.write(tmp.resolve("canon"), List.of("joe@example.test  Joe.Smith@example.test", "bob  robert@example.test"));
        Files.write(tmp.resolve("sc.re"), List.of("/^(.*)@a\\.example\\.test$/ ${1}@SENDER.test"));
        Files.write(tmp.resolve("rc.re"), List.of("/^(.*)@a\\.example\\.test$/ ${1}@RCPT.test"));
    }

    /** cleanup - main.cf as in the Postfix comparison, plus lines; the client 127.0.0.1 is local (permit_inet_interfaces). */
    Cleanup cleanup(String... lines) throws Exception {
        List<String> all = new ArrayList<>(List.of("compatibility_level = 3.6", "myhostname = mx.example.test",
                "myorigin = example.test", "mydestination =", "inet_interfaces = 127.0.0.1", "mynetworks = 127.0.0.0/8",
                "alias_maps =", "local_recipient_maps ="));
        all.addAll(List.of(lines));
        Files.write(tmp.resolve("main.cf"), all);
        Config c = Config.load(tmp);
        MailLog log = MailLog.toStream("mx.example.test", new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        TableOpener tables = TableOpener.fromConfig(c, w -> logBytes.writeBytes(w.getBytes(StandardCharsets.UTF_8)));
        TrivialRewrite rewrite = TrivialRewrite.open(c, tables, log.logger("postfix", "cleanup"));
        return new Cleanup(c, queue, new QueueId(), null, new DirSync(queue.dir(Queue.Dir.INCOMING)),
                log.logger("postfix", "cleanup"), rewrite.mappings(), LocalHeaderClients.of(c, tables, w -> { }),
                queued::add);
    }

    Cleanup mapsAndMasquerade(String... more) throws Exception {
        List<String> l = new ArrayList<>(List.of("sender_canonical_maps = texthash:" + tmp.resolve("canon"),
                "masquerade_domains = example.test"));
        l.addAll(List.of(more));
        return cleanup(l.toArray(new String[0]));
    }

    Cleanup senderAndRecipientMaps(String... more) throws Exception {
        List<String> l = new ArrayList<>(List.of("sender_canonical_maps = regexp:" + tmp.resolve("sc.re"),
                "recipient_canonical_maps = regexp:" + tmp.resolve("rc.re")));
        l.addAll(List.of(more));
        return cleanup(l.toArray(new String[0]));
    }

    static Origin client(String address) {
        return Origin.network("client.test", address, 40000, "client.test", "ESMTP", "smtp", null);
    }

    /** headers - the message's headers after cleanup, without Received:, Subject:, Message-Id:, Date:, and added From:. */
    String headers(Cleanup c, Origin origin, String... headerLines) throws IOException {
        try (CleanupStream s = c.begin(origin)) {
            s.sender("joe@example.test", MailParams.NONE);
            s.recipient("x@remote.test", null, 0);
            for (String l : headerLines) {
                byte[] b = l.getBytes(StandardCharsets.UTF_8);
                s.contentLine(b, 0, b.length);
            }
            byte[] subject = "Subject: t".getBytes(StandardCharsets.US_ASCII);
            s.contentLine(subject, 0, subject.length);
            s.contentLine(new byte[0], 0, 0);
            s.commit();
        }
        Envelope e = queued.get(queued.size() - 1);
        String text;
        try (FileChannel ch = FileChannel.open(queue.path(Queue.Dir.INCOMING, e.id()))) {
            text = new String(ContentStream.of(ch, e).readAllBytes(), StandardCharsets.UTF_8);
        }
        String head = text.substring(0, text.indexOf("\n\n") + 1);
        StringBuilder out = new StringBuilder();
        boolean skip = false;
        for (String l : head.split("\n")) {
            if (!l.startsWith(" ") && !l.startsWith("\t")) {
                skip = l.startsWith("Received:") || l.startsWith("Subject: t") || l.startsWith("Message-Id:")
                        || l.startsWith("Date:") || l.startsWith("Resent-Message-Id:") || l.startsWith("Resent-Date:");
            }
            if (!skip) {
                out.append(l).append('\n');
            }
        }
        return out.toString();
    }

    @Test
    void canonicalMapsAndMasqueradingAsPostfix() throws Exception {
        Cleanup c = mapsAndMasquerade();
        assertThat(headers(c, client("127.0.0.1"),
                "From: \"Joe S.\" <joe@example.test>",
                "To: a@host.example.test (Comment here), Bob <bob@x.example.test>,",
                "\tplain",
                "Cc: group: c1@a.example.test, \"q,x\" <c2@b.example.test>;, d@other.test",
                "Reply-To: joe@sub.example.test",
                "Sender: bob")).isEqualTo(
                "From: \"Joe S.\" <Joe.Smith@example.test>\n"
                + "To: a@example.test (Comment here), Bob <bob@example.test>,\n"
                + "\tplain@example.test\n"
                + "Cc: group: c1@example.test, \"q,x\" <c2@example.test>;, d@other.test\n"
                + "Reply-To: joe@example.test\n"
                + "Sender: robert@example.test\n");
        assertThat(headers(c, client("127.0.0.1"),
                "From: joe@example.test (Joe Smith)",
                "Cc: Undisclosed recipients:;",
                "Apparently-To: <@route.test:r@c.example.test>",
                "Errors-To: e@a.example.test",
                "Return-Receipt-To: rr@a.example.test",
                "Mail-Followup-To: mf@a.example.test",
                "Disposition-Notification-To: dn@a.example.test",
                "X-Other: xo@a.example.test")).isEqualTo(
                "From: Joe.Smith@example.test (Joe Smith)\n"
                + "Cc: Undisclosed recipients:;\n"
                + "Apparently-To: <r@example.test>\n"
                + "Errors-To: e@example.test\n"
                + "Return-Receipt-To: rr@example.test\n"
                + "Mail-Followup-To: mf@example.test\n"
                + "Disposition-Notification-To: dn@example.test\n"
                + "X-Other: xo@a.example.test\n");
    }

    @Test
    void senderAndRecipientHeaderClassesAsPostfix() throws Exception {
        Cleanup c = senderAndRecipientMaps();
        assertThat(headers(c, client("127.0.0.1"),
                "From: f@a.example.test", "Sender: s@a.example.test", "Reply-To: rt@a.example.test",
                "Resent-Reply-To: rrt@a.example.test", "Resent-From: rf@a.example.test",
                "Resent-Sender: rs@a.example.test", "To: t@a.example.test", "Cc: c@a.example.test",
                "Resent-To: rto@a.example.test", "Resent-Cc: rc@a.example.test", "Apparently-To: at@a.example.test",
                "Errors-To: e@a.example.test", "Return-Receipt-To: rr@a.example.test",
                "Mail-Followup-To: mf@a.example.test", "Disposition-Notification-To: dn@a.example.test",
                "Absent-Return-Receipt-To: ar@a.example.test", "Delivered-To: dt@a.example.test",
                "X-Original-To: xo@a.example.test", "To: bare", "To: host@nodot")).isEqualTo(
                "From: f@SENDER.test\n"
                + "Sender: s@SENDER.test\n"
                + "Reply-To: rt@SENDER.test\n"
                + "Resent-Reply-To: rrt@RCPT.test\n"
                + "Resent-From: rf@SENDER.test\n"
                + "Resent-Sender: rs@SENDER.test\n"
                + "To: t@RCPT.test\n"
                + "Cc: c@RCPT.test\n"
                + "Resent-To: rto@RCPT.test\n"
                + "Resent-Cc: rc@RCPT.test\n"
                + "Apparently-To: at@RCPT.test\n"
                + "Errors-To: e@SENDER.test\n"
                + "Return-Receipt-To: rr@SENDER.test\n"
                + "Mail-Followup-To: mf@SENDER.test\n"
                + "Disposition-Notification-To: dn@SENDER.test\n"
                + "Absent-Return-Receipt-To: ar@a.example.test\n"
                + "Delivered-To: dt@a.example.test\n"
                + "X-Original-To: xo@a.example.test\n"
                + "To: bare@example.test\n"
                + "To: host@nodot\n");
    }

    @Test
    void remoteClientsHeadersStayUnlessRemoteHeaderRewriteDomain() throws Exception {
        String[] in = {"From: \"Joe S.\" <joe@example.test>", "To: bare, \"Q\" <t@a.example.test>",
                "Cc: h@nodot, m@x.example.test", "Sender: bob"};
        Cleanup c = senderAndRecipientMaps("masquerade_domains = example.test");
        assertThat(headers(c, client("127.0.0.2"), in)).isEqualTo(String.join("\n", in) + "\n");
        // local_header_rewrite_clients can take the local client out, too
        c = senderAndRecipientMaps("masquerade_domains = example.test", "local_header_rewrite_clients =");
        assertThat(headers(c, client("127.0.0.1"), in)).isEqualTo(String.join("\n", in) + "\n");
        // with remote_header_rewrite_domain: that domain completes addresses; maps and masquerading apply
        c = senderAndRecipientMaps("masquerade_domains = example.test", "remote_header_rewrite_domain = domain.invalid");
        assertThat(headers(c, client("127.0.0.2"), in)).isEqualTo(
                "From: \"Joe S.\" <joe@example.test>\n"
                + "To: bare@domain.invalid, \"Q\" <t@RCPT.test>\n"
                + "Cc: h@nodot, m@example.test\n"
                + "Sender: bob@domain.invalid\n");
        c = senderAndRecipientMaps("masquerade_domains = example.test", "remote_header_rewrite_domain = domain.invalid",
                "append_dot_mydomain = yes", "mydomain = dom.test");
        assertThat(headers(c, client("127.0.0.2"), "Cc: h@nodot, m@x.example.test, z@trail.dot."))
                .isEqualTo("Cc: h@nodot.domain.invalid, m@example.test, z@trail.dot\n");
        assertThat(headers(c, client("127.0.0.1"), "Cc: h@nodot, z@trail.dot.", "From: x@y.test"))
                .isEqualTo("Cc: h@nodot.dom.test, z@trail.dot\nFrom: x@y.test\n");
    }

    @Test
    void localSubmissionIsRewrittenAndNoConfigurationStillQualifiesBareNames() throws Exception {
        Cleanup c = cleanup();
        assertThat(headers(c, Origin.local("pickup", 0), "From: Joe <joe>", "To: x@y.test, other"))
                .isEqualTo("From: Joe <joe@example.test>\nTo: x@y.test, other@example.test\n");
        c = cleanup("receive_override_options = no_address_mappings", "masquerade_domains = example.test");
        assertThat(headers(c, client("127.0.0.1"), "From: Joe <joe@sub.example.test>", "To: other"))
                .isEqualTo("From: Joe <joe@sub.example.test>\nTo: other@example.test\n");
    }

    @Test
    void classesLimitWhatIsRewritten() throws Exception {
        Cleanup c = senderAndRecipientMaps("sender_canonical_classes = envelope_sender",
                "masquerade_domains = example.test", "masquerade_classes = envelope_sender, header_recipient",
                "masquerade_exceptions = root");
        assertThat(headers(c, client("127.0.0.1"), "From: f@a.example.test", "To: t@a.example.test, root@x.example.test",
                "Cc: c@x.example.test")).isEqualTo(
                "From: f@a.example.test\nTo: t@RCPT.test, root@x.example.test\nCc: c@example.test\n");
    }

    @Test
    void ternDiffersFromPostfixWhereItKeepsTheHeaderAsWritten() throws Exception {
        Cleanup c = mapsAndMasquerade();
        // Postfix re-writes a changed header from its tokens ("To: <x@example.test>, y@example.test",
        // "FROM: upper@example.test", "\tplain@example.test"); Tern changes only the addresses
        assertThat(headers(c, client("127.0.0.1"), "To:   <x@a.example.test>  ,y@b.example.test",
                "FROM:   upper@a.example.test", "Cc: a@b.test,", "  plain")).isEqualTo(
                "To:   <x@example.test>  ,y@example.test\nFROM:   upper@example.test\nCc: a@b.test,\n  plain@example.test\n");
        // Postfix guesses at these ("u@example.test>", "Name@example.test, Only@example.test"); Tern leaves them
        assertThat(headers(c, client("127.0.0.1"), "Resent-To: u@a.example.test>", "Resent-Cc: Name Only",
                "To: \"unterminated <u@a.example.test>")).isEqualTo(
                "Resent-To: u@a.example.test>\nResent-Cc: Name Only\nTo: \"unterminated <u@a.example.test>\n"
                + "From: Joe.Smith@example.test\n"); // added: a local message without From:
    }

    @Test
    void unchangedHeadersStayByteForByte() throws Exception {
        Cleanup c = mapsAndMasquerade();
        String[] in = {"To:  (c) \"A  B\"   <x@example.test>  ,\ty@other.test (  spaced  )",
                "Cc:\t<>, undisclosed:;", "From: =?UTF-8?B?Sm/DqQ==?= <joe@else.test>", "Reply-To: Jörg <jörg@bücher.test>"};
        assertThat(headers(c, client("127.0.0.1"), in)).isEqualTo(String.join("\n", in) + "\n");
    }

    @Test
    void aFailingTableRefusesTheMessageForNow() throws Exception {
        Cleanup c = cleanup("sender_canonical_maps = fail:broken", "sender_canonical_classes = header_sender");
        try (CleanupStream s = c.begin(client("127.0.0.1"))) {
            s.sender("joe@example.test", MailParams.NONE);
            s.recipient("x@remote.test", null, 0);
            byte[] b = "From: joe@example.test".getBytes(StandardCharsets.US_ASCII);
            s.contentLine(b, 0, b.length);
            assertThatThrownBy(() -> s.contentLine(new byte[0], 0, 0)).isInstanceOf(IOException.class);
        }
    }
}
