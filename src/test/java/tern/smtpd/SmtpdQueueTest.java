package tern.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.cleanup.Cleanup;
import tern.config.Config;
import tern.config.MainCf;
import tern.log.MailLog;
import tern.queue.ContentStream;
import tern.queue.DirSync;
import tern.queue.Envelope;
import tern.queue.Queue;
import tern.queue.QueueId;

/**
 * SmtpdQueueTest - smtpd in front of the real cleanup and queue: what "250 ... queued as ID" names
 * is a queue file in incoming with the client's envelope and content, and a message that was not
 * acknowledged (client gone in DATA, too big, RSET after RCPT) leaves no file behind.
 */
class SmtpdQueueTest {
    @TempDir
    Path tmp;
    Queue queue;
    final List<Envelope> queued = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        queue = new Queue(tmp.resolve("spool"));
        queue.create();
    }

    private TestServer server(String... extra) throws Exception {
        List<String> cf = new ArrayList<>(SmtpServerTest.BASE);
        cf.addAll(List.of(extra));
        Config c = Config.of(tmp, MainCf.parse(tmp.resolve("main.cf"), String.join("\n", cf) + "\n"));
        MailLog log = MailLog.toFile("mx.example.test", tmp.resolve("cleanup.log"));
        Cleanup cleanup = new Cleanup(c, queue, new QueueId(), null, new DirSync(queue.dir(Queue.Dir.INCOMING)),
                log.logger("postfix", "cleanup"), Cleanup.canonicalOnly(a -> a), o -> false, queued::add);
        return new TestServer(tmp.resolve("smtpd"), cf, null, "127.0.0.1", cleanup);
    }

    private List<Path> incoming() throws IOException {
        try (Stream<Path> s = Files.list(queue.dir(Queue.Dir.INCOMING))) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        }
    }

    @Test
    void queuedAsNamesADurableFile() throws Exception {
        try (TestServer t = server(); Client c = new Client(t.port())) {
            c.reply();
            c.cmd("EHLO client.example");
            c.cmd("MAIL FROM:<alice@example.net> ENVID=e1 RET=HDRS");
            c.cmd("RCPT TO:<root@localhost> NOTIFY=FAILURE ORCPT=rfc822;root@localhost");
            c.cmd("DATA");
            c.send("Subject: through the queue", "", "body", "..dot");
            String reply = c.cmd(".");
            assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
            String id = reply.substring("250 2.0.0 Ok: queued as ".length());
            c.cmd("QUIT");
            t.idle();
            assertThat(queued).hasSize(1);
            Envelope e = queued.get(0);
            assertThat(e.id()).isEqualTo(id);
            assertThat(incoming()).extracting(p -> p.getFileName().toString()).contains(id);
            assertThat(e.sender()).isEqualTo("alice@example.net");
            assertThat(e.recipients().get(0).address()).isEqualTo("root@localhost");
            String content;
            try (FileChannel ch = FileChannel.open(queue.path(Queue.Dir.INCOMING, id))) {
                content = new String(ContentStream.of(ch, e).readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(content).startsWith("Received: from client.example (localhost [127.0.0.1])\n")
                    .contains("with ESMTP id " + id, "Subject: through the queue\n\nbody\n.dot\n");
        }
    }

    @Test
    void unacknowledgedMessagesLeaveNoFile() throws Exception {
        try (TestServer t = server("message_size_limit = 2000")) {
            try (Client c = new Client(t.port())) {
                c.reply();
                c.cmd("EHLO client.example");
                c.cmd("MAIL FROM:<a@example.net>");
                c.cmd("RCPT TO:<root@localhost>");
                assertThat(c.cmd("RSET")).isEqualTo("250 2.0.0 Ok");
                c.cmd("MAIL FROM:<a@example.net>");
                c.cmd("RCPT TO:<root@localhost>");
                c.cmd("DATA");
                c.send("Subject: big", "", "x".repeat(900), "x".repeat(900), "x".repeat(900));
                assertThat(c.cmd(".")).isEqualTo("552 5.3.4 Error: message file too big");
                c.cmd("MAIL FROM:<a@example.net>");
                c.cmd("RCPT TO:<root@localhost>");
                c.cmd("DATA");
                c.send("Subject: never finished", "", "half a message");
            }
            t.idle();
            assertThat(queued).isEmpty();
            assertThat(incoming()).isEmpty();
        }
    }
    /**
     * Lines longer than line_length_limit (a long header, a 10,000-character body line, one with a
     * dot where a piece of it begins) reach the queue exactly as sent, by DATA and by BDAT chunks
     * that end in the middle of a line.
     */
    @Test
    void longLinesAreQueuedWhole() throws Exception {
        String header = "X-Long: " + "h".repeat(5000);
        String body = "b".repeat(2048) + "." + "x".repeat(7951);
        String dotted = "." + "d".repeat(4500);
        String message = "Subject: long\r\n" + header + "\r\n\r\n" + body + "\r\n" + dotted + "\r\nend\r\n";
        try (TestServer t = server(); Client c = new Client(t.port())) {
            c.reply();
            c.cmd("EHLO client.example");
            c.cmd("MAIL FROM:<a@example.net>");
            c.cmd("RCPT TO:<root@localhost>");
            c.cmd("DATA");
            c.raw(message.replace("\r\n.", "\r\n.."));
            assertThat(c.cmd(".")).startsWith("250 2.0.0 Ok: queued as ");
            c.cmd("MAIL FROM:<a@example.net>");
            c.cmd("RCPT TO:<root@localhost>");
            int cut = message.indexOf(body) + 3000;
            c.raw("BDAT " + cut + "\r\n" + message.substring(0, cut));
            assertThat(c.reply()).isEqualTo("250 2.0.0 Ok: " + cut + " bytes");
            String rest = message.substring(cut);
            c.raw("BDAT " + rest.length() + " LAST\r\n" + rest);
            // Postfix (checked with 3.7) counts a line end for each 2048-byte piece of a long line: 2 + 4 + 2
            assertThat(c.reply()).startsWith("250 2.0.0 Ok: " + (message.length() + 16) + " bytes queued as ");
            c.cmd("QUIT");
            t.idle();
        }
        assertThat(queued).hasSize(2);
        for (Envelope e : queued) {
            String content;
            try (FileChannel ch = FileChannel.open(queue.path(Queue.Dir.INCOMING, e.id()))) {
                content = new String(ContentStream.of(ch, e).readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(content).endsWith("\n" + message.replace("\r\n", "\n"));
        }
    }
}
