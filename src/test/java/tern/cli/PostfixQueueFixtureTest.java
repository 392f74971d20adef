package tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.queue.Queue;
import tern.showq.QueueListing;

/**
 * The queue listings against real Postfix 3.7. src/test/resources/tern/cli/postfix/ holds what the
 * real postqueue and qshape printed for a real Postfix queue (messages in maildrop, incoming,
 * active, deferred and hold; force-expired ones; interleaved delay reasons; a recipient without a
 * recorded reason; the null sender; a long sender; a long reason; an 8-digit size), taken with
 * the mail system stopped, in UTC. queue.json (postqueue -j) says everything these listings show,
 * so the test rebuilds the same queue in Tern's format from it and requires Tern's mailq and
 * postqueue -j to print exactly what Postfix printed, and qshape the same rows (the script orders
 * rows of equal count and length at random; Tern orders them by name). Postfix lists the messages
 * of one queue in directory order, Tern by queue ID: messages are compared queue by queue.
 */
class PostfixQueueFixtureTest {
    private static final String RES = "/tern/cli/postfix/";
    private static TimeZone saved;

    @TempDir
    static Path tmp;
    static QueueFixture fx;
    static long now;

    @BeforeAll
    static void build() throws IOException {
        saved = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
        now = Long.parseLong(resource("now.txt").split("\n")[0].strip());
        fx = new QueueFixture(tmp);
        Pattern obj = Pattern.compile("\\{\"queue_name\": \"(\\w+)\", \"queue_id\": \"(\\w+)\", \"arrival_time\": (\\d+), "
                + "\"message_size\": (\\d+), \"forced_expire\": (\\w+), \"sender\": \"([^\"]*)\", \"recipients\": \\[(.*)]}");
        Pattern rcpt = Pattern.compile("\\{\"address\": \"([^\"]*)\"(?:, \"delay_reason\": \"((?:[^\"\\\\]|\\\\.)*)\")?}");
        for (String line : resource("queue.json").split("\n")) {
            Matcher m = obj.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            List<QueueFixture.Rcpt> rcpts = new ArrayList<>();
            Matcher r = rcpt.matcher(m.group(7));
            while (r.find()) {
                rcpts.add(new QueueFixture.Rcpt(r.group(1), r.group(2) == null ? null : unjson(r.group(2))));
            }
            String sender = m.group(6).equals("MAILER-DAEMON") ? "" : m.group(6);
            fx.message(Queue.Dir.byName(m.group(1)), m.group(2), Long.parseLong(m.group(3)) * 1000,
                    Long.parseLong(m.group(4)), sender, rcpts, Boolean.parseBoolean(m.group(5)));
        }
    }

    @AfterAll
    static void restore() {
        TimeZone.setDefault(saved);
    }

    static String unjson(String s) {
        return s.replace("\\\"", "\"").replace("\\\\", "\\");
    }

