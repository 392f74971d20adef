package tern.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class AddressListTest {
    /** addresses - what parse finds in value: each address, prefixed with "route|" when a route is replaced with it; null when it does not parse. */
    static List<String> addresses(String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        AddressList p = new AddressList();
        int[] s = p.parse(b, 0, b.length);
        if (s == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int k = 0; k < p.count(); k++) {
            String a = new String(b, s[3 * k + 1], s[3 * k + 2] - s[3 * k + 1], StandardCharsets.UTF_8);
            out.add(s[3 * k] == s[3 * k + 1] ? a : new String(b, s[3 * k], s[3 * k + 1] - s[3 * k], StandardCharsets.UTF_8) + "|" + a);
        }
        return out;
    }

    @Test
    void displayNamesCommentsAndAngleAddresses() {
        assertThat(addresses(" \"Joe S.\" <joe@example.test>")).containsExactly("joe@example.test");
        assertThat(addresses(" joe@example.test (Joe Smith)")).containsExactly("joe@example.test");
        assertThat(addresses(" John Q. Public <jqp@a.test>, (c) b@c.test ((nested) \\) x)"))
                .containsExactly("jqp@a.test", "b@c.test");
        assertThat(addresses(" <  spaced@a.test  >")).containsExactly("spaced@a.test");
        assertThat(addresses(" \"q, x <y>\" <c2@b.test>, \"a b\"@c.test")).containsExactly("c2@b.test", "\"a b\"@c.test");
        assertThat(addresses(" bare")).containsExactly("bare");
        assertThat(addresses(" u@[192.0.2.1]")).containsExactly("u@[192.0.2.1]");
        assertThat(addresses(" Jörg <jörg@bücher.test>")).containsExactly("jörg@bücher.test");
    }

    @Test
    void groupsEmptyElementsFoldingAndRoutes() {
        assertThat(addresses(" group: c1@a.test, \"q,x\" <c2@b.test>;, d@other.test"))
                .containsExactly("c1@a.test", "c2@b.test", "d@other.test");
        assertThat(addresses(" Undisclosed recipients:;")).isEmpty();
        assertThat(addresses(" undisclosed-recipients:")).isEmpty();
        assertThat(addresses(" <>")).isEmpty();
        assertThat(addresses(" a@b.test, , c@d.test,")).containsExactly("a@b.test", "c@d.test");
        assertThat(addresses(" a@b.test,\n\tBob\n <bob@x.test>,\r\n  plain")).containsExactly("a@b.test", "bob@x.test", "plain");
        assertThat(addresses(" <@route.test,@r2.test:r@c.test>")).containsExactly("@route.test,@r2.test:|r@c.test");
        assertThat(addresses("")).isEmpty();
    }

    @Test
    void unparsableHeadersAreNull() {
        for (String bad : List.of(" \"unterminated <u@a.test>", " u@a.test>", " <u@a.test", " <<u@a.test>>",
                " Name Only", " (open comment u@a.test", " u@a.test)", " a: b: c@d.test;;", " x@y.test;",
                " u @ a.test", " u@ a.test", " u(c)@a.test", " <u@a.test> trailing", " [unterminated", " @a.test",
                " u@a.test@", " <@route.test>", " a\u0001b@c.test", " a\\b@c.test", " <a@b> <c@d>", " x@[a[b]")) {
            assertThat(addresses(bad)).as(bad).isNull();
        }
    }

    @Test
    void parserIsReusable() {
        AddressList p = new AddressList();
        byte[] a = " a@b.test, c@d.test".getBytes(StandardCharsets.US_ASCII);
        byte[] bad = " \"x".getBytes(StandardCharsets.US_ASCII);
        assertThat(p.parse(a, 0, a.length)).isNotNull();
        assertThat(p.count()).isEqualTo(2);
        assertThat(p.parse(bad, 0, bad.length)).isNull();
        assertThat(p.parse(a, 3, a.length)).isNotNull();
        assertThat(p.count()).isEqualTo(2); // ".test, c@d.test": ".test" is an atom
    }

    @Test
    @Timeout(5)
    void hostileInputIsLinearAndBounded() {
        // many addresses: under the token limit all are found; over it the header is left alone
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            many.append(i == 0 ? " " : ", ").append("u").append(i).append("@a.test");
        }
        assertThat(addresses(many.toString())).hasSize(2000);
        StringBuilder tooMany = new StringBuilder(" ");
        for (int i = 0; i < AddressList.TOKEN_LIMIT; i++) {
            tooMany.append("a,");
        }
        assertThat(addresses(tooMany.toString())).isNull();
        // deep comments, long quoted strings, runs of specials: one pass each
        int n = 1_000_000;
        assertThat(addresses(" " + "(".repeat(n) + ")".repeat(n) + " a@b.test")).containsExactly("a@b.test");
        assertThat(addresses(" " + "(".repeat(n))).isNull();
        assertThat(addresses(" \"" + "x".repeat(n))).isNull();
        assertThat(addresses(" " + "<".repeat(n))).isNull();
        assertThat(addresses(" " + ",".repeat(n))).isNull(); // a million tokens: over the limit
        assertThat(addresses(" " + ",".repeat(5000))).isEmpty();
        assertThat(addresses(" " + "a".repeat(n) + "@b.test")).hasSize(1);
        assertThat(addresses(" " + "\\".repeat(n))).isNull();
    }
}
