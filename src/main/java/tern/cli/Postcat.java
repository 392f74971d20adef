package tern.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import tern.queue.CorruptQueueFileException;
import tern.queue.Envelope;
import tern.queue.IncompleteQueueFileException;
import tern.queue.Queue;
import tern.queue.QueueFile;
import tern.queue.QueueId;
import tern.queue.Recipient;

/**
 * Postcat - postcat(1): show queue files in Postfix's words. With no section option, the envelope,
 * header and body (as -ehb); -e the envelope records and section markers, -h the header lines, -b
 * the body from the empty line after the header; -o each record's file offset, -d each record's
 * type as a decimal number, -s OFFSET start at that offset, -q take the names as queue IDs (found in
 * incoming, active, deferred, hold, maildrop or corrupt), else as file names, or standard input
 * when none are given.
 *
 * Our records are shown under Postfix's record names:
 * <pre>
 *   C size record       message_size: (content size, content offset, recipients, 0, content size, smtputf8)
 *   T arrival           message_arrival_time: and create_time: (the create_time attribute, else the same)
 *   A full_name=        sender_fullname:
 *   A envid=, ret=      named_attribute: envelope_id=..., ret_flags=1 (FULL) or 2 (HDRS)
 *   A body=             named_attribute: encoding=...
 *   A other=            named_attribute: other=...
 *   S sender            sender:
 *   R recipient         named_attribute: notify_flags=N, named_attribute: dsn_orig_rcpt=...,
 *                       original_recipient:, then recipient: (done_recipient: once finished)
 *   M                   *** MESSAGE CONTENTS name ***, then the content as plain text
 *   E                   *** HEADER EXTRACTED name ***
 *   D, L, W             delivery_status:, delay_status:, warning_message_time: (Tern's status records)
 *   end of file         *** MESSAGE FILE END name ***
 * </pre>
 * The content size is the stored (SMTP wire form) length, as mailq shows it. A file that is not a
 * queue file draws Postfix's warning and is skipped; a damaged queue file is shown as far as it
 * goes, then "fatal: record read error" (exit status 1), so that files in corrupt can be read.
 */
