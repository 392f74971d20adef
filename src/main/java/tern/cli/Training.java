package tern.cli;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Training - the start-up training run behind the commands' ahead-of-time caches (./build runs it
 * once per command with -XX:AOTCacheOutput, the command's name as the argument): the command does
 * typical work on a throw-away instance in a temporary directory, so that the classes it needs are
 * loaded, linked and archived, and a later "postconf -h myhostname" starts from the archive
 * instead of the jar. One cache per command because the JVM loads every class of its cache at
 * start: one cache for all commands made postconf -h myhostname about 30 ms slower.
 *
 * It touches nothing outside its temporary directory (no daemon runs there, so sendmail's message
 * only waits in that maildrop), prints nothing, and exits 0 even when a command fails: a command
 * that fails here still trained the classes it loaded on the way.
 */
public final class Training {
    private Training() {
    }

    public static void main(String[] args) throws IOException {
        // java.io rather than Files.createTempDirectory, Files.writeString and Files.walk: the
        // training's own housekeeping must not put classes in the caches that the commands do not
        // need (SecureRandom, channels, streams: some 150 classes, loaded at every start).
        File dir = new File(System.getProperty("java.io.tmpdir"), "tern-training-" + ProcessHandle.current().pid());
        remove(dir);
        if (!dir.mkdir()) {
            throw new IOException("cannot make " + dir);
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream none = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        System.setOut(none);
        System.setErr(none);
        try {
            train(dir, args.length > 0 ? args[0] : "");
        } finally {
            System.setOut(out);
            System.setErr(err);
            remove(dir);
        }
    }

    /** remove - a file or a directory tree (the training's own, with no links in it). */
    private static void remove(File f) {
        File[] inside = f.listFiles();
        if (inside != null) {
            for (File g : inside) {
                remove(g);
            }
        }
        f.delete();
    }

    private static void write(File f, String text) throws IOException {
        try (FileOutputStream out = new FileOutputStream(f)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void train(File dir, String command) throws IOException {
        String c = dir.toString();
        write(new File(dir, "main.cf"), String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.training.test",
                "inet_interfaces = 127.0.0.1",
                "queue_directory = " + new File(dir, "spool"),
                "data_directory = " + new File(dir, "data"),
                "maillog_file = " + new File(dir, "maillog"),
                "maillog_file_prefixes = /",
                "alias_maps = hash:" + new File(dir, "aliases"),
                "alias_database = hash:" + new File(dir, "aliases"),
                "virtual_alias_maps = hash:" + new File(dir, "virtual"),
                "") + "\n");
        write(new File(dir, "master.cf"), "127.0.0.1:2525 inet n - n - - smtpd\n"
                + "pickup unix n - n 60 1 pickup\ncleanup unix n - n - 0 cleanup\nqmgr unix n - n 300 1 qmgr\n"
                + "smtp unix - - n - - smtp\nlocal unix - n n - - local\n");
        write(new File(dir, "aliases"), "root: lucas\npostmaster: root\n");
        write(new File(dir, "virtual"), "someemail lucas\n@example.test catchall\n");
        // Every command starts in Main: load and link it in every cache (an unknown name prints a line to nowhere).
        Main.run("training", new String[0]);
        step(command, "postconf", () -> Postconf.run(new String[]{"-c", c, "-h", "myhostname"}));
        // Only the queries that scripts run many times ("postconf -h name", "postconf name"): every
        // class in a cache is loaded at every start, and the listings, -M and -e would add some 500
        // classes (10-15 ms) to each query. They load what they need from the jar instead.
        step(command, "postconf", () -> Postconf.run(new String[]{"-c", c, "mydestination", "myorigin"}));
        step(command, "postmap", () -> Postmap.run(new String[]{"-c", c, new File(dir, "virtual").toString()}));
        step(command, "postmap", () -> Postmap.run(new String[]{"-c", c, "-q", "someemail", new File(dir, "virtual").toString()}));
        step(command, "postalias", () -> Postalias.run(new String[]{"-c", c, new File(dir, "aliases").toString()}));
        step(command, "newaliases", () -> Newaliases.run(new String[]{"-c", c}));
        step(command, "postfix", () -> Postfix.run(new String[]{"-c", c, "check"}));
        step(command, "postfix", () -> Postfix.run(new String[]{"-c", c, "status"}));
        // The queue tools train on a queue that holds the messages sendmail submitted.
        String queued = switch (command) {
            case "postqueue", "mailq", "qshape", "postcat", "postsuper" -> "sendmail";
            default -> command;
        };
        byte[] message = "Subject: training\n\nbody\n".getBytes(StandardCharsets.US_ASCII);
        step(queued, "sendmail", () -> Sendmail.run(new String[]{"-c", c, "-f", "a@training.test", "b@training.test"},
                new ByteArrayInputStream(message)));
        byte[] smtp = ("EHLO training.test\r\nMAIL FROM:<a@training.test>\r\nRCPT TO:<b@training.test>\r\nDATA\r\n"
                + "Subject: training\r\n\r\nbody\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII);
        step(queued, "sendmail", () -> Sendmail.run(new String[]{"-c", c, "-bs"}, new ByteArrayInputStream(smtp)));
        step(command, "postqueue", () -> Postqueue.run(new String[]{"-c", c, "-p"}));
        step(command, "postqueue", () -> Postqueue.run(new String[]{"-c", c, "-j"}));
        step(command, "mailq", () -> Mailq.run(new String[]{"-c", c}));
        step(command, "qshape", () -> Qshape.run(new String[]{"-c", c, "maildrop"}));
        step(command, "postcat", () -> Postcat.run(new String[]{"-c", c, "-q", "ABCDEF0123"}));
        step(command, "postsuper", () -> Postsuper.run(new String[]{"-c", c, "-s"}, new ByteArrayInputStream(new byte[0])));
        step(command, "postsuper", () -> Postsuper.run(new String[]{"-c", c, "-d", "ALL"}, new ByteArrayInputStream(new byte[0])));
    }

    /** Command - one command invocation; its exit status does not matter here. */
    private interface Command {
        int run() throws Exception;
    }

    /** step - runs c when it trains the command being trained (the first argument; none: all of them). */
    private static void step(String training, String command, Command c) {
        if (!training.isEmpty() && !training.equals(command)) {
            return;
        }
        try {
            c.run();
        } catch (Exception | Error e) {
            // a failing command still trained the classes it loaded
        }
    }
}
