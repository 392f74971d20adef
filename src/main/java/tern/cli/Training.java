package tern.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Training - the start-up training run behind the commands' ahead-of-time cache (./build runs it
 * once with -XX:AOTCacheOutput): every command does typical work on a throw-away instance in a
 * temporary directory, so that the classes all of them need are loaded, linked and archived, and
 * a later "postconf -h myhostname" starts from the archive instead of the jar.
 *
 * It touches nothing outside its temporary directory (no daemon runs there, so sendmail's message
 * only waits in that maildrop), prints nothing, and exits 0 even when a command fails: a command
 * that fails here still trained the classes it loaded on the way.
 */
public final class Training {
    private Training() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("tern-training");
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream none = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        System.setOut(none);
        System.setErr(none);
        try {
            train(dir);
        } finally {
            System.setOut(out);
            System.setErr(err);
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void train(Path dir) throws IOException {
        String c = dir.toString();
        Files.writeString(dir.resolve("main.cf"), String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.training.test",
                "inet_interfaces = 127.0.0.1",
                "queue_directory = " + dir.resolve("spool"),
                "data_directory = " + dir.resolve("data"),
                "maillog_file = " + dir.resolve("maillog"),
                "maillog_file_prefixes = /",
                "alias_maps = hash:" + dir.resolve("aliases"),
                "alias_database = hash:" + dir.resolve("aliases"),
                "virtual_alias_maps = hash:" + dir.resolve("virtual"),
                "") + "\n");
        Files.writeString(dir.resolve("master.cf"), "127.0.0.1:2525 inet n - n - - smtpd\n"
                + "pickup unix n - n 60 1 pickup\ncleanup unix n - n - 0 cleanup\nqmgr unix n - n 300 1 qmgr\n"
                + "smtp unix - - n - - smtp\nlocal unix - n n - - local\n");
        Files.writeString(dir.resolve("aliases"), "root: lucas\npostmaster: root\n");
        Files.writeString(dir.resolve("virtual"), "someemail lucas\n@example.test catchall\n");
        quietly(() -> Postconf.run(new String[]{"-c", c, "-h", "myhostname"}));
        quietly(() -> Postconf.run(new String[]{"-c", c}));
        quietly(() -> Postconf.run(new String[]{"-c", c, "-n"}));
        quietly(() -> Postconf.run(new String[]{"-c", c, "-d", "mydestination"}));
        quietly(() -> Postconf.run(new String[]{"-c", c, "-M"}));
        quietly(() -> Postconf.run(new String[]{"-c", c, "-e", "relayhost = [127.0.0.1]:2526"}));
        quietly(() -> Postmap.run(new String[]{"-c", c, dir.resolve("virtual").toString()}));
        quietly(() -> Postmap.run(new String[]{"-c", c, "-q", "someemail", dir.resolve("virtual").toString()}));
        quietly(() -> Postalias.run(new String[]{"-c", c, dir.resolve("aliases").toString()}));
        quietly(() -> Newaliases.run(new String[]{"-c", c}));
        quietly(() -> Postfix.run(new String[]{"-c", c, "check"}));
        quietly(() -> Postfix.run(new String[]{"-c", c, "status"}));
        byte[] message = "Subject: training\n\nbody\n".getBytes(StandardCharsets.US_ASCII);
        quietly(() -> Sendmail.run(new String[]{"-c", c, "-f", "a@training.test", "b@training.test"},
                new ByteArrayInputStream(message)));
        byte[] smtp = ("EHLO training.test\r\nMAIL FROM:<a@training.test>\r\nRCPT TO:<b@training.test>\r\nDATA\r\n"
                + "Subject: training\r\n\r\nbody\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII);
        quietly(() -> Sendmail.run(new String[]{"-c", c, "-bs"}, new ByteArrayInputStream(smtp)));
        quietly(() -> Postqueue.run(new String[]{"-c", c, "-p"}));
        quietly(() -> Postqueue.run(new String[]{"-c", c, "-j"}));
        quietly(() -> Mailq.run(new String[]{"-c", c}));
        quietly(() -> Qshape.run(new String[]{"-c", c, "maildrop"}));
        quietly(() -> Postcat.run(new String[]{"-c", c, "-q", "ABCDEF0123"}));
        quietly(() -> Postsuper.run(new String[]{"-c", c, "-s"}, new ByteArrayInputStream(new byte[0])));
        quietly(() -> Postsuper.run(new String[]{"-c", c, "-d", "ALL"}, new ByteArrayInputStream(new byte[0])));
    }

    /** Command - one command invocation; its exit status does not matter here. */
    private interface Command {
        int run() throws Exception;
    }

    private static void quietly(Command c) {
        try {
            c.run();
        } catch (Exception | Error e) {
            // a failing command still trained the classes it loaded
        }
    }
}
