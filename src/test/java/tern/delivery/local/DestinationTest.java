package tern.delivery.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import tern.delivery.local.Destination.Kind;

/**
 * DestinationTest - alias values and .forward lines taken apart as aliases(5) says, the address
 * parts of local(8) (extension, owner-/-request, postmaster), and the sysexits reading of command
 * outcomes.
 */
class DestinationTest {
    @Test
    void everyForm() {
        assertThat(Destination.parse("a, b@example.org,\"|cmd arg, with comma\", /var/x,:include:/etc/inc, \\c,"
                + " Joe <joe@x.test>, (comment) d, |/usr/bin/procmail -f-"))
                .containsExactly(
                        new Destination(Kind.ADDRESS, "a", false),
                        new Destination(Kind.ADDRESS, "b@example.org", false),
                        new Destination(Kind.COMMAND, "cmd arg, with comma", false),
                        new Destination(Kind.FILE, "/var/x", false),
                        new Destination(Kind.INCLUDE, "/etc/inc", false),
                        new Destination(Kind.ADDRESS, "c", true),
                        new Destination(Kind.ADDRESS, "joe@x.test", false),
                        new Destination(Kind.ADDRESS, "d", false),
                        new Destination(Kind.COMMAND, "/usr/bin/procmail -f-", false));
        assertThat(Destination.parse("\"|echo \\\"quoted\\\"\"")).containsExactly(
                new Destination(Kind.COMMAND, "echo \"quoted\"", false));
        assertThat(Destination.parse("  ,  ")).isEmpty();
        assertThat(Destination.parse("\"a b\"@example.org")).containsExactly(
                new Destination(Kind.ADDRESS, "\"a b\"@example.org", false));
    }

    @Test
    void addressParts() {
        LocalAddress a = LocalAddress.parse("User+Ext+More@Example.ORG", "+", true);
        assertThat(a).isEqualTo(new LocalAddress("User+Ext+More@Example.ORG", "user+ext+more", "user", "ext+more", "+",
                "Example.ORG"));
        assertThat(LocalAddress.parse("owner-list@x", "-", true).user()).isEqualTo("owner-list");
        assertThat(LocalAddress.parse("list-request@x", "-", true).user()).isEqualTo("list-request");
        assertThat(LocalAddress.parse("list-foo@x", "-", true).user()).isEqualTo("list");
        assertThat(LocalAddress.parse("MAILER-DAEMON@x", "-", true).user()).isEqualTo("mailer-daemon");
        assertThat(LocalAddress.parse("+x@x", "+", true).user()).isEqualTo("+x");
        assertThat(LocalAddress.parse("bare", "", true)).isEqualTo(new LocalAddress("bare", "bare", "bare", "", "", ""));
    }

    @Test
    void commandOutcomes() {
        assertThat(CommandRunner.outcome("c", 0, "ignored")).isEqualTo(
                new CommandRunner.Outcome('2', "2.0.0", "delivered to command: c"));
        assertThat(CommandRunner.outcome("c", 75, "")).isEqualTo(new CommandRunner.Outcome('4', "4.3.0", "temporary failure"));
        assertThat(CommandRunner.outcome("c", 78, "x ")).isEqualTo(
                new CommandRunner.Outcome('5', "5.3.5", "local configuration error. Command output: x "));
        assertThat(CommandRunner.outcome("c", 67, "4.2.2 mailbox full ")).isEqualTo(
                new CommandRunner.Outcome('4', "4.2.2", "mailbox full "));
        assertThat(CommandRunner.outcome("c", 1, "")).isEqualTo(
                new CommandRunner.Outcome('5', "5.3.0", "Command died with status 1: \"c\""));
        assertThat(CommandRunner.outcome("c", 255, "")).isEqualTo(
                new CommandRunner.Outcome('5', "5.3.0", "Command died with status 255: \"c\""));
        assertThat(CommandRunner.outcome("c", 137, "")).isEqualTo(
                new CommandRunner.Outcome('4', "4.3.0", "Command died with signal 9: \"c\""));
        assertThat(CommandRunner.startFailure(new java.io.IOException("Cannot run program \"/x\" (in directory \"/q\"): "
                + "Exec failed, error: 2 (No such file or directory) "))).isEqualTo("No such file or directory");
        assertThat(CommandRunner.startFailure(new java.io.IOException("Cannot run program \"/x\": error=13, Permission denied")))
                .isEqualTo("Permission denied");
        assertThat(CommandRunner.printable("a\tb\nline2\u0001x\n")).isEqualTo("a b line2_x ");
        assertThat(CommandRunner.needsShell("exit 75")).isTrue();
        assertThat(CommandRunner.needsShell("/usr/bin/procmail -f-")).isFalse();
        assertThat(CommandRunner.needsShell("cat > /x")).isTrue();
        assertThat(List.of(LocalExpansion.filter("a b;c", "abc"))).containsExactly("a_b_c");
    }
}
