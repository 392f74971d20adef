package tern.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tern.queue.Envelope;
import tern.queue.QueueFile;
import tern.queue.QueueId;
import tern.queue.Recipient;
import tern.showq.QueueListing;

/**
 * Qshape - qshape(1): how the queue is distributed over recipient (or, with -s, sender) domains
 * and message age. Columns are age buckets of -t minutes (5) that double (-l: grow linearly) for
 * -b buckets (10), the last open-ended; "T" is the total. Rows are domains by count, most first
 * (then shorter names first, then by name), after a TOTAL row; -p adds parent domains (".example.com")
 * that have at least -m (5) subdomains; -w widens the output from 80 columns, names too long for
 * the rest being cut to "+" and their last characters. Queues default to incoming and active;
 * names are relative to queue_directory unless absolute.
 *
 * Output is the same as Postfix's qshape script for the same queue; the age of a message is its
 * arrival time, counted in whole seconds from when qshape starts. Only complete queue files are
 * counted (files being written are not), each for its recipients not yet delivered. Like the
 * script, which takes only files of mode 0700 (under mask 0733), messages marked for forced
 * expiry (postsuper -e/-f) are not counted.
 */
public final class Qshape {
    private static final String USAGE = """
            Usage: qshape [ -s ] [ -p ] [ -m <min_subdomains> ] [ -l ]
            \t[ -b <bucket_count> ] [ -t <bucket_time> ] [ -w <terminal_width> ]
            \t[ -N <batch_msg_count> ] [ -n <batch_top_domains> ]
            \t[ -c <config_directory> ] [ <queue_name> ... ]
            The 's' option shows sender domain counts.
            The 'p' option shows address counts by for parent domains.
            Parent domains are shown with a leading '.' before the domain name.
            Parent domains are only shown if the domain is not a TLD, and at
            least <min_subdomains> (default 5) subdomains are shown in the output.

            The bucket age ranges in units of <bucket_time> minutes are
            [0,1), [1,2), [2,4), [4,8), [8, 16), ... i.e.:
            \tthe first bucket is [0, bucket_time) minutes
            \tthe second bucket is [bucket_time, 2*bucket_time) minutes
            \tthe third bucket is [2*bucket_time, 4*bucket_time) minutes...
            '-l' makes the ages linear, the number of buckets shown is <bucket_count>
            """;
    private static final int DOMAIN_MIN_WIDTH = 18;

    private final boolean senders;
    private final boolean parents;
    private final boolean linear;
    private final int buckets;
    private final long tick;
    private final int width;
    private final int minSub;
    private final long now;
    private final Map<String, long[]> counts = new HashMap<>();
    private final Map<String, Integer> subdomains = new HashMap<>();

    private Qshape(boolean senders, boolean parents, boolean linear, int buckets, long tick, int width, int minSub,
                   long now) {
        this.now = now;
        this.senders = senders;
        this.parents = parents;
        this.linear = linear;
        this.buckets = buckets;
        this.tick = tick;
        this.width = width;
        this.minSub = minSub;
    }

    public static int run(String[] args) {
        return run(args, System.out);
    }

    static int run(String[] args, PrintStream out) {
        return run(args, out, System.currentTimeMillis() / 1000);
    }

