package tern.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, second "Done when": the seed page's transports, configured as the page says, in a
 * running daemon that receives the mail over SMTP.
 *
 * <ul>
 * <li>Mailman: "transport_maps = hash:.../transport" (built with bin/postmap) sends the list domain
 *     to "mailman:", the master.cf service "mailman unix - n n - - pipe flags=FR user=list
 *     argv=... ${nexthop} ${user}", with "mailman_destination_recipient_limit = 1". A stand-in for
 *     postfix-to-mailman.py records who ran it, its argv and its stdin: one run per recipient, as
 *     user list, argv "lists.example.test LISTNAME", the message after a From_ line and a
 *     Return-Path:. An exit status of 67 (EX_NOUSER) bounces the recipient, 75 defers it.</li>
 * <li>SPF and multiple addresses: "smtp unix ... smtp -o smtp_bind_address=PUBLIC" and
 *     "smtpinternal unix ... smtp -o smtp_bind_address=INTERNAL" with ".internal smtpinternal:" in
 *     the transport map: mail for user@host.internal leaves from the internal address, other mail
 *     from the public one, as the smtp-sink at each destination sees it. The .internal host is
 *     found in DNS (port 25), so this one runs in a private namespace (see {@link Netns}).</li>
 * </ul>
 * Both need root (the list user, namespaces); skipped otherwise.
 */
class SeedTransportsIT {
    private static final Path HOME = Path.of(System.getProperty("tern.home", ".")).toAbsolutePath().normalize();
    private static final Path SWAKS = Path.of("/usr/bin/swaks");

    @TempDir
    Path tmp;

    static String run(String... argv) {
        TestInstance.Result r = TestInstance.run(List.of(argv), null);
        assertThat(r.status()).as(String.join(" ", argv) + ": " + r).isZero();
        return r.out();
    }

