package tern.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import tern.queue.QueueId;


/**
 * Postqueue - postqueue(1): list the queue (-p, the mailq format; -j, one JSON object per
 * message) and ask the daemon to flush it (-f all deferred mail, -s SITE mail for one
 * destination, -i ID one message). Output and exit status are Postfix 3.7's; see
 * src/test/resources/tern/cli/ for the formats as pinned against the real program.
 *
 * Listing reads the queue directly (Tern has no showq process), so it works while the daemon is
 * stopped; then it first warns, as Postfix does, that the mail system is down. Flushing needs the
 * daemon: control requests "flush", "flush site SITE", "flush id ID" (see Master), answered by the
 * queue manager.
 *
 * Exit status: 0, or 69 (EX_UNAVAILABLE) for a usage error, a daemon that is down or refuses.
 */
public final class Postqueue {
    static final int EX_UNAVAILABLE = 69;
    private static final String USAGE =
            "usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site";
    private static final DateTimeFormatter ARRIVAL = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss", Locale.ROOT);

    private Postqueue() {
    }

    public static int run(String[] args) {
        String configDir = null;
        char mode = 0;
        String modeArg = null;
        boolean tooMany = false;
        Getopt g = new Getopt(args, "c:fi:jps:v");
        for (char c = g.next(); c != Getopt.END; c = g.next()) {
            switch (c) {
                case 'c' -> configDir = g.arg();
                case 'v' -> {
                }
                case 'f', 'i', 'j', 'p', 's' -> {
                    tooMany |= mode != 0;
                    mode = c;
                    modeArg = g.arg();
                }
                default -> {
                    System.err.println("postqueue: " + g.error());
                    return usage(configDir);
                }
            }
        }
        if (mode == 0 || tooMany || g.rest().length > 0) {
            return usage(configDir);
        }
        Tool t;
        try {
            t = Tool.open("postqueue", configDir);
        } catch (Tool.Unusable e) {
            System.err.println("postqueue: fatal: " + e.getMessage());
            return 1;
        }
        try {
            return switch (mode) {
                case 'p' -> list(t, false, System.out);
                case 'j' -> list(t, true, System.out);
                case 'f' -> flush(t, "flush");
                case 's' -> flush(t, "flush site " + modeArg);
                default -> flushId(t, modeArg);
            };
        } finally {
            t.close();
        }
    }

    private static int usage(String configDir) {
        System.err.println("postqueue: fatal: " + USAGE);
        try {
            Tool t = Tool.open("postqueue", configDir);
            t.log.fatal(USAGE);
            t.close();
        } catch (Tool.Unusable e) {
            // no maillog to tell
        }
        return EX_UNAVAILABLE;
    }

    /** list - the queue in the mailq format or as JSON lines; also sendmail -bp and mailq. */
    static int list(Tool t, boolean json, PrintStream out) {
        if (!t.daemonRunning()) {
            t.warning("Mail system is down -- accessing queue directly (Connect to the Postfix showq service: "
                    + t.whyDown() + ")");
        }
        long[] totals = new long[2];
        StringBuilder b = new StringBuilder(256);
        try {
            QueueListing.scan(t.queue, QueueListing.SHOWQ_ORDER, t, m -> {
                b.setLength(0);
                if (json) {
                    json(m, b);
                } else {
                    if (totals[1] == 0) {
                        b.append("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n");
                    }
                    mailq(m, b);
                }
                totals[0] += m.size();
                totals[1]++;
                out.print(b);
            });
        } catch (AccessDeniedException e) {
            out.flush();
            return t.fatal(EX_UNAVAILABLE, "scan_dir_push: open directory " + t.queue.root().relativize(
                    java.nio.file.Path.of(e.getFile())) + ": Permission denied");
        } catch (IOException e) {
            out.flush();
            return t.fatal(EX_UNAVAILABLE, "queue listing: " + e.getMessage());
        }
        if (!json) {
            if (totals[1] == 0) {
                out.println("Mail queue is empty");
            } else {
                out.println("-- " + totals[0] / 1024 + " Kbytes in " + totals[1] + (totals[1] == 1 ? " Request." : " Requests."));
            }
        }
        out.flush();
        return 0;
    }

    /** mailq - one message in the traditional listing format, with the empty line after it. */
    static void mailq(QueueListing.Message m, StringBuilder b) {
        String flags = switch (m.dir()) {
            case ACTIVE -> "*";
            case HOLD -> "!";
            default -> "";
        };
        if (m.forcedExpire()) {
            flags += "#";
        }
        String when = Instant.ofEpochMilli(m.arrivalMillis()).atZone(ZoneId.systemDefault()).format(ARRIVAL);
        b.append(String.format(Locale.ROOT, "%-11s %7d %s  %s%n", m.id() + flags, m.size(), when,
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

    /** flush - ask the daemon for a flush; the daemon says whether it could. */
    static int flush(Tool t, String request) {
        if (!t.daemonRunning()) {
            return t.fatal(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
        }
        try {
            String r = t.request(request);
            if (r.startsWith("ok")) {
                return 0;
            }
            return t.fatal(EX_UNAVAILABLE, r.replaceFirst("^error ?", ""));
        } catch (IOException e) {
            return t.fatal(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
        }
    }

    private static int flushId(Tool t, String id) {
        if (!Tool.idOk(id)) {
            return t.fatal(EX_UNAVAILABLE, "Cannot flush queue ID - invalid name: \"" + id + "\"");
        }
        if (!t.daemonRunning()) {
            t.warning("connect to public/flush: " + t.whyDown());
            return t.fatal(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
        }
        if (!QueueId.isValid(id)) {
            return 0; // no such message can exist; Postfix's flush server says nothing either
        }
        try {
            String r = t.request("flush id " + id);
            if (r.startsWith("ok") || r.endsWith("no such deferred message")) {
                return 0; // as Postfix: asking for a message that is not deferred is no error
            }
            return t.fatal(EX_UNAVAILABLE, r.replaceFirst("^error ?", ""));
        } catch (IOException e) {
            return t.fatal(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
        }
    }
}