    /** run - with the reference time given (seconds since the epoch), as the tests need. */
    static int run(String[] args, PrintStream out, long now) {
        String configDir = null;
        boolean s = false;
        boolean p = false;
        boolean l = false;
        int b = 10;
        long t = 5;
        int w = 80;
        int m = 5;
        Getopt g = new Getopt(args, "lhc:psw:b:t:m:n:N:");
        for (char c = g.next(); c != Getopt.END; c = g.next()) {
            switch (c) {
                case 'c' -> configDir = g.arg();
                case 's' -> s = true;
                case 'p' -> p = true;
                case 'l' -> l = true;
                case 'w' -> w = Math.max(w, number(g.arg(), 0));
                case 'b' -> b = positive(g.arg(), b);
                case 't' -> t = positive(g.arg(), (int) t);
                case 'm' -> m = positive(g.arg(), m);
                case 'n', 'N' -> {
                    // interim results are for terminals only; this output never is one
                }
                case 'h' -> {
                    System.err.print("qshape: Help message\n" + USAGE);
                    return 255;
                }
                default -> {
                    String e = g.error();
                    System.err.print("qshape: " + (e.startsWith("invalid option") ? "Unknown option: "
                            + e.charAt(e.length() - 2) : e) + "\n" + USAGE);
                    return 255;
                }
            }
        }
        Tool tool;
        try {
            tool = Tool.open("qshape", configDir);
        } catch (Tool.Unusable e) {
            System.err.println("qshape: postconf failed: " + e.getMessage());
            return 255;
        }
        try {
            String[] names = g.rest().length > 0 ? g.rest() : new String[]{"incoming", "active"};
            Qshape q = new Qshape(s, p, l, b, t, w, m, now);
            for (String name : names) {
                Path dir = name.startsWith("/") ? Path.of(name) : tool.queue.root().resolve(name);
                if (!Files.exists(dir)) {
                    System.err.println("Can't stat " + name + ": No such file or directory");
                    continue;
                }
                q.scan(dir);
            }
            q.results(out);
            out.flush();
            return 0;
        } finally {
            tool.close();
        }
    }

