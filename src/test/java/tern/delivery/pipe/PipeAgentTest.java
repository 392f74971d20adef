package tern.delivery.pipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.config.Config;
import tern.delivery.Fixture;
import tern.delivery.RecipientResult;
import tern.queue.Envelope;

/**
 * PipeAgentTest - pipe(8) with a stand-in command that records its argv, uid and standard input
 * and exits as told: the seed's Mailman entry, flags, exit codes, user= checks, the time limit.
 * Runs as root (as the daemon does) so that user= can be applied; skipped otherwise.
 */
class PipeAgentTest {
    @TempDir
    Path tmp;
    Fixture fx;
    Path work;
    Path script;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue("0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))),
                "pipe tests switch users: they need root");
        fx = new Fixture(tmp);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        work = tmp.resolve("work");
        Files.createDirectories(work);
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        script = tmp.resolve("standin.sh");
        Files.writeString(script, """
                #!/bin/sh
                d=%s
                id -u > $d/uid
                printf '%%s\\n' "$@" > $d/argv
                cat > $d/stdin
                [ -f $d/out ] && cat $d/out
                [ -f $d/sleep ] && sleep $(cat $d/sleep)
                exit $(cat $d/code 2>/dev/null || echo 0)
                """.formatted(work));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (fx != null) {
            fx.close();
        }
    }

    private PipeAgent agent(String mainCf, String name, String... args) throws Exception {
        Config c = fx.config(mainCf, Map.of());
        List<String> a = new ArrayList<>(List.of(args));
        return new PipeAgent(fx.context(c, name, "pipe", a));
    }

    private Envelope message(String sender, String... rcpts) throws IOException {
        return fx.write(new Fixture.Message(sender, List.of(rcpts), Map.of("client_address", "192.0.2.7"),
                List.of("Subject: hi", "", "From here on", ".dot", "body")));
    }

    private Fixture.Results deliver(PipeAgent agent, Envelope e, String nexthop) {
        Fixture.Results res = new Fixture.Results();
        agent.deliver(fx.request(e, "x", nexthop), res);
        assertThat(res.all).hasSize(e.recipients().size());
        return res;
    }

    private String file(String name) throws IOException {
        return Files.readString(work.resolve(name));
    }

    @Test
    void seedMailmanEntry() throws Exception {
        PipeAgent a = agent("mailman_destination_recipient_limit = 1\n", "mailman", "flags=FR", "user=list",
                "argv=" + script, "${nexthop}", "${user}");
        RecipientResult r = deliver(a, message("owner@example.org", "mylist@lists.example.com"),
                "lists.example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
        assertThat(r.relay()).isEqualTo("mailman");
        assertThat(r.dsn()).isEqualTo("2.0.0");
        assertThat(r.text()).isEqualTo("delivered via mailman service");
        assertThat(file("argv")).isEqualTo("lists.example.com\nmylist\n");
        assertThat(file("uid").strip()).isEqualTo(String.valueOf(PipeAttributes.passwd("list")[0]));
        String in = file("stdin");
        assertThat(in).matches("(?s)From owner@example\\.org  \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}\n"
                + "Return-Path: <owner@example\\.org>\nSubject: hi\n\nFrom here on\n\\.dot\nbody\n");
    }

    @Test
    void flagsAndEol() throws Exception {
        PipeAgent a = agent("", "filter", "flags=DO.>B", "eol=\\r\\n", "user=list", "argv=" + script,
                "-f", "$sender", "--", "${recipient}", "$(original_recipient)", "$$x", "${size}", "${client_address}",
                "${queue_id}");
        Envelope e = fx.write(new Fixture.Message("", List.of("User@Example.COM|Alias@example.com"), Map.of(),
                List.of("Subject: hi", "", "From here on", ".dot", "body")));
        RecipientResult r = deliver(a, e, "example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.SENT);
        assertThat(file("argv")).isEqualTo("-f\nMAILER-DAEMON\n--\nUser@Example.COM\nAlias@example.com\n$x\n"
                + e.contentLength() + "\n\n" + e.id() + "\n");
        assertThat(file("stdin")).isEqualTo("X-Original-To: Alias@example.com\r\nDelivered-To: user@example.com\r\n"
                + "Subject: hi\r\n\r\n>From here on\r\n..dot\r\nbody\r\n\r\n");
    }

    @Test
    void onePerRecipientWordsAndFolding() throws Exception {
        PipeAgent a = agent("recipient_delimiter = +\n", "multi", "flags=hu", "user=list", "argv=" + script,
                "${nexthop}", "${recipient}", "${user}", "${extension}", "${domain}");
        deliver(a, message("s@example.org", "Joe+Tag@Example.COM", "+board@example.com"), "MX.Example.COM");
        assertThat(file("argv")).isEqualTo(
                "mx.example.com\njoe+tag@example.com\n+board@example.com\njoe\ntag\nboard\nexample.com\nexample.com\n");
    }

    @Test
    void exitStatusesAsPostfixWordsThem() throws Exception {
        PipeAgent a = agent("", "p", "user=list", "argv=" + script);
        Files.writeString(work.resolve("code"), "75");
        Files.writeString(work.resolve("out"), "try again later\n");
        RecipientResult r = deliver(a, message("s@example.org", "u@example.com"), "example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.3.0");
        assertThat(r.text()).isEqualTo("temporary failure. Command output: try again later ");

        Files.writeString(work.resolve("code"), "67");
        Files.writeString(work.resolve("out"), "no such user");
        r = deliver(a, message("s@example.org", "u@example.com"), "example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.1.1");
        assertThat(r.text()).isEqualTo("user unknown. Command output: no such user");

        Files.writeString(work.resolve("code"), "1");
        Files.writeString(work.resolve("out"), "oops\tbad\n");
        r = deliver(a, message("s@example.org", "u@example.com"), "example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.3.0");
        assertThat(r.text()).isEqualTo("Command died with status 1: \"" + script + "\". Command output: oops bad ");

        Files.writeString(work.resolve("out"), "4.2.1   mailbox busy");
        r = deliver(a, message("s@example.org", "u@example.com"), "example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.2.1");
        assertThat(r.text()).isEqualTo("mailbox busy");

        Files.delete(work.resolve("out"));
        Files.writeString(work.resolve("code"), "0");
        Path gone = tmp.resolve("no-such-command");
        PipeAgent missing = agent("", "p", "user=list", "argv=" + gone);
        r = deliver(missing, message("s@example.org", "u@example.com"), "example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.text()).startsWith("temporary failure. Command output: pipe: fatal: pipe_command: execvp " + gone);
    }

    @Test
    void neverRunsAsRoot() throws Exception {
        PipeAgent a = agent("", "p", "user=root", "argv=" + script);
        RecipientResult r = deliver(a, message("s@example.org", "u@example.com"), "example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.text()).isEqualTo("unknown mail transport error");
        assertThat(fx.log()).contains("postfix/pipe[").contains(
                "fatal: user= command-line attribute specifies root privileges");
        assertThat(work.resolve("argv")).doesNotExist();
        PipeAgent owner = agent("", "p", "user=postfix", "argv=" + script);
        deliver(owner, message("s@example.org", "u@example.com"), "example.com");
        assertThat(fx.log()).contains("fatal: user= command-line attribute specifies mail system owner postfix");
    }

    @Test
    void timeLimitKillsTheCommand() throws Exception {
        Files.writeString(work.resolve("sleep"), "30");
        PipeAgent a = agent("slow_time_limit = 1s\n", "slow", "user=list", "argv=" + script);
        long t0 = System.nanoTime();
        RecipientResult r = deliver(a, message("s@example.org", "u@example.com"), "example.com").all.get(0);
        assertThat(System.nanoTime() - t0).isLessThan(15_000_000_000L);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.3.0");
        assertThat(r.text()).isEqualTo("Command time limit exceeded: \"" + script + "\"");
    }

    @Test
    void limitsAndLoops() throws Exception {
        PipeAgent small = agent("", "p", "size=10", "user=list", "argv=" + script);
        RecipientResult r = deliver(small, message("s@example.org", "u@example.com"), "example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.2.3");
        assertThat(r.text()).isEqualTo("message too large");

        PipeAgent d = agent("", "dd", "flags=D", "user=list", "argv=" + script);
        Fixture.Results res = deliver(d, message("s@example.org", "u@example.com", "v@example.com"), "example.com");
        assertThat(res.all.get(0).status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(res.all.get(0).text()).isEqualTo("mail system configuration error");
        assertThat(fx.log()).contains("warning: pipe flag `D' requires dd_destination_recipient_limit = 1");

        Envelope looped = fx.write(new Fixture.Message("s@example.org", List.of("u@example.com"), Map.of(),
                List.of("Delivered-To: U@example.com", "Subject: x", "", "body")));
        r = deliver(d, looped, "example.com").all.get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.4.6");
        assertThat(r.text()).isEqualTo("mail forwarding loop for u@example.com");
    }
}
