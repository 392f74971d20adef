package tern.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SmtpClientsTest - real SMTP clients against Tern's smtpd over loopback: Python's smtplib, swaks
 * and Postfix's smtp-source, as separate processes. A client that is not installed skips its test
 * (.ci/run installs them all).
 */
class SmtpClientsTest {
    @TempDir
    Path dir;

    private TestServer server() throws Exception {
        return new TestServer(dir.resolve("s" + System.nanoTime()), SmtpServerTest.BASE);
    }

    /** run - a command with a time limit; returns its exit status and output (stdout and stderr). */
    private static Result run(List<String> cmd, String input) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd.get(0) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private record Result(int status, String out) {
    }

    private static boolean installed(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":")) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", program));
    }

    private static String which(String program) {
        return Files.isExecutable(Path.of("/usr/sbin", program)) ? "/usr/sbin/" + program : program;
    }

    @Test
    void pythonSmtplib() throws Exception {
        try (TestServer t = server()) {
            String script = """
                    import smtplib, sys
                    from email.message import EmailMessage
                    m = EmailMessage()
                    m['From'] = 'alice@example.net'
                    m['To'] = 'root@localhost'
                    m['Subject'] = 'from smtplib'
                    m.set_content('Hello.\\n.leading dot\\n')
                    with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.example') as s:
                        print(s.ehlo()[0])
                        refused = s.send_message(m, to_addrs=['root@localhost', 'nosuchuser@localhost'])
                        print(sorted(refused.items()))
                        try:
                            s.sendmail('a@example.net', ['victim@elsewhere.test'], 'Subject: x\\n\\nx\\n')
                        except smtplib.SMTPRecipientsRefused as e:
                            print('refused', e.recipients['victim@elsewhere.test'][0])
                    """;
            Result r = run(List.of(SmtpdGoldenTest.python(), "-c", script, Integer.toString(t.port())), null);
            t.idle();
            assertThat(r.status()).as(r.out()).isZero();
            assertThat(r.out()).contains("250", "nosuchuser@localhost', (550, b'5.1.1 <nosuchuser@localhost>:");
            assertThat(t.cleanup.committed).hasSize(2); // the relayed one is fine: 127.0.0.1 is in mynetworks
            MemoryCleanup.Message m = t.cleanup.committed.get(0);
            assertThat(m.sender()).isEqualTo("alice@example.net");
            assertThat(m.recipients()).containsExactly("root@localhost");
            assertThat(m.content()).contains("Subject: from smtplib\n", "\nHello.\n.leading dot\n");
            assertThat(m.origin().helo()).isEqualTo("client.example");
        }
    }

    @Test
    void swaks() throws Exception {
        assumeTrue(installed("swaks"), "swaks is not installed");
        try (TestServer t = server()) {
            Result ok = run(List.of("swaks", "--server", "127.0.0.1", "--port", Integer.toString(t.port()),
                    "--from", "alice@example.net", "--to", "root@localhost", "--helo", "client.example",
                    "--header", "Subject: from swaks", "--body", "swaks body"), null);
            assertThat(ok.status()).as(ok.out()).isZero();
            assertThat(ok.out()).contains("<-  250 2.0.0 Ok: queued as ");
            Result pipe = run(List.of("swaks", "--server", "127.0.0.1", "--port", Integer.toString(t.port()),
                    "--from", "alice@example.net", "--to", "root@localhost", "--pipeline"), null);
            assertThat(pipe.status()).as(pipe.out()).isZero();
            Result relay = run(List.of("swaks", "--server", "127.0.0.1", "--port", Integer.toString(t.port()),
                    "--local-interface", "127.0.0.2", "--from", "spam@example.net", "--to", "victim@elsewhere.test"),
                    null);
            assertThat(relay.status()).isNotZero();
            assertThat(relay.out()).contains("<** 454 4.7.1 <victim@elsewhere.test>: Relay access denied");
            t.idle();
            assertThat(t.cleanup.committed).hasSize(2);
            assertThat(t.cleanup.committed.get(0).content()).contains("Subject: from swaks\n", "\nswaks body\n");
        }
    }

    @Test
    void smtpSourceLoad() throws Exception {
        assumeTrue(installed("smtp-source"), "smtp-source (postfix) is not installed");
        try (TestServer t = server()) {
            List<String> cmd = new ArrayList<>(List.of(which("smtp-source"), "-s", "5", "-m", "100", "-l", "2000",
                    "-f", "load@example.net", "-t", "root@localhost", "127.0.0.1:" + t.port()));
            Result r = run(cmd, null);
            t.idle();
            assertThat(r.status()).as(r.out()).isZero();
            assertThat(t.cleanup.committed).hasSize(100);
            assertThat(t.cleanup.open()).isZero();
        }
    }
}
