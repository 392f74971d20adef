package tern.tables;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Expected results and warnings were taken from real Postfix 3.7 postmap -q on the same file. */
class CidrTableTest {
    private final List<String> warnings = new ArrayList<>();
    private final TableOpener opener = TableOpener.standalone(warnings::add);

    @TempDir
    Path dir;

    @Test
    void rulesAsRealPostmapReadsThem() throws Exception {
        Path f = dir.resolve("c1");
        Files.writeString(f, "1.2.3.4/24 a\n1.2.3.0/33 b\nfoo c\n[::1] d\n2001:db8::/32 e\n[2001:db8:1::]/48 f\n"
                + "1.2.3 g\n010.1.1.1 h\n!10.0.0.0/8 i\n1.2.3.0/24\nif 192.168.0.0/16\n192.168.1.0/24 j\nendif\n"
                + "endif\nif 172.16.0.0/12\n");
        Table t = opener.open("cidr:" + f);
        assertThat(t.lookup("1.2.3.9")).isEqualTo("i");
        assertThat(t.lookup("::1")).isEqualTo("d");
        assertThat(t.lookup("2001:db8::5")).isEqualTo("e");
        assertThat(t.lookup("2001:DB8::5")).isEqualTo("e");
        assertThat(t.lookup("2001:db8:1::9")).isEqualTo("e");
        assertThat(t.lookup("192.168.1.1")).isEqualTo("i");
        assertThat(t.lookup("10.1.1.1")).isNull();
        assertThat(t.lookup("[::1]")).isNull();
        assertThat(t.lookup("foo")).isNull();
        assertThat(t.lookup("2002::1")).isNull();
        assertThat(t.lookup("::ffff:1.2.3.4")).isNull();
        assertThat(t.lookup("1.2.3.04")).isNull();
        String c = "cidr map " + f + ", line ";
        assertThat(warnings).containsExactly(
                c + "1: non-null host address bits in \"1.2.3.4/24\", perhaps you should use \"1.2.3.0/24\" instead: skipping this rule",
                c + "2: bad mask length in \"1.2.3.0/33\": skipping this rule",
                c + "3: bad address pattern: \"foo\": skipping this rule",
                c + "7: bad address pattern: \"1.2.3\": skipping this rule",
                c + "8: bad address pattern: \"010.1.1.1\": skipping this rule",
                c + "10: no lookup result: skipping this rule",
                c + "14: ENDIF without IF: skipping this rule",
                c + "15: IF has no matching ENDIF");
    }

    @Test
    void ifBlocksAndContinuation() throws Exception {
        Path f = dir.resolve("c2");
        Files.writeString(f, "if 192.168.0.0/16\nif !192.168.1.0/24\n192.168.0.0/16 outer\nendif\n"
                + "192.168.1.1 inner\nendif\n[1.2.3.4] x\n  continued\n[::1/128] six\n");
        Table t = opener.open("cidr:" + f);
        assertThat(t.lookup("192.168.2.1")).isEqualTo("outer");
        assertThat(t.lookup("192.168.1.1")).isEqualTo("inner");
        assertThat(t.lookup("192.168.1.2")).isNull();
        assertThat(t.lookup("1.2.3.4")).isEqualTo("x  continued");
        assertThat(t.lookup("::1")).isEqualTo("six");
        assertThat(warnings).isEmpty();
    }

    @Test
    void inlineRules() throws Exception {
        Table t = opener.open("cidr:{ {10.0.0.0/8 ten}, {192.0.2.1 one} }");
        assertThat(t.lookup("10.9.9.9")).isEqualTo("ten");
        assertThat(t.lookup("192.0.2.1")).isEqualTo("one");
    }

    @Test
    void changedFileIsReadAgain() throws Exception {
        Path f = dir.resolve("c3");
        Files.writeString(f, "10.0.0.0/8 old\n");
        Table t = opener.withCheckInterval(java.time.Duration.ZERO).open("cidr:" + f);
        assertThat(t.lookup("10.1.1.1")).isEqualTo("old");
        Path tmp = dir.resolve("c3.tmp");
        Files.writeString(tmp, "10.0.0.0/8 new\n");
        Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertThat(t.lookup("10.1.1.1")).isEqualTo("new");
    }
}
