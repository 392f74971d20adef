package tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;

/**
 * postsuper with the daemon stopped: each operation, "ALL", "-" from standard input, queue names,
 * and Postfix 3.7's messages in Postfix's order (as observed on the real program: per-message lines
 * in argument order, the counts in a fixed order, counts only for the operations asked for).
 */
class PostsuperTest {
    @TempDir
    Path tmp;
    QueueFixture fx;

    static final String A = "AAAAA000001";
    static final String B = "BBBBB000002";
    static final String C = "CCCCC000003";
    static final String D = "DDDDD000004";

    @BeforeEach
    void setUp() throws IOException {
        fx = new QueueFixture(tmp);
        long now = System.currentTimeMillis();
        List<QueueFixture.Rcpt> r = List.of(new QueueFixture.Rcpt("r@x.example", "refused"));
        fx.message(Queue.Dir.DEFERRED, A, now, 300, "a@x.example", r, false);
        fx.message(Queue.Dir.DEFERRED, B, now, 300, "b@x.example", r, false);
        fx.message(Queue.Dir.HOLD, C, now, 300, "c@x.example", r, false);
        fx.message(Queue.Dir.INCOMING, D, now, 300, "d@x.example", List.of(new QueueFixture.Rcpt("r@x.example", null)), false);
    }

    record Run(int status, String err) {
    }