    /** swaks - one message over SMTP; the queue id the server gave. */
    static String swaks(List<String> prefix, String server, String from, String to, String subject) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(SWAKS.toString(), "--server", server, "--helo", "client.test", "--from", from, "--to", to,
                "--header", "Subject: " + subject, "--body", "list traffic\n.leading dot\n", "--timeout", "15"));
        TestInstance.Result r = TestInstance.run(cmd, null);
        assertThat(r.status()).as(r.toString()).isZero();
        Matcher m = Pattern.compile("<- {2}250 2\\.0\\.0 Ok: queued as ([0-9A-Za-z]+)").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        return m.group(1);
    }

    static String await(TestInstance t, String regex) {
        Pattern p = Pattern.compile(regex);
        String line = t.awaitLog(l -> p.matcher(l).find(), 20_000);
        assertThat(line).as("log line matching " + regex + " in\n" + t.log()).isNotNull();
        return line;
    }

    static List<Path> files(Path d, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void mailmanThroughThePipeTransportOneRecipientPerRun() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the pipe transport's user=list needs root");
        assumeTrue(Files.isExecutable(SWAKS), "needs swaks");
        boolean madeList = TestInstance.run(List.of("id", "-u", "list"), null).status() != 0;
        if (madeList) {
            run("useradd", "-r", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", "-U", "list");
        }
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path dir = tmp.resolve("i");
            Path bin = tmp.resolve("mailman/bin");
            Path out = tmp.resolve("mailman/out");
            Files.createDirectories(bin);
            Files.createDirectories(out);
            Files.setPosixFilePermissions(tmp.resolve("mailman"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
            run("chown", "list", out.toString());
            Path script = bin.resolve("postfix-to-mailman.py");
            Files.writeString(script, """
                    #!/bin/sh
                    # stand-in for Mailman's postfix-to-mailman.py: records who ran it, its argv and its stdin
                    out=%s/$(date +%%s%%N).$$
                    { id -un; for a in "$0" "$@"; do printf '%%s\\n' "$a"; done; } > "$out.argv"
                    cat > "$out.stdin"
                    case "$2" in
                      nosuchlist) echo "no such list: $2"; exit 67 ;;
                      busylist) echo "list is locked"; exit 75 ;;
                    esac
                    exit 0
                    """.formatted(out));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(dir);
            // client.test: where the poster is; its bounce notice is discarded there, not sent out
            Files.writeString(dir.resolve("transport"), "lists.example.test mailman:\nclient.test discard:\n");
            try (TestInstance t = TestInstance.create(dir, "relay_domains = lists.example.test",
                    "transport_maps = hash:" + dir.resolve("transport"), "mailman_destination_recipient_limit = 1",
                    "minimal_backoff_time = 1h", "maximal_backoff_time = 2h", "queue_run_delay = 1h")) {
                Files.writeString(dir.resolve("master.cf"), TestInstance.masterCf(t.smtpPort())
                        + "mailman   unix  -       n       n       -       -       pipe\n"
                        + "  flags=FR user=list argv=" + script + " ${nexthop} ${user}\n");
                assertThat(t.command("postmap", dir.resolve("transport").toString()).status()).isZero();
                t.start();
                String id = swaks(List.of(), "127.0.0.1:" + t.smtpPort(), "poster@client.test",
                        "announce@lists.example.test,talk@lists.example.test,nosuchlist@lists.example.test,"
                                + "busylist@lists.example.test", "to the lists");
                for (String list : List.of("announce", "talk")) {
                    await(t, " postfix/pipe\\[\\d+\\]: " + id + ": to=<" + list + "@lists.example.test>, relay=mailman, "
                            + "delay=[0-9.]+, delays=[0-9./]+, dsn=2\\.0\\.0, status=sent \\(delivered via mailman service\\)$");
                }
                await(t, " postfix/pipe\\[\\d+\\]: " + id + ": to=<nosuchlist@lists.example.test>, relay=mailman, .*"
                        + "dsn=5\\.1\\.1, status=bounced \\(user unknown\\. Command output: no such list: nosuchlist \\)$");
                await(t, " postfix/pipe\\[\\d+\\]: " + id + ": to=<busylist@lists.example.test>, relay=mailman, .*"
                        + "dsn=4\\.3\\.0, status=deferred \\(temporary failure\\. Command output: list is locked \\)$");
                // the bounce notice for nosuchlist goes back to the poster
                String notice = await(t, " postfix/bounce\\[\\d+\\]: " + id + ": sender non-delivery notification: ");
                String nid = notice.substring(notice.lastIndexOf(' ') + 1);
                await(t, " postfix/discard\\[\\d+\\]: " + nid + ": to=<poster@client.test>, .*status=sent");

                List<Path> argvs = files(out, ".argv");
                assertThat(argvs).hasSize(4); // one run per recipient: mailman_destination_recipient_limit = 1
                List<String> seen = new ArrayList<>();
                for (Path a : argvs) {
                    List<String> lines = Files.readAllLines(a);
                    assertThat(lines).hasSize(4);
                    assertThat(lines.get(0)).isEqualTo("list");
                    assertThat(lines.get(1)).isEqualTo(script.toString());
                    assertThat(lines.get(2)).isEqualTo("lists.example.test");
                    seen.add(lines.get(3));
                    String stdin = Files.readString(Path.of(a.toString().replace(".argv", ".stdin")));
                    assertThat(stdin).startsWith("From poster@client.test  ");
                    assertThat(stdin.lines().skip(1).findFirst().orElse("")).isEqualTo("Return-Path: <poster@client.test>");
                    assertThat(stdin).contains("\nSubject: to the lists\n", "\nlist traffic\n.leading dot\n",
                            "Received: from client.test (localhost [127.0.0.1])\n\tby mx.example.test (Postfix) with ESMTP id "
                                    + id);
                    assertThat(Files.getAttribute(a, "unix:uid"))
                            .isEqualTo(Integer.parseInt(run("id", "-u", "list").strip()));
                }
                assertThat(seen).containsExactlyInAnyOrder("announce", "talk", "nosuchlist", "busylist");
                // the deferred recipient is the only one left in the message
                TestInstance.Result q = t.command("postqueue", "-j");
                assertThat(q.out()).contains("\"queue_id\": \"" + id + "\"", "{\"address\": \"busylist@lists.example.test\", "
                        + "\"delay_reason\": \"temporary failure. Command output: list is locked \"}")
                        .doesNotContain("announce@", "talk@", "nosuchlist@");
            }
        } finally {
            if (madeList) {
                TestInstance.run(List.of("userdel", "list"), null);
            }
        }
    }

    @Test
    void internalMailLeavesFromTheInternalAddressOtherMailFromThePublicOne() throws Exception {
        String why = Netns.unavailable();
        assumeTrue(why == null, why);
        assumeTrue(Files.isExecutable(SWAKS), "needs swaks");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/smtp-sink")), "needs smtp-sink");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Netns ns = Netns.start(tmp.resolve("ns"),
                "--host-record=sys1.internal,127.0.0.6",
                "--host-record=mx.out.test,127.0.0.5", "--mx-host=out.test,mx.out.test,10")) {
            Path internal = ns.sink("internal", "127.0.0.6");
            Path outside = ns.sink("outside", "127.0.0.5");
            Path dir = tmp.resolve("i");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("transport"), ".internal smtpinternal:\n");
            try (TestInstance t = TestInstance.create(dir, "transport_maps = hash:" + dir.resolve("transport")).inside(ns)) {
                // the seed's lines, with 127.0.0.7 as the SPF-published address and 127.0.0.2 as the internal one
                String master = TestInstance.masterCf("127.0.0.1:25").replace("smtp unix - - n - - smtp\n",
                        "smtp      unix  -       -       n       -       -       smtp\n"
                                + "        -o smtp_bind_address=127.0.0.7\n"
                                + "smtpinternal      unix  -       -       n       -       -       smtp\n"
                                + "        -o smtp_bind_address=127.0.0.2\n");
                assertThat(master).contains("smtpinternal");
                Files.writeString(dir.resolve("master.cf"), master);
                assertThat(t.command("postmap", dir.resolve("transport").toString()).status()).isZero();
                t.start();
                String in = swaks(ns.prefix(), "127.0.0.1:25", "reports@mx.example.test", "report@sys1.internal", "internal");
                String ext = swaks(ns.prefix(), "127.0.0.1:25", "reports@mx.example.test", "user@out.test", "external");
                await(t, " postfix/smtp\\[\\d+\\]: " + in + ": to=<report@sys1.internal>, relay=sys1\\.internal\\[127\\.0\\.0\\.6\\]:25, "
                        + ".*dsn=2\\.0\\.0, status=sent \\(250 2\\.0\\.0 Ok\\)$");
                await(t, " postfix/smtp\\[\\d+\\]: " + ext + ": to=<user@out.test>, relay=mx\\.out\\.test\\[127\\.0\\.0\\.5\\]:25, "
                        + ".*dsn=2\\.0\\.0, status=sent \\(250 2\\.0\\.0 Ok\\)$");
                List<Path> gotInternal = files(internal, "");
                List<Path> gotOutside = files(outside, "");
                assertThat(gotInternal).hasSize(1);
                assertThat(gotOutside).hasSize(1);
                assertThat(Files.readString(gotInternal.get(0))).startsWith("X-Client-Addr: 127.0.0.2\n")
                        .contains("X-Rcpt-Args: <report@sys1.internal>", "Subject: internal");
                assertThat(Files.readString(gotOutside.get(0))).startsWith("X-Client-Addr: 127.0.0.7\n")
                        .contains("X-Rcpt-Args: <user@out.test>", "Subject: external");
                // the internal host has no MX: the client asked for one, then used its address record
                assertThat(ns.dnsLog()).contains("query[MX] sys1.internal from 127.0.0.1")
                        .contains("query[A] sys1.internal from 127.0.0.1");
            }
        }
    }
}
