package tern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NamespaceTest - the SMTP client end to end as a daemon would run it, inside "unshare -mn" (see
 * /work/shared/notes/test-network-namespace.md): a private loopback, /etc/resolv.conf bind-mounted
 * to name a dnsmasq on 127.0.0.1:53, smtp-sink on 127.0.0.3:25. Checks that the system resolver
 * honours resolv.conf, MX routing on port 25, and Postfix's loop rule: an MX whose address is one
 * of inet_interfaces on port 25 is this system ("mail for loop.test loops back to myself").
 * Skipped when unshare is not permitted (not root, or no namespaces).
 */
class NamespaceTest {
    @TempDir
    Path tmp;

    @Test
    void mxRoutingOnPort25WithTheSystemResolver() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")) && Files.isExecutable(Path.of("/usr/sbin/dnsmasq"))
                && Files.isExecutable(Path.of("/usr/sbin/smtp-sink")), "unshare, dnsmasq and smtp-sink are needed");
        Process probe = new ProcessBuilder("unshare", "-mn", "--", "true").redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0, "unshare -mn is not permitted here");

        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path sink = tmp.resolve("sink");
        Files.createDirectories(sink);
        Files.setPosixFilePermissions(sink, PosixFilePermissions.fromString("rwxrwxrwx"));
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path script = tmp.resolve("inside.sh");
        Files.writeString(script, """
                set -e
                T=%1$s
                ip link set lo up
                printf 'nameserver 127.0.0.1\\n' > $T/resolv.conf
                printf '127.0.0.1\\tlocalhost\\n' > $T/hosts
                mount --bind $T/resolv.conf /etc/resolv.conf
                mount --bind $T/hosts /etc/hosts
                dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --pid-file= \\
                  --listen-address=127.0.0.1 --bind-interfaces --port=53 --user=root --cache-size=0 \\
                  --local=/test/ --local=/in-addr.arpa/ \\
                  --host-record=mx1.a.test,127.0.0.3 --mx-host=a.test,mx1.a.test,10 \\
                  --host-record=mx.loop.test,127.0.0.1 --mx-host=loop.test,mx.loop.test,10 \\
                  --host-record=down.backup.test,127.0.0.4 --mx-host=backup.test,down.backup.test,10 \\
                  --mx-host=backup.test,mx1.a.test,20 & DNS=$!
                smtp-sink -u postfix -d "$T/sink/%%M." 127.0.0.3:25 20 & SINK=$!
                trap 'kill $DNS $SINK 2>/dev/null; wait' EXIT
                sleep 0.5
                "%2$s" -cp "%3$s" tern.delivery.smtp.NamespaceCheck $T/work
                """.formatted(tmp, java, cp));
        Process p = new ProcessBuilder("unshare", "-mn", "--", "sh", script.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(text).contains("RESULT u@a.test sent 2.0.0 mx1.a.test[127.0.0.3]:25 250 2.0.0 Ok");
        assertThat(text).contains("RESULT u@loop.test bounced 5.4.6 none mail for loop.test loops back to myself");
        assertThat(text).contains("RESULT u@nope.test bounced 5.4.4 none Host or domain name not found. Name service"
                + " error for name=nope.test type=A: Host not found");
        assertThat(text).contains("RESULT u@backup.test sent 2.0.0 mx1.a.test[127.0.0.3]:25 250 2.0.0 Ok");
        String dump;
        try (var files = Files.list(sink)) {
            dump = files.map(f -> {
                try {
                    return Files.readString(f);
                } catch (java.io.IOException e) {
                    return "";
                }
            }).reduce("", String::concat);
        }
        assertThat(dump).contains("X-Rcpt-Args: <u@a.test>").contains("X-Rcpt-Args: <u@backup.test>");
    }
}