    private static int number(String s, int otherwise) {
        if (s == null || s.isEmpty() || s.length() > 9) {
            return otherwise;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return otherwise;
            }
        }
        return Integer.parseInt(s);
    }

    private static int positive(String s, int otherwise) {
        int n = number(s, 0);
        return n > 0 ? n : otherwise;
    }

    /** scan - every complete queue file in dir (and below, as a queue may have subdirectories). */
    private void scan(Path dir) {
        List<Path> files = new ArrayList<>();
        collect(dir, files, 0);
        Collections.sort(files);
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (!QueueId.isValid(name)) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                if (QueueListing.inProgress(ch) || QueueListing.forcedExpire(f)) {
                    continue;
                }
                QueueFile qf = QueueFile.read(f, ch);
                add(qf);
            } catch (NoSuchFileException e) {
                // delivered or moved while we looked
            } catch (IOException e) {
                // not a queue file we can read: qshape skips it, postsuper -s reports it
            }
        }
    }

    private static void collect(Path dir, List<Path> out, int depth) {
        if (depth > 4) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    collect(p, out, depth + 1);
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            System.err.println("Can't opendir " + dir + ": " + (e instanceof java.nio.file.AccessDeniedException
                    ? "Permission denied" : e.getMessage()));
        }
    }

    /** add - one message: its pending recipients (or its sender) into the counts. */
    private void add(QueueFile qf) {
        Envelope e = qf.envelope();
        int bucket = bucket(e.arrivalMillis() / 1000);
        List<String> addresses = new ArrayList<>();
        if (senders) {
            addresses.add(e.sender());
        } else {
            for (Recipient r : qf.pending()) {
                addresses.add(r.address());
            }
        }
        for (String address : addresses) {
            count("TOTAL", bucket);
            String a = address.toLowerCase(Locale.ROOT);
            if (a.isEmpty()) {
                a = "MAILER-DAEMON";
            }
            a = domainOf(a);
            boolean isNew = false;
            while (true) {
                boolean old = count(a, bucket) > 1;
                if (isNew) {
                    subdomains.merge(a, 1, Integer::sum);
                }
                isNew = !old;
                String parent = parents ? parentOf(a) : null;
                if (parent == null) {
                    break;
                }
                a = parent;
            }
        }
    }

    /** domainOf - what follows the last "@", with each ".." made "." (one pass) and one leading and trailing dot dropped. */
    static String domainOf(String address) {
        String a = address;
        int at = a.lastIndexOf('@');
        if (at >= 0) {
            a = a.substring(at + 1);
        }
        a = a.replace("..", "."); // one pass, as the script's s/\.\././g
        if (a.length() > 1 && a.startsWith(".")) {
            a = a.substring(1);
        }
        if (a.length() > 1 && a.endsWith(".")) {
            a = a.substring(0, a.length() - 1);
        }
        return a;
    }

    /**
     * parentOf - ".example.com" for "a.example.com" or ".a.example.com"; null when what remains
     * would be a top-level domain alone.
     */
    static String parentOf(String d) {
        String s = d.startsWith(".") ? d.substring(1) : d;
        int dot = s.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String rest = s.substring(dot + 1);
        if (rest.indexOf('.') < 0) {
            return null;
        }
        return "." + rest;
    }

    private long count(String key, int bucket) {
        long[] c = counts.computeIfAbsent(key, k -> new long[buckets + 1]);
        c[0]++;
        c[bucket]++;
        return c[0];
    }

    /** bucket - 1 for [0, tick) minutes, then doubling (or linear) ranges, the last one open. */
    private int bucket(long arrivalSeconds) {
        double m = (now - arrivalSeconds) / (60.0 * tick);
        if (m < 1) {
            return 1;
        }
        int b = linear ? (int) (m + 1) : 2 + (int) (Math.log(m) / Math.log(2));
        return Math.min(b, buckets);
    }

    private void results(PrintStream out) {
        long[] total = counts.computeIfAbsent("TOTAL", k -> new long[buckets + 1]);
        List<String> heads = new ArrayList<>();
        int[] widths = new int[buckets + 1];
        int dw = width;
        String t = "0";
        for (int i = 0; i <= buckets; ) {
            int l = Long.toString(total[i]).length();
            String h = i == 0 ? "T" : t;
            if (h.length() >= l) {
                l = h.length();
            }
            l = l > 2 ? l + 1 : 3;
            heads.add(h);
            widths[i] = l;
            dw -= l;
            if (++i < buckets) {
                long tv = Long.parseLong(t);
                t = Long.toString(tv != 0 && !linear ? tv + tv : tv + tick);
            } else {
                t = t + "+";
            }
        }
        if (dw < DOMAIN_MIN_WIDTH) {
            dw = DOMAIN_MIN_WIDTH;
        }
        StringBuilder b = new StringBuilder();
        row(b, dw, "", heads.toArray(new String[0]), widths);
        List<Map.Entry<String, long[]>> rows = new ArrayList<>(counts.entrySet());
        rows.sort((x, y) -> {
            int c = Long.compare(y.getValue()[0], x.getValue()[0]);
            if (c == 0) {
                c = Integer.compare(x.getKey().length(), y.getKey().length());
            }
            return c != 0 ? c : x.getKey().compareTo(y.getKey());
        });
        for (Map.Entry<String, long[]> r : rows) {
            String d = r.getKey();
            if (d.startsWith(".") && subdomains.getOrDefault(d, 0) < minSub) {
                continue;
            }
            String[] cells = new String[buckets + 1];
            for (int i = 0; i <= buckets; i++) {
                cells[i] = Long.toString(r.getValue()[i]);
            }
            row(b, dw, d, cells, widths);
        }
        out.print(b);
    }

    private static void row(StringBuilder b, int dw, String d, String[] cells, int[] widths) {
        int len = d.length();
        if (len > dw) {
            if (d.startsWith(".")) {
                b.append(".+").append(d, len - dw + 2, len);
            } else {
                b.append('+').append(d, len - dw + 1, len);
            }
        } else {
            b.append(" ".repeat(dw - len)).append(d);
        }
        for (int i = 0; i < cells.length; i++) {
            b.append(" ".repeat(Math.max(0, widths[i] - cells[i].length()))).append(cells[i]);
        }
        b.append('\n');
    }
}