public final class Postcat {
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);
    private static final String USAGE = "usage: postcat [-b (body text)] [-c config_dir] [-d (decimal record type)] "
            + "[-e (envelope records)] [-h (header text)] [-q (access queue)] [-v] [file(s)...]";
    private static final List<Queue.Dir> SEARCH = List.of(Queue.Dir.INCOMING, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED,
            Queue.Dir.HOLD, Queue.Dir.MAILDROP, Queue.Dir.CORRUPT);

    private final PrintStream out;
    private final boolean envelope;
    private final boolean header;
    private final boolean body;
    private final boolean offsets;
    private final boolean decimal;
    private final long skip;
    private final StringBuilder b = new StringBuilder(256);

    private Postcat(PrintStream out, boolean envelope, boolean header, boolean body, boolean offsets, boolean decimal,
                    long skip) {
        this.out = out;
        this.envelope = envelope;
        this.header = header;
        this.body = body;
        this.offsets = offsets;
        this.decimal = decimal;
        this.skip = skip;
    }

    public static int run(String[] args) {
        return run(args, System.in, System.out);
    }

    static int run(String[] args, InputStream stdin, PrintStream out) {
        String configDir = null;
        boolean e = false;
        boolean h = false;
        boolean bd = false;
        boolean o = false;
        boolean d = false;
        boolean q = false;
        String skipArg = null;
        Getopt g = new Getopt(args, "bc:dehoqrs:v");
        for (char c = g.next(); c != Getopt.END; c = g.next()) {
            switch (c) {
                case 'b' -> bd = true;
                case 'c' -> configDir = g.arg();
                case 'd' -> d = true;
                case 'e' -> e = true;
                case 'h' -> h = true;
                case 'o' -> o = true;
                case 'q' -> q = true;
                case 's' -> skipArg = g.arg();
                case 'r', 'v' -> {
                }
                default -> {
                    System.err.println("postcat: " + g.error());
                    System.err.println("postcat: fatal: " + USAGE);
                    return 1;
                }
            }
        }
        long skip = 0;
        if (skipArg != null) {
            skip = parseOffset(skipArg);
            if (skip < 0) {
                System.err.println("postcat: fatal: bad offset: " + skipArg);
                return 1;
            }
        }
        if (!e && !h && !bd) {
            e = h = bd = true;
        }
        Postcat p = new Postcat(out, e, h, bd, o, d, skip);
        String[] names = g.rest();
        Tool t = null;
        try {
            if (q || names.length == 0) {
                try {
                    t = Tool.open("postcat", configDir);
                } catch (Tool.Unusable ex) {
                    System.err.println("postcat: fatal: " + ex.getMessage());
                    return 1;
                }
            }
            if (names.length == 0 && !q) {
                return p.stdin(stdin);
            }
            for (String name : names) {
                int rc = q ? p.queued(t, name) : p.file(Path.of(name), name, false);
                if (rc != 0) {
                    return rc;
                }
            }
            return 0;
        } finally {
            out.flush();
            if (t != null) {
                t.close();
            }
        }
    }

    private static long parseOffset(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    private int queued(Tool t, String id) {
        if (!Tool.idOk(id)) {
            return fatal("bad mail queue ID: " + id);
        }
        if (QueueId.isValid(id)) {
            for (Queue.Dir d : SEARCH) {
                Path p = t.queue.path(d, id);
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    int rc = file(p, d.dirName() + "/" + id, true);
                    if (rc >= 0) {
                        return rc;
                    }
                }
            }
        }
        return fatal("open queue file " + id + ": No such file or directory");
    }

    private int stdin(InputStream in) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("postcat", ".stdin");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return file(tmp, "stdin", false);
        } catch (IOException e) {
            return fatal("read standard input: " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // a temporary file left in /tmp
                }
            }
        }
    }

    /** file - show one file; 0, 1 after a fatal error, -1 when a queue file vanished (the search goes on). */
    private int file(Path p, String label, boolean searching) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            return show(ch, p, label);
        } catch (NoSuchFileException e) {
            if (searching) {
                return -1;
            }
            return fatal("open " + label + ": No such file or directory");
        } catch (AccessDeniedException e) {
            return fatal("open " + label + ": Permission denied");
        } catch (IOException e) {
            return fatal("read " + label + ": " + e.getMessage());
        }
    }

    private int show(FileChannel ch, Path p, String label) throws IOException {
        long size = ch.size();
        byte[] head = new byte[(int) Math.min(size, 2)];
        ch.read(ByteBuffer.wrap(head), 0);
        if (head.length < 2 || head[0] != 'C' || head[1] != ' ') {
            warning(label + ": input is not a valid queue file");
            return 0;
        }
        QueueFile qf;
        try {
            qf = QueueFile.read(p, ch);
        } catch (CorruptQueueFileException | IncompleteQueueFileException e) {
            damaged(ch, label);
            warning(label + ": " + problem(e));
            return fatal("record read error");
        }
        whole(ch, qf, label);
        return 0;
    }

    /** whole - a well-formed file, record by record. */
    private void whole(FileChannel ch, QueueFile qf, String label) throws IOException {
        Envelope e = qf.envelope();
        if (envelope && skip == 0) {
            out.print("*** ENVELOPE RECORDS " + label + " ***\n");
        }
        boolean utf8 = "yes".equals(e.attributes().get("smtputf8"));
        record(0, 'C', String.format(Locale.ROOT, "message_size: %15d %15d %15d %15d %15d %15d", e.contentLength(),
                e.contentOffset(), e.recipients().size(), 0, e.contentLength(), utf8 ? 1 : 0));
        byte[] env = new byte[(int) (e.contentOffset())];
        readFully(ch, env, 0);
        int i = indexOf(env, (byte) '\n', 0) + 1; // after the size record
        int rcpt = 0;
        while (i < env.length) {
            int nl = indexOf(env, (byte) '\n', i);
            if (nl < 0) {
                break;
            }
            char type = (char) env[i];
            String v = nl > i + 1 ? new String(env, i + 2, nl - i - 2, StandardCharsets.UTF_8) : "";
            switch (type) {
                case 'T' -> {
                    long arrival = e.arrivalMillis();
                    record(i, 'T', "message_arrival_time: " + asctime(arrival));
                    String ct = e.attributes().get("create_time");
                    record(i, 'A', "create_time: " + asctime(ct == null ? arrival : parse(ct, arrival)));
                }
                case 'A' -> attribute(i, v);
                case 'S' -> record(i, 'S', "sender: " + v);
                case 'R' -> {
                    if (rcpt < e.recipients().size()) {
                        recipient(i, e.recipients().get(rcpt), qf.finished().containsKey(rcpt));
                    }
                    rcpt++;
                }
                case 'M' -> marker(i, 'M', "*** MESSAGE CONTENTS " + label + " ***");
                default -> record(i, type, "unknown_record_type: " + v);
            }
            i = nl + 1;
        }
        content(ch, e);
        long end = e.contentOffset() + e.contentLength();
        marker(end, 'X', "*** HEADER EXTRACTED " + label + " ***");
        status(ch, qf, end + 2);
        marker(ch.size(), 'E', "*** MESSAGE FILE END " + label + " ***");
    }

    private void attribute(long at, String v) {
        int eq = v.indexOf('=');
        String name = eq < 0 ? v : v.substring(0, eq);
        String value = eq < 0 ? "" : v.substring(eq + 1);
        switch (name) {
            case "full_name" -> record(at, 'F', "sender_fullname: " + value);
            case "create_time", "smtputf8" -> {
                // shown in the create_time line and in message_size
            }
            case "envid" -> record(at, 'A', "named_attribute: envelope_id=" + value);
            case "ret" -> record(at, 'A', "named_attribute: ret_flags=" + (value.equals("HDRS") ? 2 : 1));
            case "body" -> record(at, 'A', "named_attribute: encoding=" + value);
            default -> record(at, 'A', "named_attribute: " + v);
        }
    }

    private void recipient(long at, Recipient r, boolean done) {
        if (r.notifyBits() != 0) {
            record(at, 'A', "named_attribute: notify_flags=" + r.notifyBits());
        }
        if (!r.orcpt().isEmpty()) {
            record(at, 'A', "named_attribute: dsn_orig_rcpt=" + r.orcpt());
        }
        if (!r.original().isEmpty()) {
            record(at, 'O', "original_recipient: " + r.original());
        }
        record(at, 'R', (done ? "done_recipient: " : "recipient: ") + r.address());
    }

    /** content - the header and body lines, plain text, each with the offset of its stored line. */
    private void content(FileChannel ch, Envelope e) throws IOException {
        if (!header && !body) {
            return;
        }
        long pos = e.contentOffset();
        long end = pos + e.contentLength();
        long headerEnd = pos + e.headerLength();
        ByteBuffer in = ByteBuffer.allocate(65536);
        byte[] line = new byte[256];
        int len = 0;
        long lineStart = pos;
        boolean inBody = e.headerLength() == 0;
        while (pos < end) {
            in.clear();
            in.limit((int) Math.min(in.capacity(), end - pos));
            int n = ch.read(in, pos);
            if (n <= 0) {
                throw new IOException("content ends early");
            }
            byte[] a = in.array();
            for (int k = 0; k < n; k++) {
                byte c = a[k];
                if (c == '\n') {
                    int l = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
                    if (!inBody && (lineStart >= headerEnd || l == 0)) {
                        inBody = true;
                    }
                    if (inBody ? body : header) {
                        int off = l >= 2 && line[0] == '.' && line[1] == '.' ? 1 : 0;
                        contentLine(lineStart, line, off, l - off);
                    }
                    len = 0;
                    lineStart = pos + k + 1;
                    continue;
                }
                if (len == line.length) {
                    line = java.util.Arrays.copyOf(line, line.length * 2);
                }
                line[len++] = c;
            }
            pos += n;
        }
    }

    private void contentLine(long at, byte[] line, int off, int len) {
        if (at < skip) {
            return;
        }
        prefix(at, 'N');
        out.print(b);
        out.write(line, off, len);
        out.write('\n');
    }

    /** status - the status records after the end record, in file order. */
    private void status(FileChannel ch, QueueFile qf, long from) throws IOException {
        if (!envelope) {
            return;
        }
        long size = ch.size();
        if (from >= size) {
            return;
        }
        byte[] tail = new byte[(int) Math.min(size - from, 64L * 1024 * 1024)];
        readFully(ch, tail, from);
        List<Recipient> rcpts = qf.envelope().recipients();
        int i = 0;
        while (i < tail.length) {
            int nl = indexOf(tail, (byte) '\n', i);
            if (nl < 0) {
                break;
            }
            char type = (char) tail[i];
            String v = nl > i + 1 ? new String(tail, i + 2, nl - i - 2, StandardCharsets.UTF_8) : "";
            String[] f = v.split("\t", 4);
            long at = from + i;
            switch (type) {
                case 'D' -> record(at, 'D', "delivery_status: recipient=" + address(rcpts, f[0]) + ", status="
                        + field(f, 1) + ", action=" + field(f, 2) + ", reason=" + field(f, 3));
                case 'L' -> record(at, 'L', "delay_status: recipient=" + address(rcpts, f[0]) + ", time="
                        + asctime(parse(field(f, 1), 0)) + ", status=" + field(f, 2) + ", reason=" + field(f, 3));
                case 'W' -> record(at, 'W', "warning_message_time: " + asctime(parse(v, 0)));
                default -> record(at, type, "unknown_record_type: " + v);
            }
            i = nl + 1;
        }
    }

    private static String address(List<Recipient> rcpts, String index) {
        long n = parse(index, -1);
        return n >= 0 && n < rcpts.size() ? rcpts.get((int) n).address() : "#" + index;
    }

    private static String field(String[] f, int i) {
        return i < f.length ? f[i] : "";
    }

    /** damaged - a file that does not parse: its envelope lines as far as they go, then its content lines to the end. */
    private void damaged(FileChannel ch, String label) throws IOException {
        if (envelope && skip == 0) {
            out.print("*** ENVELOPE RECORDS " + label + " ***\n");
        }
        long size = ch.size();
        byte[] all = new byte[(int) Math.min(size, 1024 * 1024)];
        readFully(ch, all, 0);
        int i = 0;
        boolean inContent = false;
        while (i < all.length) {
            int nl = indexOf(all, (byte) '\n', i);
            if (nl < 0) {
                break;
            }
            String v = nl > i + 1 ? new String(all, i + 2, nl - i - 2, StandardCharsets.UTF_8) : "";
            if (inContent) {
                if (header || body) {
                    int l = nl > i && all[nl - 1] == '\r' ? nl - 1 : nl;
                    contentLine(i, all, i, l - i);
                }
            } else {
                char type = (char) all[i];
                switch (type) {
                    case 'C' -> record(i, 'C', "message_size: " + v);
                    case 'T' -> record(i, 'T', "message_arrival_time: " + asctime(parse(v, 0)));
                    case 'A' -> attribute(i, v);
                    case 'S' -> record(i, 'S', "sender: " + v);
                    case 'R' -> {
                        String[] f = v.split("\t", 4);
                        record(i, 'R', "recipient: " + f[f.length - 1]);
                    }
                    case 'M' -> {
                        marker(i, 'M', "*** MESSAGE CONTENTS " + label + " ***");
                        inContent = true;
                    }
                    default -> record(i, type, "unknown_record_type: " + v);
                }
            }
            i = nl + 1;
        }
    }

    private void marker(long at, char type, String text) {
        if (envelope) {
            record(at, type, text);
        }
    }

    private void record(long at, char type, String text) {
        if (!envelope || at < skip) {
            return;
        }
        prefix(at, type);
        b.append(text).append('\n');
        out.print(b);
    }

    private void prefix(long at, char type) {
        b.setLength(0);
        if (offsets) {
            b.append(String.format(Locale.ROOT, "%9d ", at));
        }
        if (decimal) {
            b.append(String.format(Locale.ROOT, "%3d ", (int) type));
        }
    }

    private static String asctime(long millis) {
        return Instant.ofEpochMilli(millis).atZone(ZoneId.systemDefault()).format(ASCTIME);
    }

    private static long parse(String s, long otherwise) {
        if (s.isEmpty() || s.length() > 18) {
            return otherwise;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return otherwise;
            }
        }
        return Long.parseLong(s);
    }

    private static void readFully(FileChannel ch, byte[] a, long at) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(a);
        long pos = at;
        while (bb.hasRemaining()) {
            int n = ch.read(bb, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
    }

    private static int indexOf(byte[] a, byte v, int from) {
        for (int k = from; k < a.length; k++) {
            if (a[k] == v) {
                return k;
            }
        }
        return -1;
    }

    private static String problem(IOException e) {
        String m = e.getMessage();
        int i = m == null ? -1 : m.indexOf(": ");
        return i >= 0 ? m.substring(i + 2) : String.valueOf(m);
    }

    private int fatal(String text) {
        out.flush();
        System.err.println("postcat: fatal: " + text);
        return 1;
    }

    private void warning(String text) {
        out.flush();
        System.err.println("postcat: warning: " + text);
    }
}
