package tern.showq;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import tern.log.Logger;
import tern.queue.Queue;

/**
 * Showq - the queue report: the text postqueue -p (mailq, sendmail -bp) and postqueue -j print,
 * made in one place for the two that print it: the command itself when its user may read the queue,
 * and the daemon (control request "showq", see tern.master.ControlServer) for every other user.
 * Formats are Postfix 3.7's, pinned in src/test/resources/tern/cli/.
 *
 * It only reads the queue; it neither says whether the daemon runs nor decides who may ask.
 */
public final class Showq {
    private static final DateTimeFormatter ARRIVAL = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss", Locale.ROOT);

    private Showq() {
    }

    /**
     * readable - whether this process may list the queue itself: every queue directory that exists
     * can be read and searched. A queue that does not exist yet is readable (an empty queue) for
     * whoever could create it; a queue_directory that exists but cannot be searched is not, lest
     * every queue look empty to a user who may not look.
     */
    public static boolean readable(Queue queue) {
        Path root = queue.root();
        if (Files.notExists(root)) {
            // no queue yet: whoever may make it may list it (empty); Files.notExists is false
            // when we may not even tell
            Path p = root.toAbsolutePath().getParent();
            while (p != null && Files.notExists(p)) {
                p = p.getParent();
            }
            return p == null || Files.isWritable(p);
        }
        if (!Files.isExecutable(root)) {
            return false;
        }
        for (Queue.Dir d : QueueListing.SHOWQ_ORDER) {
            Path dir = queue.dir(d);
            if (!Files.notExists(dir) && !(Files.isReadable(dir) && Files.isExecutable(dir))) {
                return false;
            }
        }
        return true;
    }

    /**
     * report - the whole listing of the queue to out: the mailq format (json false), or one JSON
     * object per message. Arrival times are shown in zone. Damaged queue files are skipped with a
     * warning to log (may be null). An unreadable queue directory, or a failing out, is an
     * IOException; what was written before it stays written.
     */
    public static void report(Queue queue, boolean json, ZoneId zone, Logger log, Appendable out) throws IOException {
        long[] totals = new long[2];
        StringBuilder b = new StringBuilder(256);
        QueueListing.scan(queue, QueueListing.SHOWQ_ORDER, log, m -> {
            b.setLength(0);
            if (json) {
                json(m, b);
            } else {
                if (totals[1] == 0) {
                    b.append("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n");
                }
                mailq(m, zone, b);
            }
            totals[0] += m.size();
            totals[1]++;
            out.append(b);
        });
        if (!json) {
            if (totals[1] == 0) {
                out.append("Mail queue is empty\n");
            } else {
                out.append("-- " + totals[0] / 1024 + " Kbytes in " + totals[1] + (totals[1] == 1 ? " Request.\n" : " Requests.\n"));
            }
        }
    }

    /** mailq - one message in the traditional listing format, with the empty line after it. */
    static void mailq(QueueListing.Message m, ZoneId zone, StringBuilder b) {
        String flags = switch (m.dir()) {
            case ACTIVE -> "*";
            case HOLD -> "!";
            default -> "";
        };
        if (m.forcedExpire()) {
            flags += "#";
        }
        String when = Instant.ofEpochMilli(m.arrivalMillis()).atZone(zone).format(ARRIVAL);
        b.append(String.format(Locale.ROOT, "%-11s %7d %s  %s\n", m.id() + flags, m.size(), when,
                m.sender().isEmpty() ? "MAILER-DAEMON" : m.sender()));
        String last = null;
        for (QueueListing.Recipient r : m.recipients()) {
            if (r.reason() != null && !r.reason().equals(last)) {
                String shown = "(" + r.reason() + ")";
                b.append(" ".repeat(Math.max(0, 78 - shown.length()))).append(shown).append('\n');
                last = r.reason();
            }
            b.append(" ".repeat(41)).append(r.address()).append('\n');
        }
        b.append('\n');
    }

    /** json - one message as Postfix 3.7's postqueue -j writes it, on one line. */
    static void json(QueueListing.Message m, StringBuilder b) {
        b.append("{\"queue_name\": ");
        quote(b, m.dir().dirName());
        b.append(", \"queue_id\": ");
        quote(b, m.id());
        b.append(", \"arrival_time\": ").append(m.arrivalMillis() / 1000);
        b.append(", \"message_size\": ").append(m.size());
        b.append(", \"forced_expire\": ").append(m.forcedExpire());
        b.append(", \"sender\": ");
        quote(b, m.sender().isEmpty() ? "MAILER-DAEMON" : m.sender());
        b.append(", \"recipients\": [");
        boolean first = true;
        for (QueueListing.Recipient r : m.recipients()) {
            b.append(first ? "" : ", ").append("{\"address\": ");
            quote(b, r.address());
            if (r.reason() != null && !r.reason().equals(QueueListing.UNAVAILABLE)) {
                b.append(", \"delay_reason\": ");
                quote(b, r.reason());
            }
            b.append('}');
            first = false;
        }
        b.append("]}\n");
    }

    /** quote - a JSON string (RFC 8259): quotes, backslashes and control characters escaped, the rest as is. */
    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
