package tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.queue.DirSync;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;
import tern.queue.StatusRecords;

/**
 * postcat against real Postfix 3.7: the message 294DC20C613 of the fixture queue is rebuilt in
 * Tern's format with the same envelope and content, and Tern's postcat must print what Postfix's
 * printed (src/test/resources/tern/cli/postfix/postcat*.out), but for what differs by design: the
 * content offset in message_size (the file layouts differ), Postfix's rewrite_context attribute,
 * and the hashed queue subdirectory in the label. Offsets (-o) and Tern's own status records are
 * pinned in src/test/resources/tern/cli/postcat-*.ref. Also: errors worded as Postfix's.
 */
class PostcatTest {
    private static final String ID = "294DC20C613";
    private static TimeZone saved;

    @TempDir
    static Path tmp;
    static QueueFixture fx;

    @BeforeAll
    static void build() throws IOException {
        saved = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
        fx = new QueueFixture(tmp);
        String[] rcpts = {"m@z.example", "a@y.example", "q@x.example", "b@y.example", "c@z.example", "0@x.example"};
        QueueFileWriter w = QueueFileWriter.create(fx.queue, Queue.Dir.DEFERRED, new QueueId());
        try (DirSync sync = new DirSync(fx.queue.dir(Queue.Dir.DEFERRED))) {
            w.arrival(millis("2026-11-25T12:04:32"));
            w.attribute("create_time", Long.toString(millis("2026-11-25T12:19:00")));
            w.attribute("full_name", "root");
            w.sender("order@s.example");
            for (String r : rcpts) {
                w.recipient(r, r, "rfc822;" + r, 0);
            }
            w.beginContent();
            String content = PostfixQueueFixtureTest.resource("postcat_-bh.out");
            for (String line : content.substring(0, content.length() - 1).split("\n", -1)) {
                if (line.isEmpty()) {
                    w.contentLine(line);
                    w.endHeaders();
                    continue;
                }
                w.contentLine(line);
            }
            w.commit(sync);
        } finally {
            w.close();
        }
        Files.move(w.path(), fx.queue.path(Queue.Dir.DEFERRED, ID), StandardCopyOption.REPLACE_EXISTING);
    }

    @AfterAll
    static void restore() {
        TimeZone.setDefault(saved);
    }

