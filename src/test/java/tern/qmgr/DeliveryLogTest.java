package tern.qmgr;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeliveryLogTest {
    @Test
    void delaysAsPostfixWritesThem() {
        assertThat(DeliveryLog.seconds(0, 2)).isEqualTo("0");
        assertThat(DeliveryLog.seconds(4, 2)).isEqualTo("0");
        assertThat(DeliveryLog.seconds(10, 2)).isEqualTo("0.01");
        assertThat(DeliveryLog.seconds(50, 2)).isEqualTo("0.05");
        assertThat(DeliveryLog.seconds(110, 2)).isEqualTo("0.11");
        assertThat(DeliveryLog.seconds(200, 2)).isEqualTo("0.2");
        assertThat(DeliveryLog.seconds(650, 2)).isEqualTo("0.65");
        assertThat(DeliveryLog.seconds(1234, 2)).isEqualTo("1.2");
        assertThat(DeliveryLog.seconds(9300, 2)).isEqualTo("9.3");
        assertThat(DeliveryLog.seconds(20_000, 2)).isEqualTo("20");
        assertThat(DeliveryLog.seconds(43_600, 2)).isEqualTo("43");
        assertThat(DeliveryLog.seconds(100_400, 2)).isEqualTo("100");
        assertThat(DeliveryLog.seconds(86_400_600, 2)).isEqualTo("86401");
        assertThat(DeliveryLog.seconds(3, 3)).isEqualTo("0.003");
        assertThat(DeliveryLog.seconds(650, 0)).isEqualTo("0");
    }

    @Test
    void lineFormat() {
        String l = DeliveryLog.line("3F2A1C0B9D", "lucas@mx.example.test", "root@mx.example.test", "local",
                1000, 1020, 1030, 0, 1070, "2.0.0", "sent", "delivered to maildir", 2);
        assertThat(l).isEqualTo("3F2A1C0B9D: to=<lucas@mx.example.test>, orig_to=<root@mx.example.test>, relay=local, "
                + "delay=0.07, delays=0.02/0.01/0/0.04, dsn=2.0.0, status=sent (delivered to maildir)");
        String same = DeliveryLog.line("3F2A1C0B9D", "a@b", "A@B", "none", 0, 0, 0, 0, 0, "5.1.1", "bounced", "x", 2);
        assertThat(same).doesNotContain("orig_to");
    }
}
