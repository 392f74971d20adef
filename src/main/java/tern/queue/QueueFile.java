package tern.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QueueFile - one message as stored in the queue: the file format, and reading it back.
 *
 * <h2>Format (version 1)</h2>
 * A queue file is a sequence of records, one per line ending in LF; the first byte of a line is the
 * record type. Text is UTF-8 (or raw 8-bit, passed through); no record value contains CR or LF,
 * and fields within a record are separated by TAB, which no SMTP address can contain.
 * <pre>
 *   C ccccccccccccc lllllllllllll hhhhhhhhhhhhh nnnnnnnn wwwwwwwwwwwww
 *                                 size record, always first, fixed width: content offset, content
 *                                 length, header length, recipient count, longest content line
 *                                 (bytes without CRLF), 13+13+13+8+13 decimal digits. All zero while the file is being
 *                                 written: a file is complete only when this record is filled in
 *                                 AND an "E" record follows the content where it says.
 *   T millis                      arrival time (ms since the epoch)
 *   A name=value                  an attribute: client_name, client_address, client_port,
 *                                 helo_name, protocol_name, service_name, sasl_username, envid,
 *                                 ret (FULL/HDRS), body (7BIT/8BITMIME), smtputf8 (yes), origin
 *   S sender                      envelope sender; empty for the null sender
 *   R notify TAB orcpt TAB original TAB address
 *                                 one recipient; notify is the DSN NOTIFY bit set (0: none given),
 *                                 orcpt and original may be empty
 *   M                             the content follows
 *   (content)                     the message exactly as it goes over SMTP: CRLF line ends,
 *                                 leading dots doubled, without the final "." line; the header
 *                                 section first (header length bytes, with its empty line)
 *   E                             end of message
 * </pre>
 * After the E record the queue manager appends status records, never rewriting what is there:
 * <pre>
 *   D index TAB dsn TAB status TAB text    recipient number index is finished (delivered, bounced,
 *                                          expired, ...); it is never attempted again
 *   L index TAB millis TAB dsn TAB text    the last temporary failure of that recipient (for mailq
 *                                          and for the bounce when the message expires)
 *   W millis                               a delay warning was sent then
 * </pre>
 * The file's modification time, while the message is in "deferred", is the time of its next
 * delivery attempt, as in Postfix.
 *
 * <h2>Reading</h2>
 * {@link #read} parses the envelope and the status records and checks completeness; an incomplete
 * file (being written, prepared by a {@link FilePool}, or left by a crash while being written) is an
 * {@link IncompleteQueueFileException}: never a message, never acknowledged, to be skipped (and
 * removed when the daemon starts). A complete file with malformed records is a
 * {@link CorruptQueueFileException}. The content is reached through
 * {@link #openContent} (a channel and the region, for zero-copy sending) or {@link ContentLines}.
 */
public final class QueueFile {
    /** Length of the fixed-width size record, LF included. */
    static final int SIZE_RECORD_LENGTH = 2 + 13 + 1 + 13 + 1 + 13 + 1 + 8 + 1 + 13 + 1;
    /** Largest envelope we read (recipients are bounded by smtpd_recipient_limit and friends). */
    static final int MAX_ENVELOPE = 64 * 1024 * 1024;

    /** Outcome - a "D" record: the recipient is finished. */
    public record Outcome(String dsn, String status, String text) {
    }

    /** Attempt - an "L" record: the recipient's last temporary failure. */
    public record Attempt(long millis, String dsn, String text) {
    }

    private final Path path;
    private final Envelope envelope;
    private final Map<Integer, Outcome> finished;
    private final Map<Integer, Attempt> lastFailure;
    private final long warnedMillis;
    private final long fileLength;

    private QueueFile(Path path, Envelope envelope, Map<Integer, Outcome> finished, Map<Integer, Attempt> lastFailure,
                      long warnedMillis, long fileLength) {
        this.path = path;
        this.envelope = envelope;
        this.finished = finished;
        this.lastFailure = lastFailure;
        this.warnedMillis = warnedMillis;
        this.fileLength = fileLength;
    }

    public Path path() {
        return path;
    }

    public Envelope envelope() {
        return envelope;
    }

    /** finished - recipient index to outcome, for every recipient with a D record. */
    public Map<Integer, Outcome> finished() {
        return finished;
    }

    /** lastFailure - recipient index to its last temporary failure (L record), when any. */
    public Map<Integer, Attempt> lastFailure() {
        return lastFailure;
    }

    /** pending - the recipients without a D record, in file order. */
    public List<Recipient> pending() {
        List<Recipient> out = new ArrayList<>();
        for (Recipient r : envelope.recipients()) {
            if (!finished.containsKey(r.index())) {
                out.add(r);
            }
        }
        return out;
    }

    /** warnedMillis - when a delay warning was sent, 0 when never. */
    public long warnedMillis() {
        return warnedMillis;
    }

    public long fileLength() {
        return fileLength;
    }

    /** read - parse a queue file; the id is the file name. */
    public static QueueFile read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(path, ch);
        }
    }

    /** read - parse a queue file from an open channel (whose position is not used). */
    public static QueueFile read(Path path, FileChannel ch) throws IOException {
        String id = path.getFileName().toString();
        long size = ch.size();
        if (size < SIZE_RECORD_LENGTH) {
            throw new IncompleteQueueFileException(path, size == 0 ? "empty (a prepared file, not a message)"
                    : "file too short (" + size + " bytes)");
        }
        ByteBuffer head = ByteBuffer.allocate(SIZE_RECORD_LENGTH);
        readFully(ch, head, 0);
        byte[] c = head.array();
        if (c[0] != 'C' || c[1] != ' ' || c[SIZE_RECORD_LENGTH - 1] != '\n') {
            throw new CorruptQueueFileException(path, "no size record");
        }
        long contentOffset = digits(c, 2, 13);
        long contentLength = digits(c, 16, 13);
        long headerLength = digits(c, 30, 13);
        long nrcpt = digits(c, 44, 8);
        long longest = digits(c, 53, 13);
        if (contentOffset <= 0 || contentLength < 0 || headerLength < 0 || nrcpt < 0 || longest < 0) {
            throw new IncompleteQueueFileException(path, "incomplete (size record not filled in)");
        }
        long end = contentOffset + contentLength;
        if (contentOffset > MAX_ENVELOPE || end + 2 > size || headerLength > contentLength) {
            throw new IncompleteQueueFileException(path, "incomplete (content shorter than its size record)");
        }
        ByteBuffer e = ByteBuffer.allocate(2);
        readFully(ch, e, end);
        if (e.get(0) != 'E' || e.get(1) != '\n') {
            throw new IncompleteQueueFileException(path, "incomplete (no end record after the content)");
        }
        // Envelope: from after the size record to the "M" line just before the content.
        int envLength = (int) (contentOffset - SIZE_RECORD_LENGTH);
        ByteBuffer env = ByteBuffer.allocate(envLength);
        readFully(ch, env, SIZE_RECORD_LENGTH);
        long tailStart = end + 2;
        ByteBuffer tail = ByteBuffer.allocate((int) Math.min(size - tailStart, MAX_ENVELOPE));
        readFully(ch, tail, tailStart);
        return parse(path, id, env.array(), tail.array(), contentOffset, contentLength, headerLength, (int) nrcpt, longest,
                size);
    }

    private static QueueFile parse(Path path, String id, byte[] env, byte[] tail, long contentOffset, long contentLength,
                                   long headerLength, int nrcpt, long longest, long size) throws CorruptQueueFileException {
        long arrival = -1;
        String sender = null;
        Map<String, String> attrs = new LinkedHashMap<>();
        List<Recipient> rcpts = new ArrayList<>(Math.max(1, nrcpt));
        boolean sawM = false;
        int i = 0;
        while (i < env.length) {
            int nl = indexOf(env, (byte) '\n', i);
            if (nl < 0) {
                throw new CorruptQueueFileException(path, "envelope record without line end");
            }
            byte type = env[i];
            String value = nl > i + 1 ? new String(env, i + 2, nl - i - 2, StandardCharsets.UTF_8) : "";
            if (sawM) {
                throw new CorruptQueueFileException(path, "envelope record after M");
            }
            switch (type) {
                case 'T' -> arrival = number(path, value);
                case 'A' -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new CorruptQueueFileException(path, "bad attribute record: " + value);
                    }
                    attrs.put(value.substring(0, eq), value.substring(eq + 1));
                }
                case 'S' -> sender = value;
                case 'R' -> {
                    String[] f = value.split("\t", 4);
                    if (f.length != 4) {
                        throw new CorruptQueueFileException(path, "bad recipient record: " + value);
                    }
                    rcpts.add(new Recipient(rcpts.size(), f[3], f[2], f[1], (int) number(path, f[0])));
                }
                case 'M' -> sawM = true;
                default -> throw new CorruptQueueFileException(path, "unknown record type '" + (char) type + "'");
            }
            i = nl + 1;
        }
        if (!sawM || sender == null || arrival < 0) {
            throw new CorruptQueueFileException(path, "envelope lacks " + (!sawM ? "M" : sender == null ? "S" : "T") + " record");
        }
        if (rcpts.size() != nrcpt) {
            throw new CorruptQueueFileException(path, "recipient count " + rcpts.size() + " differs from size record " + nrcpt);
        }
        Map<Integer, Outcome> finished = new HashMap<>();
        Map<Integer, Attempt> failures = new HashMap<>();
        long warned = 0;
        i = 0;
        while (i < tail.length) {
            int nl = indexOf(tail, (byte) '\n', i);
            if (nl < 0) {
                break; // a status record cut short by a crash: ignore it, the attempt will be repeated
            }
            byte type = tail[i];
            String value = nl > i + 1 ? new String(tail, i + 2, nl - i - 2, StandardCharsets.UTF_8) : "";
            switch (type) {
                case 'D' -> {
                    String[] f = value.split("\t", 4);
                    int idx = index(path, f[0], rcpts.size());
                    finished.put(idx, new Outcome(f.length > 1 ? f[1] : "", f.length > 2 ? f[2] : "", f.length > 3 ? f[3] : ""));
                }
                case 'L' -> {
                    String[] f = value.split("\t", 4);
                    int idx = index(path, f[0], rcpts.size());
                    failures.put(idx, new Attempt(f.length > 1 ? number(path, f[1]) : 0, f.length > 2 ? f[2] : "",
                            f.length > 3 ? f[3] : ""));
                }
                case 'W' -> warned = number(path, value);
                default -> throw new CorruptQueueFileException(path, "unknown status record type '" + (char) type + "'");
            }
            i = nl + 1;
        }
        Envelope e = new Envelope(id, arrival, sender, Collections.unmodifiableMap(attrs), List.copyOf(rcpts),
                contentOffset, contentLength, headerLength, longest);
        return new QueueFile(path, e, finished, failures, warned, size);
    }

    /**
     * fresh - the queue file that a writer has just committed with this envelope, without reading it
     * back: no status records yet. Its length is the content's end plus the end record.
     */
    public static QueueFile fresh(Path path, Envelope envelope) {
        return new QueueFile(path, envelope, new HashMap<>(), new HashMap<>(), 0,
                envelope.contentOffset() + envelope.contentLength() + 2);
    }

    /**
     * inProgress - whether a queue file is still being written: nothing flushed yet, or its size
     * record still all zeros (see the format above). Such a file is nobody's business but its
     * writer's: listings, pickup and postsuper pass it by.
     */
    public static boolean inProgress(FileChannel ch) throws IOException {
        if (ch.size() == 0) {
            return true;
        }
        ByteBuffer b = ByteBuffer.allocate(15);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
            // the size record's first field
        }
        if (b.hasRemaining()) {
            return false; // too short to be anything: corrupt, not in progress
        }
        byte[] a = b.array();
        if (a[0] != 'C' || a[1] != ' ') {
            return false;
        }
        for (int i = 2; i < 15; i++) {
            if (a[i] != '0') {
                return false;
            }
        }
        return true;
    }

    /**
     * forcedExpire - whether postsuper -e/-f marked the message: as in Postfix, the group execute
     * bit of the queue file's mode. The queue manager returns such a message to its sender at its
     * next delivery attempt instead of attempting delivery.
     */
    public static boolean forcedExpire(Path p) throws IOException {
        return java.nio.file.Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .contains(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE);
    }

    /** isPlaceholder - an empty file: prepared by a FilePool, not (yet) a message. */
    public static boolean isPlaceholder(Path path) {
        try {
            return java.nio.file.Files.size(path) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** openContent - a read channel on the file; the content is [contentOffset, contentOffset+contentLength). */
    public FileChannel openContent() throws IOException {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "queue file removed");
        }
    }

    static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int k = from; k < b.length; k++) {
            if (b[k] == v) {
                return k;
            }
        }
        return -1;
    }

    private static long digits(byte[] b, int off, int len) {
        long v = 0;
        for (int k = off; k < off + len; k++) {
            int d = b[k] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static long number(Path path, String s) throws CorruptQueueFileException {
        if (s.isEmpty() || s.length() > 18) {
            throw new CorruptQueueFileException(path, "bad number: \"" + s + "\"");
        }
        long v = 0;
        for (int k = 0; k < s.length(); k++) {
            int d = s.charAt(k) - '0';
            if (d < 0 || d > 9) {
                throw new CorruptQueueFileException(path, "bad number: \"" + s + "\"");
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static int index(Path path, String s, int count) throws CorruptQueueFileException {
        long v = number(path, s);
        if (v >= count) {
            throw new CorruptQueueFileException(path, "status record for recipient " + v + " of " + count);
        }
        return (int) v;
    }

    /** sizeRecord - the filled-in size record. */
    static byte[] sizeRecord(long contentOffset, long contentLength, long headerLength, int nrcpt, long longest) {
        String s = String.format("C %013d %013d %013d %08d %013d\n", contentOffset, contentLength, headerLength, nrcpt,
                longest);
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
