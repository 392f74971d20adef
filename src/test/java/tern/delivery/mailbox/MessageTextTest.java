package tern.delivery.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.queue.ContentStream;

/**
 * MessageTextTest - the wire-to-text conversion: CRLF to LF, leading dots, "From " quoting, lone
 * CRs, a missing last line end, and read buffers that cut lines and CRLFs anywhere (checked
 * against the queue package's ContentStream on random content).
 */
class MessageTextTest {
    @TempDir
    Path tmp;

    /** text - the conversion of wire bytes, with a read buffer of bufSize. */
    String text(byte[] wire, boolean quote, int bufSize, boolean[] ended) throws IOException {
        Path p = tmp.resolve("q" + System.nanoTime());
        byte[] withPrefix = new byte[wire.length + 7];
        System.arraycopy("PREFIX\n".getBytes(StandardCharsets.US_ASCII), 0, withPrefix, 0, 7);
        System.arraycopy(wire, 0, withPrefix, 7, wire.length);
        Files.write(p, withPrefix);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            boolean e = MessageText.copy(ch, 7, wire.length, quote, new byte[bufSize], new MessageText.Sink() {
                @Override
                public void bytes(byte[] b, int off, int len) {
                    assertThat(len).isPositive();
                    for (int i = off; i < off + len; i++) {
                        assertThat(b[i]).isNotEqualTo((byte) '\n');
                    }
                    out.write(b, off, len);
                }

                @Override
                public void lineEnd() {
                    out.write('\n');
                }
            });
            if (ended != null) {
                ended[0] = e;
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void convertsWireFormToText() throws IOException {
        boolean[] ended = new boolean[1];
        assertThat(text(b("Subject: x\r\n\r\n..dot\r\nFrom me\r\n>From you\r\nFrom\r\nlone\rcr\r\n"), true, 8, ended))
                .isEqualTo("Subject: x\n\n.dot\n>From me\n>From you\nFrom\nlone\rcr\n");
        assertThat(ended[0]).isTrue();
        assertThat(text(b("From me\r\n"), false, 64, null)).isEqualTo("From me\n");
        assertThat(text(b("no end"), true, 64, ended)).isEqualTo("no end");
        assertThat(ended[0]).isFalse();
        assertThat(text(b(""), true, 64, ended)).isEmpty();
        assertThat(ended[0]).isTrue();
        assertThat(text(b("..From x\r\n"), true, 8, null)).isEqualTo(".From x\n");
        assertThat(text(b("trailing cr\r"), true, 8, null)).isEqualTo("trailing cr\r");
    }

    @Test
    void agreesWithContentStreamForAnyBufferSize() throws IOException {
        Random rnd = new Random(42);
        String[] pieces = {"From ", "From", ".", "..", "\r\n", "\r", "\n", "x", "From the start", " ", "\r\n.\r\n", "ab"};
        for (int round = 0; round < 200; round++) {
            StringBuilder s = new StringBuilder();
            int n = rnd.nextInt(60);
            for (int i = 0; i < n; i++) {
                s.append(pieces[rnd.nextInt(pieces.length)]);
            }
            // stored content never has a single leading dot: double them as the queue writer does
            String wire = s.toString().replaceAll("(?m)(^|\n)\\.", "$1..");
            if (wire.startsWith(".") && !wire.startsWith("..")) {
                wire = "." + wire;
            }
            byte[] w = b(wire);
            String reference = reference(w);
            for (int size : new int[]{8, 9, 13, 64, 4096}) {
                assertThat(text(w, false, size, null)).as("round %d size %d: %s", round, size, wire).isEqualTo(reference);
            }
        }
    }

    String reference(byte[] wire) throws IOException {
        Path p = tmp.resolve("r" + System.nanoTime());
        Files.write(p, wire);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            return new String(new ContentStream(ch, 0, wire.length).readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void shortQueueFileIsAnError() throws IOException {
        Path p = tmp.resolve("short");
        Files.write(p, b("abc"));
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> MessageText.copy(ch, 0, 100, false, new byte[16], new MessageText.Sink() {
                @Override
                public void bytes(byte[] x, int off, int len) {
                }

                @Override
                public void lineEnd() {
                }
            })).isInstanceOf(IOException.class).hasMessage("queue file content ends early");
        }
    }

    @Test
    void channelSinkEnforcesItsLimit() throws IOException {
        Path p = tmp.resolve("sink");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ChannelSink s = new ChannelSink(ch, 512, 10);
            s.line("123456789");
            assertThatThrownBy(() -> s.text("x")).isInstanceOf(ChannelSink.FileTooLargeException.class)
                    .hasMessage("File too large");
            s.flush();
        }
        assertThat(Files.readString(p)).isEqualTo("123456789\n");
    }
}