    static long millis(String utc) {
        return ZonedDateTime.of(java.time.LocalDateTime.parse(utc), ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    record Run(int status, String out, String err) {
    }

    static Run postcat(String stdin, String... args) {
        List<String> a = new ArrayList<>(List.of("-c", fx.config()));
        a.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saveErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Postcat.run(a.toArray(new String[0]), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                    new PrintStream(out, true, StandardCharsets.UTF_8));
        } finally {
            System.setErr(saveErr);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** postfix - Postfix's output less what differs by design. */
    static String postfix(String name) throws IOException {
        String s = PostfixQueueFixtureTest.resource(name);
        s = s.replace("deferred/2/" + ID, "deferred/" + ID);
        s = s.replaceAll("(?m)^( 65 )?named_attribute: rewrite_context=local\n", "");
        return offsetField(s);
    }

    /** offsetField - message_size's second field (where the content starts) blanked. */
    static String offsetField(String s) {
        return s.replaceAll("(message_size: +\\d+) +\\d+", "$1 OFFSET");
    }

    /**
     * golden - actual must equal src/test/resources/tern/cli/NAME. A missing golden file is written to
     * target/golden/NAME for review (copy it into place once it is right) and fails the test.
     */
    static void golden(String name, String actual) throws IOException {
        try (var in = PostcatTest.class.getResourceAsStream("/tern/cli/" + name)) {
            if (in == null) {
                Path out = Path.of("target/golden", name);
                Files.createDirectories(out.getParent());
                Files.writeString(out, actual);
                throw new AssertionError("no golden file " + name + "; wrote " + out.toAbsolutePath() + " for review");
            }
            assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void everySectionAsPostfixShowsIt() throws IOException {
        assertThat(offsetField(postcat("", "-q", ID).out())).isEqualTo(postfix("postcat.out"));
        assertThat(offsetField(postcat("", "-e", "-q", ID).out())).isEqualTo(postfix("postcat_-e.out"));
        assertThat(offsetField(postcat("", "-d", "-q", ID).out())).isEqualTo(postfix("postcat_-d.out"));
        assertThat(postcat("", "-h", "-q", ID).out()).isEqualTo(postfix("postcat_-h.out"));
        assertThat(postcat("", "-b", "-q", ID).out()).isEqualTo(postfix("postcat_-b.out"));
        assertThat(postcat("", "-bh", "-q", ID).out()).isEqualTo(postfix("postcat_-bh.out"));
    }

    @Test
    void offsetsAndStatusRecordsArePinned() throws IOException {
        Path copy = tmp.resolve("status-copy");
        Files.copy(fx.queue.path(Queue.Dir.DEFERRED, ID), copy, StandardCopyOption.REPLACE_EXISTING);
        StatusRecords.failed(copy, 4, millis("2026-11-25T12:19:01"), "4.3.0", "Zed is down");
        StatusRecords.finished(copy, 2, "2.0.0", "sent", "250 2.0.0 Ok: queued as 1234");
        StatusRecords.warned(copy, millis("2026-11-25T16:19:01"));
        golden("postcat-o.ref", postcat("", "-o", "-q", ID).out());
        Run r = postcat("", "-e", copy.toString());
        assertThat(r.status()).isZero();
        golden("postcat-status.ref", r.out().replace(copy.toString(), "FILE"));
    }

    @Test
    void skipsToAnOffsetAndReadsStandardInput() throws IOException {
        String all = postcat("", "-o", "-q", ID).out();
        String from = all.lines().filter(l -> l.contains("Subject: order")).findFirst().orElseThrow();
        long offset = Long.parseLong(from.strip().split(" ")[0]);
        String skipped = postcat("", "-s", Long.toString(offset), "-q", ID).out();
        assertThat(skipped).startsWith("Subject: order\n").endsWith("*** MESSAGE FILE END deferred/" + ID + " ***\n");
        String viaStdin = postcat(Files.readString(fx.queue.path(Queue.Dir.DEFERRED, ID), StandardCharsets.ISO_8859_1)).out();
        assertThat(viaStdin).startsWith("*** ENVELOPE RECORDS stdin ***\n").contains("sender: order@s.example\n");
    }

    @Test
    void errorsAreWordedAsPostfixWordsThem() throws IOException {
        Run nosuch = postcat("", "-q", "ABCDEF123");
        assertThat(nosuch.status()).isEqualTo(1);
        assertThat(nosuch.err()).isEqualTo("postcat: fatal: open queue file ABCDEF123: No such file or directory\n");
        Run bad = postcat("", "-q", "bad/id");
        assertThat(bad.err()).isEqualTo("postcat: fatal: bad mail queue ID: bad/id\n");
        Run missing = postcat("", tmp.resolve("nonexistent").toString());
        assertThat(missing.err()).isEqualTo("postcat: fatal: open " + tmp.resolve("nonexistent") + ": No such file or directory\n");
        Path text = tmp.resolve("hostname");
        Files.writeString(text, "mx.example.test\n");
        Run notQueue = postcat("", text.toString());
        assertThat(notQueue.status()).isZero();
        assertThat(notQueue.err()).isEqualTo("postcat: warning: " + text + ": input is not a valid queue file\n");
        Run offset = postcat("", "-s", "abc", "-q", ID);
        assertThat(offset.status()).isEqualTo(1);
        assertThat(offset.err()).isEqualTo("postcat: fatal: bad offset: abc\n");
        Run usage = postcat("", "-x");
        assertThat(usage.status()).isEqualTo(1);
        assertThat(usage.err()).startsWith("postcat: invalid option -- 'x'\npostcat: fatal: usage: postcat [-b (body text)]");
    }

    @Test
    void aDamagedFileIsShownAsFarAsItGoes() throws IOException {
        byte[] whole = Files.readAllBytes(fx.queue.path(Queue.Dir.DEFERRED, ID));
        Path cut = tmp.resolve("cut");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 40));
        Run r = postcat("", cut.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("sender: order@s.example\n").contains("*** MESSAGE CONTENTS " + cut + " ***\n")
                .contains("Subject: order\n");
        assertThat(r.err()).endsWith("postcat: fatal: record read error\n").contains("postcat: warning: " + cut + ": ");
    }
}
