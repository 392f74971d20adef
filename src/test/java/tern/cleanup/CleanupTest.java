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
import tern.config.MainCf;
import tern.log.MailLog;
import tern.queue.ContentStream;
import tern.queue.DirSync;
import tern.queue.Envelope;
import tern.queue.Queue;
import tern.queue.QueueFile;
import tern.queue.QueueId;

class CleanupTest {
    @TempDir
    Path tmp;
    Queue queue;
    List<Envelope> queued = new ArrayList<>();
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws IOException {
        queue = new Queue(tmp.resolve("spool"));
        queue.create();
    }

    Cleanup cleanup(boolean local, String... mainCf) throws Exception {
        Config c = Config.of(tmp, MainCf.parse(tmp.resolve("main.cf"), "myhostname = mx.example.test\n" + String.join("\n", mainCf) + "\n"));
        MailLog log = MailLog.toStream("mx.example.test", new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        return new Cleanup(c, queue, new QueueId(), null, new DirSync(queue.dir(Queue.Dir.INCOMING)), log.logger("postfix", "cleanup"),
                Cleanup.canonicalOnly(a -> a.contains("@") ? a : a + "@mx.example.test"), o -> local, queued::add);
    }

    static Origin smtp() {
        return Origin.network("localhost", "127.0.0.1", 40000, "client.test", "ESMTP", "smtp", null);
    }

    static void lines(CleanupStream s, String... lines) throws IOException {
        for (String l : lines) {
            byte[] b = l.getBytes(StandardCharsets.UTF_8);
            s.contentLine(b, 0, b.length);
        }
    }

    String content(Envelope e) throws IOException {
        try (FileChannel ch = FileChannel.open(queue.path(Queue.Dir.INCOMING, e.id()))) {
            return new String(ContentStream.of(ch, e).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void addsReceivedAndMissingHeadersForLocalMail() throws Exception {
        Cleanup c = cleanup(true);
        String id;
        try (CleanupStream s = c.begin(smtp())) {
            s.sender("a@b.test", MailParams.NONE);
            s.recipient("root", null, 0);
            lines(s, "Subject: hi", "", "body");
            id = s.commit();
        }
        assertThat(queued).hasSize(1);
        Envelope e = queued.get(0);
        assertThat(e.id()).isEqualTo(id);
        assertThat(e.recipients().get(0).address()).isEqualTo("root@mx.example.test");
        assertThat(e.recipients().get(0).original()).isEqualTo("root");
        String text = content(e);
        assertThat(text).startsWith("Received: from client.test (localhost [127.0.0.1])\n\tby mx.example.test (Postfix) with ESMTP id "
                + id + "\n\tfor <root@mx.example.test>; ");
        assertThat(text).containsPattern("\nSubject: hi\nMessage-Id: <\\d{14}\\." + id + "@mx\\.example\\.test>\nDate: \\w{3}, \\d{1,2} \\w{3} \\d{4} "
                + "\\d\\d:\\d\\d:\\d\\d [+-]\\d{4} \\(.+\\)\nFrom: a@b.test\n\nbody\n$");
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("postfix/cleanup[").contains("]: " + id + ": message-id=<");
        QueueFile q = QueueFile.read(queue.path(Queue.Dir.INCOMING, id));
        assertThat(q.envelope().headerLength()).isLessThan(q.envelope().contentLength());
    }

    @Test
    void remoteMailKeepsItsHeadersAndDropsBcc() throws Exception {
        Cleanup c = cleanup(false);
        try (CleanupStream s = c.begin(smtp())) {
            s.sender("a@b.test", MailParams.NONE);
            s.recipient("x@y.test", null, 0);
            s.recipient("z@y.test", null, 0);
            s.recipient("X@y.test", null, 0); // a duplicate (case-insensitive) of the first
            lines(s, "Bcc: secret@y.test,", " more@y.test", "Message-ID: <m1@b.test>", "Return-Path: <forged@x>", "", "..dots");
            s.commit();
        }
        Envelope e = queued.get(0);
        assertThat(e.recipients()).extracting(r -> r.address()).containsExactly("x@y.test", "z@y.test", "X@y.test");
        String text = content(e);
        assertThat(text).doesNotContain("Bcc").doesNotContain("more@y.test").doesNotContain("Return-Path");
        assertThat(text).doesNotContain("\tfor <").doesNotContain("Date:").doesNotContain("From:");
        assertThat(text).endsWith("Message-ID: <m1@b.test>\n\n..dots\n");
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains(": message-id=<m1@b.test>");
    }

    @Test
    void aNonHeaderLineEndsTheHeadersWithAnEmptyLine() throws Exception {
        Cleanup c = cleanup(false);
        try (CleanupStream s = c.begin(smtp())) {
            s.sender("", MailParams.NONE);
            s.recipient("x@y.test", null, 0);
            lines(s, "Subject: s", "this is body text");
            s.commit();
        }
        assertThat(content(queued.get(0))).endsWith("Subject: s\n\nthis is body text\n");
        // remote mail without a Message-Id: Postfix logs an empty one
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains(queued.get(0).id() + ": message-id=<>\n");
    }

    @Test
    void tooManyHopsIsRejectedAndLeavesNoFile() throws Exception {
        Cleanup c = cleanup(false, "hopcount_limit = 3");
        try (CleanupStream s = c.begin(smtp())) {
            s.sender("a@b.test", MailParams.NONE);
            s.recipient("x@y.test", null, 0);
            lines(s, "Received: 1", "Received: 2", "Delivered-To: x", "Received: 4", "", "b");
            assertThatThrownBy(s::commit).isInstanceOf(CleanupRejectedException.class)
                    .hasMessage("554 5.4.0 Error: too many hops");
        }
        assertThat(queue.list(Queue.Dir.INCOMING)).isEmpty();
        assertThat(queued).isEmpty();
    }

    @Test
    void anAbandonedMessageLeavesNoFile() throws Exception {
        Cleanup c = cleanup(false);
        try (CleanupStream s = c.begin(smtp())) {
            s.sender("a@b.test", MailParams.NONE);
            s.recipient("x@y.test", null, 0);
            lines(s, "Subject: s", "", "half a mess");
            assertThat(Files.list(queue.dir(Queue.Dir.INCOMING)).count()).isEqualTo(1);
        }
        assertThat(Files.list(queue.dir(Queue.Dir.INCOMING)).count()).isZero();
    }

    @Test
    void anOverlongHeaderIsCutAtHeaderSizeLimit() throws Exception {
        Cleanup c = cleanup(false, "header_size_limit = 2000");
        try (CleanupStream s = c.begin(smtp())) {
            s.sender("a@b.test", MailParams.NONE);
            s.recipient("x@y.test", null, 0);
            lines(s, "X-Long: start");
            for (int i = 0; i < 100; i++) {
                lines(s, " continuation line number " + i);
            }
            lines(s, "Subject: after", "", "b");
            s.commit();
        }
        String text = content(queued.get(0));
        assertThat(text).contains("X-Long: start\n").contains("\nSubject: after\n\nb\n");
        assertThat(text.length()).isLessThan(2000 + 400);
    }
    static void part(CleanupStream s, String piece) throws IOException {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        s.contentPart(b, 0, b.length);
    }

    /** A long line reaches cleanup in pieces (smtpd's line_length_limit); it is stored whole, as sent. */
    @Test
    void piecesOfLongLinesAreJoinedInHeadersAndBody() throws Exception {
        Cleanup c = cleanup(false, "header_size_limit = 20000");
        String header = "X-Long: " + "h".repeat(3000);
        String folded = " " + "c".repeat(2500);
        String bodyLine = "b".repeat(4000) + "." + "d".repeat(5999); // a dot where a piece begins
        try (CleanupStream s = c.begin(smtp())) {
            s.sender("a@b.test", MailParams.NONE);
            s.recipient("x@y.test", null, 0);
            part(s, header.substring(0, 1000));
            part(s, header.substring(1000, 2000));
            lines(s, header.substring(2000));
            part(s, folded.substring(0, 1000));
            lines(s, folded.substring(1000));
            lines(s, "Subject: after", "");
            part(s, bodyLine.substring(0, 4000));
            part(s, bodyLine.substring(4000, 8000));
            lines(s, bodyLine.substring(8000));
            part(s, ".starts with a dot ");   // a real line start: stuffed in the file, unstuffed when read
            lines(s, ".and goes on");
            part(s, "Not-A-Header-Part: ");    // pieces after the headers stay in the body
            lines(s, "end");
            s.commit();
        }
        Envelope e = queued.get(0);
        assertThat(content(e)).contains("\n" + header + "\n" + folded + "\nSubject: after\n\n" + bodyLine
                + "\n.starts with a dot .and goes on\nNot-A-Header-Part: end\n");
        String stored = Files.readString(queue.path(Queue.Dir.INCOMING, e.id()), StandardCharsets.ISO_8859_1);
        assertThat(stored).contains("\r\n" + bodyLine + "\r\n..starts with a dot .and goes on\r\n");
    }

    /** The first piece of a line that is not a header ends the header section; the rest joins it in the body. */
    @Test
    void aLongNonHeaderLineBeginsTheBodyWhole() throws Exception {
        Cleanup c = cleanup(false);
        String line = "no header here " + "z".repeat(3000);
        try (CleanupStream s = c.begin(smtp())) {
            s.sender("a@b.test", MailParams.NONE);
            s.recipient("x@y.test", null, 0);
            lines(s, "Subject: s");
            part(s, line.substring(0, 1500));
            lines(s, line.substring(1500));
            s.commit();
        }
        assertThat(content(queued.get(0))).endsWith("Subject: s\n\n" + line + "\n");
    }

    /** A header that grows past header_size_limit in pieces is cut there, and the message goes on. */
    @Test
    void aHeaderInPiecesIsBoundedByHeaderSizeLimit() throws Exception {
        Cleanup c = cleanup(false, "header_size_limit = 2000");
        try (CleanupStream s = c.begin(smtp())) {
            s.sender("a@b.test", MailParams.NONE);
            s.recipient("x@y.test", null, 0);
            part(s, "X-Huge: " + "h".repeat(1000));
            for (int i = 0; i < 50; i++) {
                part(s, "h".repeat(1000));
            }
            lines(s, "h");
            lines(s, "Subject: after", "", "b");
            s.commit();
        }
        String text = content(queued.get(0));
        assertThat(text).contains("X-Huge: h").contains("\nSubject: after\n\nb\n");
        assertThat(text.length()).isLessThan(2000 + 400);
    }
}