    Run postsuper(String stdin, String... args) {
        List<String> a = new ArrayList<>(List.of("-c", fx.config()));
        a.addAll(List.of(args));
        PrintStream save = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = Postsuper.run(a.toArray(new String[0]), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            return new Run(rc, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(save);
        }
    }

    Queue.Dir where(String id) {
        return fx.queue.find(id);
    }

    @Test
    void eachOperationInArgumentOrderWithCountsInPostfixsOrder() throws IOException {
        Run r = postsuper("", "-r", A, "-d", B, "-h", D, "-H", C, "-e", A);
        assertThat(r.status()).isZero();
        // -e A comes after -r A moved it to maildrop: nothing to expire there, as in Postfix
        assertThat(r.err()).isEqualTo("""
                postsuper: AAAAA000001: requeued
                postsuper: BBBBB000002: removed
                postsuper: DDDDD000004: placed on hold
                postsuper: CCCCC000003: released from hold
                postsuper: Requeued: 1 message
                postsuper: Deleted: 1 message
                postsuper: Force-expired: 0 messages
                postsuper: Placed on hold: 1 message
                postsuper: Released from hold: 1 message
                """);
        assertThat(where(A)).isEqualTo(Queue.Dir.MAILDROP);
        assertThat(where(B)).isNull();
        assertThat(where(C)).isEqualTo(Queue.Dir.DEFERRED);
        assertThat(where(D)).isEqualTo(Queue.Dir.HOLD);
        assertThat(Files.readString(fx.dir.resolve("maillog"))).contains("postfix/postsuper[")
                .contains("]: AAAAA000001: requeued\n").contains("]: Released from hold: 1 message\n");
    }

    @Test
    void allAndQueueNamesAndNothingPerMessage() {
        Run hold = postsuper("", "-h", "ALL", "deferred");
        assertThat(hold.err()).isEqualTo("postsuper: Placed on hold: 2 messages\n");
        assertThat(where(A)).isEqualTo(Queue.Dir.HOLD);
        assertThat(where(D)).isEqualTo(Queue.Dir.INCOMING);
        Run release = postsuper("", "-H", "ALL");
        assertThat(release.err()).isEqualTo("postsuper: Released from hold: 3 messages\n");
        Run lower = postsuper("", "-d", "all");
        assertThat(lower.err()).isEqualTo("postsuper: Deleted: 0 messages\n"); // ALL must be upper case
        Run del = postsuper("", "-d", "ALL");
        assertThat(del.err()).isEqualTo("postsuper: Deleted: 4 messages\n");
        assertThat(fx.queue.find(A)).isNull();
    }

    @Test
    void idsFromStandardInputWithPostfixsWarnings() {
        Run r = postsuper(A + "\ngarbage/1\n" + C + "\n\n  " + B + "  \n", "-d", "-", "-d", C);
        assertThat(r.err()).isEqualTo("postsuper: AAAAA000001: removed\n"
                + "postsuper: warning: invalid mail queue id: garbage/1\n"
                + "postsuper: CCCCC000003: removed\n"
                + "postsuper: warning: invalid mail queue id: \n"
                + "postsuper: warning: invalid mail queue id:   BBBBB000002  \n"
                + "postsuper: Deleted: 2 messages\n");
        assertThat(where(B)).isEqualTo(Queue.Dir.DEFERRED);
    }

    @Test
    void forcedExpiryMarksTheFileAndDashFReleasesIt() throws IOException {
        Run r = postsuper("", "-f", C, "-e", A);
        assertThat(r.err()).isEqualTo("""
                postsuper: CCCCC000003: expired
                postsuper: CCCCC000003: released from hold
                postsuper: AAAAA000001: expired
                postsuper: Force-expired: 2 messages
                postsuper: Released from hold: 1 message
                """);
        assertThat(where(C)).isEqualTo(Queue.Dir.DEFERRED);
        assertThat(Files.getPosixFilePermissions(fx.queue.path(Queue.Dir.DEFERRED, A))).contains(PosixFilePermission.GROUP_EXECUTE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Tool t;
        try {
            t = Tool.open("postqueue", fx.config());
        } catch (Tool.Unusable e) {
            throw new AssertionError(e);
        }
        PrintStream save = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            Postqueue.list(t, false, new PrintStream(out, true, StandardCharsets.UTF_8));
        } finally {
            System.setErr(save);
            t.close();
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\nAAAAA000001#     300 ").contains("\nCCCCC000003#     300 ");
    }

    @Test
    void usageAndBadQueueNames() {
        Run bad = postsuper("", "-h", "ALL", "bogus");
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).isEqualTo("postsuper: fatal: invalid directory name: bogus\n");
        Run opt = postsuper("", "-x");
        assertThat(opt.status()).isEqualTo(1);
        assertThat(opt.err()).startsWith("postsuper: invalid option -- 'x'\npostsuper: fatal: usage: postsuper [-c config_dir] ");
        Run missing = postsuper("", "-d");
        assertThat(missing.err()).startsWith("postsuper: option requires an argument -- 'd'\n");
        Run nothing = postsuper("");
        assertThat(nothing.status()).isZero();
        assertThat(nothing.err()).isEmpty();
    }

    @Test
    void structureCheckMovesUnreadableFilesAndPurgeRemovesAbandonedOnes() throws IOException {
        Path junk = fx.queue.path(Queue.Dir.DEFERRED, "EEEEE000005");
        Files.writeString(junk, "C 0000000000053 0000000000009 0000000000000 00000001\nS x\nM\nnot much\n");
        Files.writeString(fx.queue.dir(Queue.Dir.HOLD).resolve("README"), "a person's note\n");
        QueueFileWriter open = QueueFileWriter.create(fx.queue, Queue.Dir.MAILDROP, new QueueId());
        try {
            Path stale = fx.queue.path(Queue.Dir.MAILDROP, "FFFFF000006");
            Files.writeString(stale, "C 0000000000000 0000000000000 0000000000000 00000000\n");
            Files.setLastModifiedTime(stale, FileTime.fromMillis(System.currentTimeMillis() - 3 * 3600_000L));
            Path leftover = fx.queue.path(Queue.Dir.INCOMING, "ABCDE000007");
            Files.writeString(leftover, "C 0000000000000 0000000000000 0000000000000 00000000\n");
            Path prepared = fx.queue.path(Queue.Dir.INCOMING, "ABCDE000008");
            Files.writeString(prepared, "");
            Run r = postsuper("", "-s", "-p");
            assertThat(r.status()).isZero();
            assertThat(r.err()).contains("postsuper: warning: deferred/EEEEE000005: ")
                    .contains("; moved to corrupt/EEEEE000005\n")
                    .contains("postsuper: warning: hold/README: file name is not a queue ID; left alone\n")
                    .contains("postsuper: Moved to corrupt: 1 message\n")
                    .contains("postsuper: warning: maildrop/FFFFF000006: removed incomplete queue file, unchanged for 180 minutes\n")
                    .contains("postsuper: warning: incoming/ABCDE000007: removed incomplete queue file");
            assertThat(fx.queue.list(Queue.Dir.CORRUPT)).containsExactly("EEEEE000005");
            assertThat(Files.exists(stale)).isFalse();
            assertThat(Files.exists(leftover)).isFalse();
            assertThat(Files.exists(prepared)).isFalse();
            assertThat(r.err()).doesNotContain("ABCDE000008");
            assertThat(Files.exists(open.path())).isTrue(); // maildrop's writers may be alive: young files stay
            assertThat(where(A)).isEqualTo(Queue.Dir.DEFERRED);
        } finally {
            open.close();
        }
    }
}
