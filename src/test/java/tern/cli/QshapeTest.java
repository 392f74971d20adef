package tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.queue.Queue;

/**
 * qshape's column widths, parent domains and name truncation, with the expected output taken from
 * the real qshape (Postfix 3.7) on the same queue: one deferred message to
 * r@a-very-long-subdomain-name.another-long-label.example.com and q@b.another-long-label.example.com.
 */
class QshapeTest {
    @TempDir
    Path tmp;

    String qshape(QueueFixture fx, String... args) {
        List<String> a = new ArrayList<>(List.of("-c", fx.config()));
        a.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(Qshape.run(a.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8))).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void longNamesAreCutAsTheScriptCutsThem() throws IOException {
        QueueFixture fx = new QueueFixture(tmp);
        fx.message(Queue.Dir.DEFERRED, "ABCDEF00001", System.currentTimeMillis() - 60_000, 300, "s@x.example",
                List.of(new QueueFixture.Rcpt("r@a-very-long-subdomain-name.another-long-label.example.com", "x"),
                        new QueueFixture.Rcpt("q@b.another-long-label.example.com", "x")), false);
        assertThat(qshape(fx, "-p", "-m", "1", "deferred")).isEqualTo("""
                                                         T  5 10 20 40 80 160 320 640 1280 1280+
                                                  TOTAL  2  2  0  0  0  0   0   0   0    0     0
                                           .example.com  2  2  0  0  0  0   0   0   0    0     0
                        .another-long-label.example.com  2  2  0  0  0  0   0   0   0    0     0
                       b.another-long-label.example.com  1  1  0  0  0  0   0   0   0    0     0
                +in-name.another-long-label.example.com  1  1  0  0  0  0   0   0   0    0     0
                """);
        assertThat(qshape(fx, "-w", "120", "-p", "-m", "1", "deferred")).endsWith(
                "                      a-very-long-subdomain-name.another-long-label.example.com  1  1  0  0  0  0   0   0   0    0     0\n");
        String wide = qshape(fx, "-b", "20", "-p", "-m", "1", "deferred");
        assertThat(wide.split("\n")[0]).isEqualTo("                    T  5 10 20 40 80 160 320 640 1280 2560 5120 10240 20480 "
                + "40960 81920 163840 327680 655360 1310720 1310720+");
        assertThat(wide.split("\n")[3]).isEqualTo(".+abel.example.com  2  2  0  0  0  0   0   0   0    0    0    0     0     0"
                + "     0     0      0      0      0       0        0");
        assertThat(qshape(fx, "-p", "deferred")).doesNotContainPattern("(?m)^ *\\.(example|another)"); // fewer than 5 subdomains
    }

    @Test
    void anEmptyQueueStillHasItsHeadingAndTotal() throws IOException {
        QueueFixture fx = new QueueFixture(tmp);
        assertThat(qshape(fx)).isEqualTo("""
                                                         T  5 10 20 40 80 160 320 640 1280 1280+
                                                  TOTAL  0  0  0  0  0  0   0   0   0    0     0
                """);
    }

    @Test
    void domainsAreNormalisedAsTheScriptDoes() {
        assertThat(Qshape.domainOf("user@Sub..Example.com.")).isEqualTo("Sub.Example.com");
        assertThat(Qshape.domainOf("a@b@c.example")).isEqualTo("c.example");
        assertThat(Qshape.domainOf(".x.")).isEqualTo("x");
        assertThat(Qshape.parentOf("a.b.example.com")).isEqualTo(".b.example.com");
        assertThat(Qshape.parentOf(".b.example.com")).isEqualTo(".example.com");
        assertThat(Qshape.parentOf(".example.com")).isNull();
        assertThat(Qshape.parentOf("localhost")).isNull();
    }
}