    static String resource(String name) throws IOException {
        try (InputStream in = PostfixQueueFixtureTest.class.getResourceAsStream(RES + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String list(boolean json) throws Tool.Unusable {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Tool t = Tool.open("postqueue", fx.config());
        PrintStream err = System.err;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            assertThat(Postqueue.list(t, json, new PrintStream(b, true, StandardCharsets.UTF_8))).isZero();
        } finally {
            System.setErr(err);
            t.close();
        }
        assertThat(e.toString(StandardCharsets.UTF_8))
                .startsWith("postqueue: warning: Mail system is down -- accessing queue directly (Connect to the Postfix "
                        + "showq service: ");
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void mailqPrintsWhatPostfixPrints() throws Exception {
        String ours = list(false);
        String theirs = resource("mailq.out");
        String header = "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n";
        assertThat(ours).startsWith(header);
        assertThat(theirs).startsWith(header);
        List<String> o = blocks(ours.substring(header.length()));
        List<String> p = blocks(theirs.substring(header.length()));
        assertThat(o.getLast()).isEqualTo(p.getLast()).isEqualTo("-- 9875 Kbytes in 10 Requests.\n");
        assertThat(o).isEqualTo(inTernOrder(p));
    }

    @Test
    void postqueueJsonPrintsWhatPostfixPrints() throws Exception {
        List<String> ours = List.of(list(true).split("(?<=\n)"));
        List<String> theirs = List.of(resource("queue.json").split("(?<=\n)"));
        assertThat(ours).isEqualTo(inTernOrder(theirs));
    }

    /** blocks - a mailq listing cut into its messages (each with its empty line) and the summary line. */
    private static List<String> blocks(String listing) {
        return List.of(listing.split("(?<=\n\n)"));
    }

    /** inTernOrder - Postfix's entries (mailq blocks or JSON lines) queue by queue in showq order, by ID within a queue. */
    private static List<String> inTernOrder(List<String> entries) throws IOException {
        java.util.Map<String, String> queueOf = new java.util.HashMap<>();
        Matcher m = Pattern.compile("\"queue_name\": \"(\\w+)\", \"queue_id\": \"(\\w+)\"").matcher(resource("queue.json"));
        while (m.find()) {
            queueOf.put(m.group(2), m.group(1));
        }
        List<String> sorted = new ArrayList<>(entries);
        sorted.sort(java.util.Comparator.comparing((String e) -> rank(queueOf, e)).thenComparing(PostfixQueueFixtureTest::idOf));
        return sorted;
    }

    private static int rank(java.util.Map<String, String> queueOf, String entry) {
        String q = queueOf.get(idOf(entry));
        return q == null ? Integer.MAX_VALUE : QueueListing.SHOWQ_ORDER.indexOf(Queue.Dir.byName(q));
    }

    private static String idOf(String entry) {
        Matcher j = Pattern.compile("\"queue_id\": \"(\\w+)\"").matcher(entry);
        if (j.find()) {
            return j.group(1);
        }
        Matcher t = Pattern.compile("^([0-9A-F]+)").matcher(entry);
        return t.find() ? t.group(1) : entry;
    }

    @Test
    void qshapeRowsAreWhatPostfixPrints() throws Exception {
        String[][] cases = {
                {},
                {"deferred"},
                {"-s", "deferred", "hold"},
                {"-p", "deferred"},
                {"-p", "-m", "2", "deferred"},
                {"-l", "-t", "1", "-b", "5", "deferred", "hold", "incoming", "active"},
                {"-w", "100", "-b", "12", "deferred"},
                {"-s", "-w", "40", "deferred"},
                {"-t", "10", "-b", "4", "-l", "deferred", "hold", "incoming", "active"},
        };
        for (String[] c : cases) {
            String name = String.join("_", prepend("qshape", c)) + ".out";
            List<String> args = new ArrayList<>(List.of("-c", fx.config()));
            args.addAll(List.of(c));
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            assertThat(Qshape.run(args.toArray(new String[0]), new PrintStream(b, true, StandardCharsets.UTF_8), now))
                    .isZero();
            String ours = b.toString(StandardCharsets.UTF_8);
            String theirs = resource(name);
            List<String> o = List.of(ours.split("\n"));
            List<String> p = List.of(theirs.split("\n"));
            assertThat(o.subList(0, 2)).as(name).isEqualTo(p.subList(0, 2));
            assertThat(o).as(name).containsExactlyInAnyOrderElementsOf(p);
            assertThat(ranked(o)).as(name + ": rows by count, then length, then name").isTrue();
        }
    }

    private static String[] prepend(String first, String[] rest) {
        String[] a = new String[rest.length + 1];
        a[0] = first;
        System.arraycopy(rest, 0, a, 1, rest.length);
        return a;
    }

    /** ranked - the rows after TOTAL are by count descending, then name length, then name. */
    private static boolean ranked(List<String> rows) {
        for (int i = 3; i < rows.size(); i++) {
            String[] a = rows.get(i - 1).strip().split("\\s+");
            String[] b = rows.get(i).strip().split("\\s+");
            int ca = Integer.parseInt(a[1]);
            int cb = Integer.parseInt(b[1]);
            if (ca < cb || ca == cb && (a[0].length() > b[0].length()
                    || a[0].length() == b[0].length() && a[0].compareTo(b[0]) > 0)) {
                return false;
            }
        }
        return true;
    }
}
