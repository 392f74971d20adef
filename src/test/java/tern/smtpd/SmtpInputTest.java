package tern.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** SmtpInputTest - line and piece splitting, BDAT chunk bounds, and reading in small bites. */
class SmtpInputTest {
    /** trickle - a stream that returns at most n bytes per read, as a slow network does. */
    static InputStream trickle(String s, int n) {
        ByteArrayInputStream b = new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
        return new InputStream() {
            @Override
            public int read() {
                return b.read();
            }

            @Override
            public int read(byte[] buf, int off, int len) {
                return b.read(buf, off, Math.min(len, n));
            }
        };
    }

    static List<String> all(SmtpInput in, int max) throws IOException {
        List<String> out = new ArrayList<>();
        for (;;) {
            int r = in.readLine(max);
            if (r == SmtpInput.END) {
                return out;
            }
            if (r == SmtpInput.CHUNK_END) {
                out.add("E:");
                return out;
            }
            String text = new String(in.buf(), in.off, in.len, StandardCharsets.ISO_8859_1);
            out.add((r == SmtpInput.LINE ? "L:" : "P:") + text);
        }
    }

    @Test
    void linesEndAtLfWithOrWithoutCr() throws IOException {
        for (int bite : new int[] {1, 3, 1000}) {
            SmtpInput in = new SmtpInput(trickle("EHLO x\r\nNOOP\nDATA\r\rx\r\n\r\nlast", bite), () -> { });
            assertThat(all(in, 100)).containsExactly("L:EHLO x", "L:NOOP", "L:DATA\r\rx", "L:");
            assertThat(in.consumed).isEqualTo(24); // "last" has no line end yet
        }
    }

    @Test
    void longLinesComeInPiecesOfTheLimit() throws IOException {
        String line = "a".repeat(25);
        SmtpInput in = new SmtpInput(trickle(line + "\r\nb\r\n", 4), () -> { });
        assertThat(all(in, 10)).containsExactly("P:aaaaaaaaaa", "P:aaaaaaaaaa", "L:aaaaa", "L:b");
    }

    @Test
    void aCrAtTheLimitWaitsForItsLf() throws IOException {
        SmtpInput in = new SmtpInput(trickle("123456789\r\r\nx\r\n", 100), () -> { });
        // the 10-byte piece would end in a CR that might be half of a CR LF: it waits for the next read
        assertThat(all(in, 10)).containsExactly("P:123456789", "L:\r", "L:x");
    }

    @Test
    void skipLineDropsTheRestOfAnOverlongCommand() throws IOException {
        SmtpInput in = new SmtpInput(trickle("NOOP " + "x".repeat(5000) + "\r\nQUIT\r\n", 7), () -> { });
        assertThat(in.readLine(100)).isEqualTo(SmtpInput.PART);
        assertThat(in.skipLine()).isTrue();
        assertThat(all(in, 100)).containsExactly("L:QUIT");
    }

    @Test
    void chunksStopAtTheirEnd() throws IOException {
        SmtpInput in = new SmtpInput(trickle("ab\r\ncdeNOOP\r\n", 2), () -> { });
        in.beginChunk(7);
        assertThat(all(in, 100)).containsExactly("L:ab", "P:cde", "E:");
        in.endChunk();
        assertThat(all(in, 100)).containsExactly("L:NOOP");
    }

    @Test
    void discardReadsExactlyTheChunk() throws IOException {
        SmtpInput in = new SmtpInput(trickle("x".repeat(3000) + "QUIT\r\n", 100), () -> { });
        assertThat(in.discard(3000)).isTrue();
        assertThat(all(in, 100)).containsExactly("L:QUIT");
        assertThat(in.discard(1)).isFalse();
    }

    @Test
    void flushesBeforeWaiting() throws IOException {
        int[] flushes = new int[1];
        SmtpInput in = new SmtpInput(trickle("A\r\nB\r\nC\r\n", 1000), () -> flushes[0]++);
        in.readLine(100);
        assertThat(flushes[0]).isEqualTo(1);
        in.readLine(100);
        in.readLine(100);
        assertThat(flushes[0]).isEqualTo(1); // B and C were read ahead: no wait, no flush
        in.readLine(100);
        assertThat(flushes[0]).isEqualTo(2);
    }

    @Test
    void peekShowsPendingInputWithoutConsumingIt() throws IOException {
        SmtpInput in = new SmtpInput(trickle("EHLO x\r\nMAIL FROM:<a@b>\r\n", 1000), () -> { });
        in.readLine(100);
        assertThat(in.pending()).isTrue();
        assertThat(new String(in.peek(5), StandardCharsets.US_ASCII)).isEqualTo("MAIL ");
        assertThat(all(in, 100)).containsExactly("L:MAIL FROM:<a@b>");
        assertThat(in.pending()).isFalse();
    }
}
