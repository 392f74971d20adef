package tern.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QueueFileWriter - writes one new queue file (format: {@link QueueFile}) under a fresh queue id.
 *
 * Order of calls: {@link #create}, then envelope records (arrival, attributes, sender, recipients),
 * then {@link #beginContent}, content lines (with {@link #endHeaders} where the header section
 * ends; a long line may come in pieces, see {@link #contentPart}), then {@link #commit}. Until
 * commit returns, the file is incomplete (its size record is zeros) and no reader takes it for a
 * message; {@link #close} without a commit removes it.
 *
 * Cost: a small message is one write() and one fdatasync() into a file from a {@link FilePool},
 * whose name was made durable before; without one, the new file's directory entry is made durable
 * by a shared {@link DirSync}, so concurrent writers share directory fsyncs. Larger messages are
 * written in 64 KiB pieces as they arrive, and the size record is filled in at the end.
 *
 * Fails with IOException (disk full, permissions); the caller then closes the writer, which
 * removes the partial file, and reports a temporary error. Not thread-safe.
 */
public final class QueueFileWriter implements AutoCloseable {
    private static final int FLUSH_AT = 64 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    private final String id;
    private final Path path;
    private final FileChannel ch;
    private byte[] buf = new byte[8192];
    private int used;
    private long flushed;          // bytes already written to the file
    private boolean inContent;
    private boolean lineStart = true;  // the next content byte begins a line (where a dot is doubled)
    private long contentOffset = -1;
    private long headerLength = -1;
    private long longestLine;
    private long currentLine;
    private long arrival = -1;
    private String sender;
    private final Map<String, String> attributes = new LinkedHashMap<>();
    private final List<Recipient> recipients = new ArrayList<>();
    private boolean committed;
    private final boolean nameDurable;

    private QueueFileWriter(String id, Path path, FileChannel ch, boolean nameDurable) {
        this.id = id;
        this.path = path;
        this.ch = ch;
        this.nameDurable = nameDurable;
        append(new byte[QueueFile.SIZE_RECORD_LENGTH]); // placeholder, filled in at commit
        java.util.Arrays.fill(buf, 0, QueueFile.SIZE_RECORD_LENGTH, (byte) '0');
        buf[0] = 'C';
        buf[1] = ' ';
        buf[15] = ' ';
        buf[29] = ' ';
        buf[43] = ' ';
        buf[52] = ' ';
        buf[QueueFile.SIZE_RECORD_LENGTH - 1] = '\n';
    }

    /**
     * create - a writer on a file from the pool (whose name is durable already), or on a new file
     * when the pool is empty or null.
     */
    public static QueueFileWriter create(FilePool pool, Queue queue, Queue.Dir dir, QueueId ids) throws IOException {
        FilePool.Taken t = pool == null ? null : pool.take();
        if (t != null) {
            return new QueueFileWriter(t.id(), t.path(), t.channel(), true);
        }
        return create(queue, dir, ids);
    }

    /** create - a new file in directory dir of the queue, under a fresh id. */
    public static QueueFileWriter create(Queue queue, Queue.Dir dir, QueueId ids) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String id = ids.next();
            Path p = queue.path(dir, id);
            try {
                FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return new QueueFileWriter(id, p, ch, false);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 20) {
                    throw new IOException("cannot create a unique queue file in " + queue.dir(dir), e);
                }
            }
        }
    }

    public String id() {
        return id;
    }

    public Path path() {
        return path;
    }

    public void arrival(long millis) {
        envelopeOnly();
        arrival = millis;
        record('T', Long.toString(millis));
    }

    public void attribute(String name, String value) throws IOException {
        envelopeOnly();
        check(name, false);
        check(value, false);
        attributes.put(name, value);
        record('A', name + "=" + value);
    }

    public void sender(String address) throws IOException {
        envelopeOnly();
        check(address, false);
        sender = address;
        record('S', address);
    }

    /** recipient - one recipient; original and orcpt may be "" (not known / not given). */
    public void recipient(String address, String original, String orcpt, int notify) throws IOException {
        envelopeOnly();
        check(address, true);
        check(original, true);
        check(orcpt, true);
        recipients.add(new Recipient(recipients.size(), address, original, orcpt, notify));
        record('R', notify + "\t" + orcpt + "\t" + original + "\t" + address);
    }

    public int recipientCount() {
        return recipients.size();
    }

    /** beginContent - the envelope is complete; content lines follow. */
    public void beginContent() throws IOException {
        envelopeOnly();
        if (sender == null || arrival < 0) {
            throw new IllegalStateException("queue file " + id + ": sender and arrival time come before the content");
        }
        append(new byte[]{'M', '\n'});
        contentOffset = flushed + used;
        inContent = true;
    }

    /**
     * contentLine - one line of content without its line end, or the rest of a line begun with
     * {@link #contentPart}; a dot is doubled only where a line really starts.
     */
    public void contentLine(byte[] b, int off, int len) throws IOException {
        contentBytes(b, off, len);
        buf[used++] = '\r';
        buf[used++] = '\n';
        lineStart = true;
        if (used >= FLUSH_AT) {
            flush();
        }
    }

    /**
     * contentPart - a piece of a line that goes on in the next contentPart or contentLine call (a line
     * longer than smtpd's line_length_limit, which arrives in pieces): written without a line end, so
     * that the stored line is whole again. Never split a CR LF between two calls: a CR at the end of a
     * piece is content.
     */
    public void contentPart(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        contentBytes(b, off, len);
        lineStart = false;
        if (used >= FLUSH_AT) {
            flush();
        }
    }

    private void contentBytes(byte[] b, int off, int len) {
        if (!inContent) {
            throw new IllegalStateException("queue file " + id + ": content before beginContent");
        }
        ensure(len + 3);
        if (lineStart) {
            currentLine = 0;
        }
        if (lineStart && len > 0 && b[off] == '.') {
            buf[used++] = '.';
            currentLine++;
        }
        currentLine += len; // a line given in pieces counts whole
        if (currentLine > longestLine) {
            longestLine = currentLine;
        }
        System.arraycopy(b, off, buf, used, len);
        used += len;
    }

    /** contentLine - a line given as text (headers that cleanup makes). */
    public void contentLine(String line) throws IOException {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        contentLine(b, 0, b.length);
    }

    /** endHeaders - the header section ends here (after the empty line, when the caller wrote one). */
    public void endHeaders() {
        if (!inContent) {
            throw new IllegalStateException("queue file " + id + ": endHeaders before beginContent");
        }
        if (!lineStart) {
            throw new IllegalStateException("queue file " + id + ": endHeaders inside a line");
        }
        headerLength = flushed + used - contentOffset;
    }

    /**
     * commit - finish the file and make it durable: end record, size record, fdatasync, directory
     * entry. Returns the envelope as written.
     */
    public Envelope commit(DirSync dirSync) throws IOException {
        if (!inContent) {
            throw new IllegalStateException("queue file " + id + ": commit before content");
        }
        if (!lineStart) {
            contentLine(new byte[0], 0, 0); // a line begun with contentPart ends with the message
        }
        long contentLength = flushed + used - contentOffset;
        if (headerLength < 0) {
            headerLength = contentLength;
        }
        append(new byte[]{'E', '\n'});
        byte[] size = QueueFile.sizeRecord(contentOffset, contentLength, headerLength, recipients.size(), longestLine);
        if (flushed == 0) {
            System.arraycopy(size, 0, buf, 0, size.length);
            flush();
        } else {
            flush();
            ByteBuffer s = ByteBuffer.wrap(size);
            long pos = 0;
            while (s.hasRemaining()) {
                pos += ch.write(s, pos);
            }
        }
        ch.force(false);
        if (!nameDurable) {
            dirSync.sync();
        }
        committed = true;
        ch.close();
        return new Envelope(id, arrival, sender, Collections.unmodifiableMap(new LinkedHashMap<>(attributes)),
                List.copyOf(recipients), contentOffset, contentLength, headerLength, longestLine);
    }

    /** close - without a successful commit, the file is removed. */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        try {
            ch.close();
        } catch (IOException e) {
            // removing it below is what matters
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // an incomplete file left behind is never read as a message; postsuper -p removes it
        }
    }

    private void envelopeOnly() {
        if (inContent) {
            throw new IllegalStateException("queue file " + id + ": envelope record after the content began");
        }
    }

    private static void check(String value, boolean field) throws IOException {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\n' || c == '\r' || (field && c == '\t')) {
                throw new IOException("bad character (code " + (int) c + ") in envelope value");
            }
        }
    }

    private void record(char type, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        ensure(v.length + 3);
        buf[used++] = (byte) type;
        buf[used++] = ' ';
        System.arraycopy(v, 0, buf, used, v.length);
        used += v.length;
        buf[used++] = '\n';
    }

    private void append(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, used, b.length);
        used += b.length;
    }

    private void ensure(int more) {
        if (used + more > buf.length) {
            int n = buf.length;
            while (used + more > n) {
                n *= 2;
            }
            buf = java.util.Arrays.copyOf(buf, n);
        }
    }

    private void flush() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, used);
        while (b.hasRemaining()) {
            flushed += ch.write(b, flushed);
        }
        used = 0;
        if (buf.length > FLUSH_AT * 2) {
            buf = new byte[FLUSH_AT * 2]; // one very long line grew it; do not keep that
        }
    }
}
