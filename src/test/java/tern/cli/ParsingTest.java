package tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The small parsers behind the commands: getopt, address lists, the message reader, the password file. */
class ParsingTest {
    @Test
    void getoptGroupsOptionsTakesArgumentsAndStopsAtTheFirstOperand() {
        Getopt g = new Getopt(new String[]{"-ti", "-fsender", "-F", "Full Name", "-q", "-q5m", "rcpt", "-x"}, "F:f:itq::x");
        StringBuilder seen = new StringBuilder();
        for (char c = g.next(); c != Getopt.END; c = g.next()) {
            seen.append(c).append('=').append(g.arg()).append(' ');
        }
        assertThat(seen.toString()).isEqualTo("t=null i=null f=sender F=Full Name q=null q=5m ");
        assertThat(g.rest()).containsExactly("rcpt", "-x");
    }

    @Test
    void getoptErrorsAreWordedAsTheCLibraryWordsThem() {
        Getopt g = new Getopt(new String[]{"-Z"}, "f:");
        assertThat(g.next()).isEqualTo(Getopt.ERROR);
        assertThat(g.error()).isEqualTo("invalid option -- 'Z'");
        Getopt h = new Getopt(new String[]{"-f"}, "f:");
        assertThat(h.next()).isEqualTo(Getopt.ERROR);
        assertThat(h.error()).isEqualTo("option requires an argument -- 'f'");
        Getopt d = new Getopt(new String[]{"--", "-f"}, "f:");
        assertThat(d.next()).isEqualTo(Getopt.END);
        assertThat(d.rest()).containsExactly("-f");
    }

    @Test
    void addressListsGiveTheAddressesOnly() {
        assertThat(AddressList.parse("a1@x.example,\t\"Group\" <a2@x.example>, list: g1@x.example, g2@x.example;"))
                .containsExactly("a1@x.example", "a2@x.example", "g1@x.example", "g2@x.example");
        assertThat(AddressList.parse("undisclosed-recipients:;")).isEmpty();
        assertThat(AddressList.parse("<>, plain, bad@@x")).containsExactly("plain", "bad@@x");
        assertThat(AddressList.parse("\"Doe, John\" <j@x.example> (the boss), k@x.example (Kay)"))
                .containsExactly("j@x.example", "k@x.example");
        assertThat(AddressList.parse("\"john doe\"@x.example")).containsExactly("john doe@x.example");
        assertThat(AddressList.parse("<@relay.example:u@x.example>")).containsExactly("u@x.example");
        assertThat(AddressList.parse("Name <a@x.example")).containsExactly("a@x.example");
    }

    private static MessageReader reader(String in, boolean dotIsEnd, String fix, long limit) {
        return new MessageReader(new ByteArrayInputStream(in.getBytes(StandardCharsets.UTF_8)), dotIsEnd, fix, limit);
    }

    private static List<String> body(MessageReader r) throws IOException {
        List<String> out = new ArrayList<>();
        r.body((b, off, len) -> out.add(new String(b, off, len, StandardCharsets.UTF_8)));
        return out;
    }

    private static List<String> text(List<byte[]> lines) {
        List<String> out = new ArrayList<>();
        for (byte[] l : lines) {
            out.add(new String(l, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void readerDropsTheFromLineAndCrAndEndsAtALoneDot() throws IOException {
        MessageReader r = reader("From someone@x Wed Nov 25 10:00:00 2026\nSubject: s\r\n  folded\r\nTo: a@x\n\nbody\r\n..two\n.\nafter\n",
                true, "always", 1000);
        assertThat(text(r.headers())).containsExactly("Subject: s", "  folded", "To: a@x");
        assertThat(r.sawEmptyLine()).isTrue();
        assertThat(body(r)).containsExactly("body", "..two");
    }

    @Test
    void readerWithDashIKeepsDotLinesAndALastLineWithoutNewline() throws IOException {
        MessageReader r = reader("no header here\nSubject: not\n.\nbody", false, "always", 1000);
        assertThat(r.headers()).isEmpty();
        assertThat(r.sawEmptyLine()).isFalse();
        assertThat(body(r)).containsExactly("no header here", "Subject: not", ".", "body");
    }

    @Test
    void lineEndingsFollowSendmailFixLineEndings() throws IOException {
        MessageReader never = reader("Subject: s\r\n\r\nb\r\n", true, "never", 1000);
        assertThat(text(never.headers())).containsExactly("Subject: s\r");
        MessageReader strictLf = reader("Subject: s\n\nb\r\n", true, "strict", 1000);
        strictLf.headers();
        assertThat(body(strictLf)).containsExactly("b\r");
        MessageReader strictCrlf = reader("Subject: s\r\n\r\nb\r\n", true, "strict", 1000);
        assertThat(text(strictCrlf.headers())).containsExactly("Subject: s");
        assertThat(body(strictCrlf)).containsExactly("b");
    }

    @Test
    void readerRefusesMoreThanTheLimit() {
        MessageReader r = reader("Subject: s\n\n" + "x".repeat(200) + "\n", true, "always", 100);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
            r.headers();
            body(r);
        }).isInstanceOf(MessageReader.TooBig.class);
    }

    @Test
    void passwdGivesTheLoginAndFullName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws IOException {
        java.nio.file.Path f = tmp.resolve("passwd");
        java.nio.file.Files.writeString(f, "root:x:0:0:root:/root:/bin/bash\n"
                + "jd:x:1000:1000:& Doe,Room 1,,:/home/jd:/bin/sh\nbroken line\nnobody:x:65534:65534::/:/bin/false\n");
        assertThat(Passwd.byUid(f, 0)).isEqualTo(new Passwd.Entry("root", "root"));
        assertThat(Passwd.byUid(f, 1000)).isEqualTo(new Passwd.Entry("jd", "Jd Doe"));
        assertThat(Passwd.byUid(f, 65534)).isEqualTo(new Passwd.Entry("nobody", ""));
        assertThat(Passwd.byUid(f, 4242)).isNull();
    }

    @Test
    void postfixQueueIdRuleDecidesInvalidVersusNotFound() {
        assertThat(Tool.idOk("ABCDEF12345")).isTrue();
        assertThat(Tool.idOk("NOSUCH1")).isTrue();
        assertThat(Tool.idOk("all")).isTrue();
        assertThat(Tool.idOk("bad/id")).isFalse();
        assertThat(Tool.idOk("")).isFalse();
        assertThat(Tool.idOk("  9D25320C13D  ")).isFalse();
    }
}
