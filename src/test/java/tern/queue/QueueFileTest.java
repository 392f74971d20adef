package tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueueFileTest {
    @TempDir
    Path tmp;
    Queue queue;
    QueueId ids = new QueueId();
    DirSync sync;

    @BeforeEach
    void setUp() throws IOException {
        queue = new Queue(tmp.resolve("spool"));
        queue.create();
        sync = new DirSync(queue.dir(Queue.Dir.INCOMING));
    }

    private QueueFileWriter started() throws IOException {
        QueueFileWriter w = QueueFileWriter.create(queue, Queue.Dir.INCOMING, ids);
        w.arrival(1234567890123L);
        w.attribute("client_address", "127.0.0.1");
        w.sender("a@b.test");
        w.recipient("x@y.test", "X@y.test", "rfc822;X@y.test", 6);
        w.recipient("z@y.test", "", "", 0);
        w.beginContent();
        return w;
    }

    private static void line(QueueFileWriter w, String s) throws IOException {
        w.contentLine(s);
    }

    @Test
    void roundTrip() throws IOException {
        QueueFileWriter w = started();
        line(w, "Subject: hi");
        line(w, "");
        w.endHeaders();
        line(w, ".leading dot");
        line(w, "body");
        Envelope e = w.commit(sync);
        w.close();
        QueueFile q = QueueFile.read(queue.path(Queue.Dir.INCOMING, e.id()));
        assertThat(q.envelope()).isEqualTo(e);
        assertThat(q.envelope().sender()).isEqualTo("a@b.test");
        assertThat(q.envelope().recipients()).hasSize(2);
        assertThat(q.envelope().recipients().get(0)).isEqualTo(new Recipient(0, "x@y.test", "X@y.test", "rfc822;X@y.test", 6));
        assertThat(q.envelope().attribute("client_address")).isEqualTo("127.0.0.1");
        assertThat(q.envelope().headerLength()).isEqualTo("Subject: hi\r\n\r\n".length());
        assertThat(q.envelope().longestLine()).isEqualTo("..leading dot".length()); // stored (stuffed) bytes, no CRLF
        try (FileChannel ch = q.openContent()) {
            byte[] wire = new byte[(int) e.contentLength()];
            QueueFile.readFully(ch, java.nio.ByteBuffer.wrap(wire), e.contentOffset());
            assertThat(new String(wire, StandardCharsets.UTF_8)).isEqualTo("Subject: hi\r\n\r\n..leading dot\r\nbody\r\n");
            String plain = new String(ContentStream.of(ch, e).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(plain).isEqualTo("Subject: hi\n\n.leading dot\nbody\n");
        }
    }

    @Test
    void statusRecordsAreReadBack() throws IOException {
        Path p = oneLineMessage();
        StatusRecords.failed(p, 1, 42, "4.4.1", "connect to y.test: refused\tand more");
        StatusRecords.finished(p, 0, "2.0.0", "sent", "250 ok");
        Files.write(p, "D 1\t5.0".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND); // cut short by a crash
        QueueFile q = QueueFile.read(p);
        assertThat(q.finished()).containsOnlyKeys(0);
        assertThat(q.pending()).extracting(Recipient::address).containsExactly("z@y.test");
        assertThat(q.lastFailure().get(1).text()).isEqualTo("connect to y.test: refused and more");
    }

    @Test
    void statusRecordsThroughTheQueueManagersChannelGoAtTheEndAndItReadsTheContent() throws IOException {
        Path p = oneLineMessage();
        try (java.nio.channels.FileChannel ch = StatusRecords.open(p)) {
            StatusRecords.failed(ch, 1, 42, "4.4.1", "refused");
            StatusRecords.finished(ch, 0, "2.0.0", "sent", "250 ok");
            java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(2);
            ch.read(head, 0); // the delivery agents read the content through the same channel
            assertThat(new String(head.array(), StandardCharsets.US_ASCII)).isEqualTo("C ");
        }
        QueueFile q = QueueFile.read(p);
        assertThat(q.finished()).containsOnlyKeys(0);
        assertThat(q.lastFailure().get(1).text()).isEqualTo("refused");
    }

    @Test
    void aLineGivenInPiecesCountsWholeForTheLongestLine() throws IOException {
        QueueFileWriter w = started();
        byte[] a = ".abc".getBytes(StandardCharsets.US_ASCII);
        byte[] b = ".defg".getBytes(StandardCharsets.US_ASCII);
        w.contentPart(a, 0, a.length);   // a line start: its dot is doubled
        w.contentLine(b, 0, b.length);   // the same line goes on: no dot doubled
        line(w, "hi");
        Envelope e = w.commit(sync);
        assertThat(e.longestLine()).isEqualTo("..abc.defg".length());
        assertThat(QueueFile.read(queue.path(Queue.Dir.INCOMING, e.id())).envelope().longestLine()).isEqualTo(10);
    }

    @Test
    void largeContentIsWrittenInPieces() throws IOException {
        QueueFileWriter w = started();
        byte[] l = "0123456789".repeat(100).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 1000; i++) {
            w.contentLine(l, 0, l.length);
        }
        Envelope e = w.commit(sync);
        QueueFile q = QueueFile.read(queue.path(Queue.Dir.INCOMING, e.id()));
        assertThat(q.envelope().contentLength()).isEqualTo(1000L * 1002);
    }

    @Test
    void anUncommittedFileIsNeitherReadNorKept() throws IOException {
        QueueFileWriter w = started();
        line(w, "half");
        Path p = w.path();
        // what a crash would leave: the content written, the size record still zero
        assertThatThrownBy(() -> {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                QueueFile.read(p, ch);
            }
        }).isInstanceOf(IncompleteQueueFileException.class);
        w.close();
        assertThat(Files.exists(p)).isFalse();
    }

    @Test
    void truncatedFileIsCorrupt() throws IOException {
        QueueFileWriter w = started();
        line(w, "some content");
        Envelope e = w.commit(sync);
        Path p = queue.path(Queue.Dir.INCOMING, e.id());
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(p) - 3);
        }
        assertThatThrownBy(() -> QueueFile.read(p)).isInstanceOf(IncompleteQueueFileException.class)
                .hasMessageContaining(e.id());
    }

    @Test
    void envelopeValuesCannotBreakRecords() throws IOException {
        try (QueueFileWriter w = QueueFileWriter.create(queue, Queue.Dir.INCOMING, ids)) {
            assertThatThrownBy(() -> w.sender("a\nR 0\t\t\tevil@x")).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> w.recipient("a\tb", "", "", 0)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void pooledFilesAreNamedAheadAndLeftoversRemoved() throws IOException {
        java.util.List<String> before = queue.list(Queue.Dir.INCOMING);
        try (FilePool pool = new FilePool(queue, Queue.Dir.INCOMING, ids, sync, null, 8)) {
            assertThat(queue.list(Queue.Dir.INCOMING)).hasSize(before.size() + 8);
            String placeholder = queue.list(Queue.Dir.INCOMING).get(0);
            assertThat(QueueFile.isPlaceholder(queue.path(Queue.Dir.INCOMING, placeholder))).isTrue();
            assertThatThrownBy(() -> QueueFile.read(queue.path(Queue.Dir.INCOMING, placeholder)))
                    .isInstanceOf(IncompleteQueueFileException.class);
            Envelope e = committed(pool);
            assertThat(QueueFile.read(queue.path(Queue.Dir.INCOMING, e.id())).envelope()).isEqualTo(e);
        }
        // a new pool (a restart) removes the empty files an earlier one left
        try (FilePool pool = new FilePool(queue, Queue.Dir.INCOMING, ids, sync, null, 2)) {
            assertThat(queue.list(Queue.Dir.INCOMING)).hasSize(before.size() + 1 + 2);
        }
        assertThat(queue.list(Queue.Dir.INCOMING)).hasSize(before.size() + 1);
    }

    @Test
    void discardedFilesComeBackEmptyUnderANewName() throws IOException {
        try (FilePool pool = new FilePool(queue, Queue.Dir.INCOMING, ids, sync, null, 4)) {
            QueueFileWriter w = started();
            w.contentLine("x");
            Envelope e = w.commit(sync);
            Path done = queue.path(Queue.Dir.INCOMING, e.id());
            Files.move(done, queue.path(Queue.Dir.ACTIVE, e.id()));
            Path active = queue.path(Queue.Dir.ACTIVE, e.id());
            Object inode = Files.getAttribute(active, "unix:ino");
            pool.discard(active, null);
            assertThat(Files.exists(active)).isFalse();
            java.util.List<Path> withInode = new java.util.ArrayList<>();
            for (String id : queue.list(Queue.Dir.INCOMING)) {
                Path p = queue.path(Queue.Dir.INCOMING, id);
                if (Files.getAttribute(p, "unix:ino").equals(inode)) {
                    withInode.add(p);
                }
            }
            assertThat(withInode).hasSize(1);
            assertThat(QueueFile.isPlaceholder(withInode.get(0))).isTrue();
            assertThat(withInode.get(0).getFileName().toString()).isNotEqualTo(e.id());
        }
    }

    @Test
    void aFileIsEmptiedThroughTheChannelItsHolderStillHas() throws IOException {
        try (FilePool pool = new FilePool(queue, Queue.Dir.INCOMING, ids, sync, null, 4)) {
            Envelope e = committed(pool);
            Path done = queue.path(Queue.Dir.INCOMING, e.id());
            Object inode = Files.getAttribute(done, "unix:ino");
            try (java.nio.channels.FileChannel ch = StatusRecords.open(done)) {
                StatusRecords.finished(ch, 0, "2.0.0", "sent", "250 ok");
                pool.discard(done, ch);
                assertThat(ch.size()).isZero();
            }
            assertThat(Files.exists(done)).isFalse();
            int empty = 0;
            for (String id : queue.list(Queue.Dir.INCOMING)) {
                Path p = queue.path(Queue.Dir.INCOMING, id);
                if (Files.getAttribute(p, "unix:ino").equals(inode) && QueueFile.isPlaceholder(p)) {
                    empty++;
                }
            }
            assertThat(empty).isEqualTo(1);
            // removed meanwhile (postsuper -d): said as without a channel, so nobody logs "removed"
            Envelope gone = committed(pool);
            Path file = queue.path(Queue.Dir.INCOMING, gone.id());
            try (java.nio.channels.FileChannel ch = StatusRecords.open(file)) {
                Files.delete(file);
                assertThatThrownBy(() -> pool.discard(file, ch))
                        .isInstanceOf(java.nio.file.NoSuchFileException.class);
            }
        }
    }

    @Test
    void aRecycledFileLosesPostsupersExpiryMarkBeforeItIsHandedOut() throws Exception {
        try (FilePool pool = new FilePool(queue, Queue.Dir.INCOMING, ids, sync, null, 4)) {
            Envelope e = committed(pool);
            Path done = queue.path(Queue.Dir.INCOMING, e.id());
            java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(done);
            mode.add(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE); // postsuper -e
            Files.setPosixFilePermissions(done, mode);
            Object inode = Files.getAttribute(done, "unix:ino");
            pool.discard(done, null);
            for (int i = 0; i < 3; i++) {
                committed(pool); // the pool runs low and refills, the recycled file first
            }
            Path recycled = null;
            long deadline = System.currentTimeMillis() + 5000;
            while (System.currentTimeMillis() < deadline) {
                recycled = null;
                for (String id : queue.list(Queue.Dir.INCOMING)) {
                    Path p = queue.path(Queue.Dir.INCOMING, id);
                    if (Files.getAttribute(p, "unix:ino").equals(inode)) {
                        recycled = p;
                    }
                }
                if (recycled != null && !QueueFile.forcedExpire(recycled)) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(recycled).isNotNull();
            assertThat(QueueFile.forcedExpire(recycled)).isFalse();
        }
    }

    /** oneLineMessage - a committed message (recipients from started()) whose content is "x". */
    private Path oneLineMessage() throws IOException {
        QueueFileWriter w = started();
        line(w, "x");
        return queue.path(Queue.Dir.INCOMING, w.commit(sync).id());
    }

    private Envelope committed(FilePool pool) throws IOException {
        QueueFileWriter w = QueueFileWriter.create(pool, queue, Queue.Dir.INCOMING, ids);
        w.arrival(1);
        w.sender("");
        w.recipient("a@b", "", "", 0);
        w.beginContent();
        w.contentLine("x");
        return w.commit(sync);
    }

    @Test
    void idsAreUniqueAndValid() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 10000; i++) {
            String id = ids.next();
            assertThat(QueueId.isValid(id)).isTrue();
            assertThat(seen.add(id)).isTrue();
        }
        assertThat(QueueId.isValid("../etc")).isFalse();
        assertThat(QueueId.isValid("abc")).isFalse();
    }
}
