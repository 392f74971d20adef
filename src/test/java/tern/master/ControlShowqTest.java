package tern.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.log.MailLog;

/**
 * The control socket's multi-line answer ("showq"): the listing arrives byte for byte, whatever
 * its lines look like; a listing that fails half-way ends with the daemon's reason; other requests
 * keep their one-line answers; a daemon that is not there is an IOException before any output.
 */
class ControlShowqTest {
    @TempDir
    Path tmp;

    private static final String AWKWARD = "-Queue ID-\n.\n..\n.leading dot\n\n   \u00e9t\u00e9 \u2603\n"
            + ".".repeat(20_000) + "\nlast line without newline";

    private ControlServer server(Path socket, ControlServer.Lister lister) throws IOException {
        MailLog log = MailLog.toStream("test", new PrintStream(OutputStream.nullOutputStream()));
        return ControlServer.open(socket, (command, privileged) -> command.equals("status") ? "ok 42" : "error no",
                lister, log.logger("postfix", "master"));
    }

    @Test
    void theListingArrivesByteForByteWithAnEndOfOk() throws IOException {
        Path socket = tmp.resolve("master.sock");
        String[] seen = new String[1];
        try (ControlServer s = server(socket, (args, out) -> {
            seen[0] = args;
            out.append(AWKWARD);
        })) {
            StringBuilder out = new StringBuilder();
            assertThat(ControlClient.showq(socket, "-j Europe/Paris", out)).isEqualTo("ok");
            assertThat(seen[0]).isEqualTo("-j Europe/Paris");
            assertThat(out.toString()).isEqualTo(AWKWARD + "\n"); // the end mark needs a line of its own
            assertThat(ControlClient.request(socket, "status")).isEqualTo("ok 42");
            assertThat(ControlClient.running(socket)).isEqualTo(42);
        }
    }

    @Test
    void anEmptyListingIsNoText() throws IOException {
        Path socket = tmp.resolve("master.sock");
        try (ControlServer s = server(socket, (args, out) -> {
        })) {
            StringBuilder out = new StringBuilder();
            assertThat(ControlClient.showq(socket, "-j", out)).isEqualTo("ok");
            assertThat(out).isEmpty();
        }
    }

    @Test
    void aListingThatFailsHalfWayKeepsWhatCameAndSaysWhy() throws IOException {
        Path socket = tmp.resolve("master.sock");
        try (ControlServer s = server(socket, (args, out) -> {
            out.append("first\n");
            throw new java.nio.file.AccessDeniedException("/spool/hold");
        })) {
            StringBuilder out = new StringBuilder();
            assertThat(ControlClient.showq(socket, "-p", out)).isEqualTo("error /spool/hold: Permission denied");
            assertThat(out.toString()).isEqualTo("first\n");
        }
    }

    @Test
    void noDaemonIsAnIOExceptionBeforeAnyOutput() {
        StringBuilder out = new StringBuilder();
        assertThatThrownBy(() -> ControlClient.showq(tmp.resolve("master.sock"), "-p", out))
                .isInstanceOf(IOException.class).hasMessage("No such file or directory");
        assertThat(out).isEmpty();
    }

    @Test
    void dotFramingRoundTripsAndStopsAtTheEndMark() throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        DotBody.Out out = new DotBody.Out(wire, 1000);
        out.write("a\n.b\n.\n\n".getBytes(StandardCharsets.UTF_8));
        out.finish();
        wire.write("after\n".getBytes(StandardCharsets.UTF_8));
        assertThat(wire.toString(StandardCharsets.UTF_8)).isEqualTo("a\n..b\n..\n\n.\nafter\n");

        ByteArrayInputStream in = new ByteArrayInputStream(wire.toByteArray());
        assertThat(new String(new DotBody.In(in).readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a\n.b\n.\n\n");
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("after\n");
    }

    @Test
    void dotFramingHasALimitAndNoticesACutOffBody() {
        DotBody.Out out = new DotBody.Out(new ByteArrayOutputStream(), 4);
        assertThatThrownBy(() -> out.write("12345".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessage("answer longer than 4 bytes");
        DotBody.In in = new DotBody.In(new ByteArrayInputStream("a\nb".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
        DotBody.In single = new DotBody.In(new ByteArrayInputStream(".x\n.\n".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(single::readAllBytes).isInstanceOf(IOException.class);
    }
}
