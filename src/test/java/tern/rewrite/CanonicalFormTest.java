package tern.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CanonicalFormTest {
    final CanonicalForm plain = new CanonicalForm("mx.example.test", "example.test", true, false, true, true);
    final CanonicalForm dotted = new CanonicalForm("mx.example.test", "example.test", true, true, true, true);
    final CanonicalForm off = new CanonicalForm("mx.example.test", "example.test", false, false, false, false);

    @Test
    void bareUserGetsMyorigin() {
        assertThat(plain.rewrite("lucas")).isEqualTo("lucas@mx.example.test");
        assertThat(off.rewrite("lucas")).isEqualTo("lucas");
    }

    @Test
    void nullAddressStays() {
        assertThat(plain.rewrite("")).isEmpty();
    }

    @Test
    void appendDotMydomainOnlyForDotlessNames() {
        assertThat(dotted.rewrite("u@host")).isEqualTo("u@host.example.test");
        assertThat(dotted.rewrite("u@host.other.test")).isEqualTo("u@host.other.test");
        assertThat(dotted.rewrite("u@[192.0.2.1]")).isEqualTo("u@[192.0.2.1]");
        assertThat(plain.rewrite("u@host")).isEqualTo("u@host");
    }

    @Test
    void bangPathAndPercentHack() {
        assertThat(plain.rewrite("site!user")).isEqualTo("user@site");
        assertThat(plain.rewrite("user%other.test")).isEqualTo("user@other.test");
        assertThat(off.rewrite("site!user")).isEqualTo("site!user");
        assertThat(off.rewrite("user%other.test")).isEqualTo("user%other.test");
        // with a domain, both stay for the resolve step
        assertThat(plain.rewrite("user%other.test@mx.example.test")).isEqualTo("user%other.test@mx.example.test");
    }

    @Test
    void sourceRouteAndTrailingDot() {
        assertThat(plain.rewrite("@a.test,@b.test:user@site.test")).isEqualTo("user@site.test");
        assertThat(plain.rewrite("user@site.test.")).isEqualTo("user@site.test");
    }

    @Test
    void quotedAtIsNotTheDomain() {
        assertThat(plain.rewrite("\"a@b\"@site.test")).isEqualTo("\"a@b\"@site.test");
        assertThat(plain.rewrite("\"a@b\"")).isEqualTo("\"a@b\"@mx.example.test");
    }
}
