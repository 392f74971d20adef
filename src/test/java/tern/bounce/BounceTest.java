package tern.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BounceTest {
    @Test
    void foldingKeepsLinesShortWithFourSpaceContinuations() {
        assertThat(Fold.fold("Diagnostic-Code: X-Postfix; connect to 127.0.0.1[127.0.0.1]:1: Connection refused"))
                .containsExactly("Diagnostic-Code: X-Postfix; connect to 127.0.0.1[127.0.0.1]:1: Connection",
                        "    refused");
        assertThat(Fold.fold("short")).containsExactly("short");
        String word = "x".repeat(100);
        assertThat(Fold.fold(word)).containsExactly(word);
    }

    @Test
    void diagnosticOfARemoteReplyIsSmtp() {
        assertThat(Bounce.diagnostic("host mx.example.com[192.0.2.1] said: 550 5.1.1 <u@example.com>: User unknown "
                + "(in reply to RCPT TO command)")).isEqualTo("smtp; 550 5.1.1 <u@example.com>: User unknown");
        assertThat(Bounce.diagnostic("mail transport unavailable")).isEqualTo("X-Postfix; mail transport unavailable");
        assertThat(Bounce.remoteMta("mx.example.com[192.0.2.1]:25")).isEqualTo("mx.example.com");
        assertThat(Bounce.remoteMta("none")).isNull();
    }

    @Test
    void durationsInWords() {
        assertThat(Bounce.duration(4 * 3600)).isEqualTo("4 hours");
        assertThat(Bounce.duration(5 * 86400)).isEqualTo("5 days");
        assertThat(Bounce.duration(3600)).isEqualTo("1 hour");
        assertThat(Bounce.duration(20)).isEqualTo("20 seconds");
        assertThat(Bounce.duration(90 * 60)).isEqualTo("90 minutes");
        assertThat(Bounce.duration(0)).isEqualTo("0 seconds");
    }
}
