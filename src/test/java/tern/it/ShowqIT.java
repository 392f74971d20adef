package tern.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue listing for a user who may not read the queue: mailq, postqueue -p/-j and sendmail -bp
 * run as nobody get it from the running daemon (control request "showq"), the same text root gets
 * by reading the queue; with the daemon stopped they fail as Postfix's do ("Queue report
 * unavailable - mail system is down", status 69) while root still reads the queue directly.
 *
 * Needs root (to start the daemon and to act as nobody with setpriv). The instance is stopped on
 * every way out (TestInstance.close), and every command runs under TestInstance's time limit.
 */
class ShowqIT {
    private static final Path HOME = Path.of(System.getProperty("tern.home", ".")).toAbsolutePath().normalize();
    private static final String SETPRIV = "/usr/bin/setpriv";
    private static final String DOWN = "postqueue: fatal: Queue report unavailable - mail system is down "
            + "(Connect to the Postfix showq service: No such file or directory)\n";

    @TempDir
    Path tmp;

    /** asNobody - bin/COMMAND -c DIR ARGS as user nobody, group nogroup, no other groups. */
    static TestInstance.Result asNobody(TestInstance t, String command, String... args) {
        List<String> cmd = new ArrayList<>(List.of(SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                HOME.resolve("bin").resolve(command).toString(), "-c", t.dir().toString()));
        cmd.addAll(List.of(args));
        return TestInstance.run(cmd, null);
    }

    @Test
    void aUserWhoMayNotReadTheQueueGetsTheListingFromTheDaemon() throws IOException {
        assumeTrue(Files.isExecutable(Path.of(SETPRIV)) && "root".equals(System.getProperty("user.name")),
                "needs root and setpriv to act as nobody");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (TestInstance t = QueueToolsIT.still(tmp.resolve("i"))) {
            Files.setPosixFilePermissions(t.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
            t.start();
            var q = QueueToolsIT.queue(t);
            String id = QueueToolsIT.deferred(q, "a@example.org", "u1@dest.example",
                    "connect to mx.dest.example[192.0.2.1]:25: Connection refused", 7 * 60_000);
            // the queue is the mail system's: nobody cannot list it on its own
            assertThat(TestInstance.run(List.of(SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    "ls", q.dir(tern.queue.Queue.Dir.DEFERRED).toString()), null).status()).isNotZero();

            TestInstance.Result rootP = t.command("postqueue", "-p");
            TestInstance.Result rootJ = t.command("postqueue", "-j");
            assertThat(rootP.out()).contains(id).contains("(connect to mx.dest.example[192.0.2.1]:25: Connection refused)")
                    .contains("u1@dest.example").endsWith("-- 0 Kbytes in 1 Request.\n");
            assertThat(rootJ.out()).startsWith("{\"queue_name\": \"deferred\", \"queue_id\": \"" + id + "\"");

            for (String[] c : List.of(new String[]{"mailq"}, new String[]{"postqueue", "-p"}, new String[]{"sendmail", "-bp"})) {
                TestInstance.Result r = asNobody(t, c[0], java.util.Arrays.copyOfRange(c, 1, c.length));
                assertThat(r.err()).as(String.join(" ", c)).isEmpty();
                assertThat(r.status()).as(String.join(" ", c)).isZero();
                assertThat(r.out()).as(String.join(" ", c)).isEqualTo(rootP.out());
            }
            TestInstance.Result j = asNobody(t, "postqueue", "-j");
            assertThat(j.err()).isEmpty();
            assertThat(j.status()).isZero();
            assertThat(j.out()).isEqualTo(rootJ.out())
                    .contains("\"delay_reason\": \"connect to mx.dest.example[192.0.2.1]:25: Connection refused\"");

            assertThat(t.postfix("stop").status()).isZero();
            for (String[] c : List.of(new String[]{"mailq"}, new String[]{"postqueue", "-p"}, new String[]{"postqueue", "-j"},
                    new String[]{"sendmail", "-bp"})) {
                TestInstance.Result r = asNobody(t, c[0], java.util.Arrays.copyOfRange(c, 1, c.length));
                assertThat(r.status()).as(String.join(" ", c)).isEqualTo(69);
                assertThat(r.out()).as(String.join(" ", c)).isEmpty();
                assertThat(r.err()).as(String.join(" ", c)).isEqualTo(DOWN);
            }
            // root still reads the queue itself, after Postfix's warning
            TestInstance.Result direct = t.command("mailq");
            assertThat(direct.status()).isZero();
            assertThat(direct.out()).isEqualTo(rootP.out());
            assertThat(direct.err()).startsWith("postqueue: warning: Mail system is down -- accessing queue directly");
        }
    }
}
