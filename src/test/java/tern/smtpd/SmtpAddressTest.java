package tern.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** SmtpAddressTest - argument splitting, address extraction and the syntax checks behind them. */
class SmtpAddressTest {
    private static String ok(String arg) {
        SmtpAddress.Extracted x = SmtpAddress.extract(arg, false);
        assertThat(x.status()).as(arg).isEqualTo(SmtpAddress.Status.OK);
        return x.address();
    }

    private static void illegal(String arg, boolean utf8) {
        assertThat(SmtpAddress.extract(arg, utf8).status()).as(arg).isEqualTo(SmtpAddress.Status.ILLEGAL);
    }

    @Test
    void splitKeepsBracketsAndQuotesTogether() {
        assertThat(SmtpAddress.split(" <a b@c>  SIZE=1\tBODY=7BIT", 0).list()).containsExactly("<a b@c>", "SIZE=1", "BODY=7BIT");
        assertThat(SmtpAddress.split("\"a b\"@c x", 0).list()).containsExactly("\"a b\"@c", "x");
        assertThat(SmtpAddress.split("<a@b", 0).unbalanced()).isTrue();
        assertThat(SmtpAddress.split("<\"a>", 0).unbalanced()).isTrue();
        assertThat(SmtpAddress.split("<a@b>>", 0).unbalanced()).isFalse();
    }

    @Test
    void addressesInternalForm() {
        assertThat(ok("<a@b>")).isEqualTo("a@b");
        assertThat(ok("a@b>")).isEqualTo("a@b");
        assertThat(ok("<>")).isEmpty();
        assertThat(ok("< >")).isEmpty();
        assertThat(ok("<()>")).isEmpty();
        assertThat(ok("<\"a b\"@c>")).isEqualTo("a b@c");
        assertThat(ok("<@r1,@r2:a@b>")).isEqualTo("a@b");
        assertThat(ok("<a(comment)@b>")).isEqualTo("a@b");
        assertThat(ok("foo<a@b>")).isEqualTo("a@b");
        assertThat(ok("<a@[1.2.3.4]>")).isEqualTo("a@[1.2.3.4]");
        assertThat(ok("<a@[IPv6:2001:db8::1]>")).isEqualTo("a@[IPv6:2001:db8::1]");
        assertThat(ok("<a@b.c.>")).isEqualTo("a@b.c.");
        assertThat(ok("<postmaster>")).isEqualTo("postmaster");
        assertThat(ok("<a\\@b@c>")).isEqualTo("a@b@c");
        assertThat(ok("<\u00e9@b>")).isEqualTo("\u00e9@b");
    }

    @Test
    void illegalAddresses() {
        for (String a : new String[] {"<a b@c>", "<a@b>x", "<a@>", "<a,b@c>", "<a;b@c>", "<a@b:c>", "<a@-b.c>",
                "<a@b-.c>", "<a@1.2.3.4>", "<a@123>", "<a@[1.2.3.999]>", "<a@[foo]>", "<a@[]>", "<a@b..c>",
                "<a@.b>", "<a@b c>", "<a@b.c>)", "<a b>", "<a@" + "b".repeat(64) + ".c>"}) {
            illegal(a, false);
        }
        illegal("<a@\u00e9.com>", false);
        assertThat(SmtpAddress.extract("<a@\u00e9.com>", true).status()).isEqualTo(SmtpAddress.Status.OK);
    }

    @Test
    void ipv6Literals() {
        assertThat(SmtpAddress.validIpv6("::1")).isTrue();
        assertThat(SmtpAddress.validIpv6("::")).isTrue();
        assertThat(SmtpAddress.validIpv6("2001:db8::1")).isTrue();
        assertThat(SmtpAddress.validIpv6("1:2:3:4:5:6:7:8")).isTrue();
        assertThat(SmtpAddress.validIpv6("::ffff:127.0.0.1")).isTrue();
        assertThat(SmtpAddress.validIpv6("1:2:3:4:5:6:7")).isFalse();
        assertThat(SmtpAddress.validIpv6("1::2::3")).isFalse();
        assertThat(SmtpAddress.validIpv6("12345::")).isFalse();
        assertThat(SmtpAddress.validIpv6("1:")).isFalse();
    }

    @Test
    void externalFormQuotesTheLocalPart() {
        assertThat(SmtpAddress.external("a@b")).isEqualTo("a@b");
        assertThat(SmtpAddress.external("a@b@c")).isEqualTo("\"a@b\"@c");
        assertThat(SmtpAddress.external("a b@c")).isEqualTo("\"a b\"@c");
        assertThat(SmtpAddress.external("a.b%c!d@e")).isEqualTo("a.b%c!d@e");
    }

    @Test
    void xtext() {
        assertThat(Xtext.decode("a+2Bb")).isEqualTo("a+b");
        assertThat(Xtext.decode("plain")).isEqualTo("plain");
        assertThat(Xtext.decode("a+ZZ")).isNull();
        assertThat(Xtext.decode("a+4")).isNull();
        assertThat(Xtext.decode("a=b")).isNull();
        assertThat(Xtext.decode("a b")).isNull();
    }

    @Test
    void printable() {
        byte[] b = "A\r\n\t\\\u0001\u00ff".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(Printable.escape(b, 0, b.length)).isEqualTo("A\\r\\n\\t\\\\\\001\\377");
        assertThat(Printable.printable("a\u0001b\u00e9")).isEqualTo("a?b\u00e9");
        assertThat(Printable.neuter("a b<c>(d)\"e;f@g:h\\i")).isEqualTo("a?b?c??d??e?f?g:h?i");
    }

    @Test
    void clientAddressText() throws Exception {
        assertThat(SmtpSession.addressText(java.net.InetAddress.getByName("::1"))).isEqualTo("::1");
        assertThat(SmtpSession.addressText(java.net.InetAddress.getByName("2001:db8:0:0:1:0:0:1")))
                .isEqualTo("2001:db8::1:0:0:1");
        assertThat(SmtpSession.addressText(java.net.InetAddress.getByName("2001:db8:1:2:3:4:5:6")))
                .isEqualTo("2001:db8:1:2:3:4:5:6");
        assertThat(SmtpSession.addressText(java.net.InetAddress.getByName("127.0.0.1"))).isEqualTo("127.0.0.1");
    }
}
