package tern.rewrite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipientValidatorTest {
    @TempDir
    Path tmp;

    @Test
    void localRecipientMaps() throws Exception {
        Path users = RewriteFixture.file(tmp, "users", "lucas x", "root x");
        Path v = RewriteFixture.file(tmp, "virtual", "someemail lucas");
        RecipientValidator val = new RewriteFixture(tmp, "local_recipient_maps = texthash:" + users,
                "virtual_alias_maps = texthash:" + v, "recipient_delimiter = +").rewrite.validator();
        assertThat(val.check("lucas@mx.example.test")).isNull();
        assertThat(val.check("lucas+list@mx.example.test")).isNull();
        assertThat(val.check("root@localhost")).isNull();
        assertThat(val.check("someemail@mx.example.test")).isNull(); // known to virtual_alias_maps
        RecipientValidator.Rejection r = val.check("nobody@mx.example.test");
        assertThat(r.reply("nobody@mx.example.test")).isEqualTo(
                "550 5.1.1 <nobody@mx.example.test>: Recipient address rejected: User unknown in local recipient table");
        // not our domain: no table to ask
        assertThat(val.check("anyone@elsewhere.test")).isNull();
    }

    @Test
    void emptyLocalRecipientMapsAcceptsEveryone() throws Exception {
        RecipientValidator val = new RewriteFixture(tmp).rewrite.validator();
        assertThat(val.check("whoever@mx.example.test")).isNull();
    }

    @Test
    void virtualAliasAndMailboxAndRelayTables() throws Exception {
        Path v = RewriteFixture.file(tmp, "virtual", "valias.test x", "known@valias.test lucas");
        Path mbox = RewriteFixture.file(tmp, "vmailbox", "box@vmail.test box/");
        Path relay = RewriteFixture.file(tmp, "relayrcpt", "r@relay.test x");
        RecipientValidator val = new RewriteFixture(tmp, "virtual_alias_maps = texthash:" + v,
                "virtual_mailbox_domains = vmail.test", "virtual_mailbox_maps = texthash:" + mbox,
                "relay_domains = relay.test", "relay_recipient_maps = texthash:" + relay,
                "unknown_relay_recipient_reject_code = 450").rewrite.validator();
        assertThat(val.check("known@valias.test")).isNull();
        assertThat(val.check("nope@valias.test").reply("nope@valias.test")).isEqualTo(
                "550 5.1.1 <nope@valias.test>: Recipient address rejected: User unknown in virtual alias table");
        assertThat(val.check("box@vmail.test")).isNull();
        assertThat(val.check("nobox@vmail.test").reply("nobox@vmail.test")).isEqualTo(
                "550 5.1.1 <nobox@vmail.test>: Recipient address rejected: User unknown in virtual mailbox table");
        assertThat(val.check("r@relay.test")).isNull();
        assertThat(val.check("x@relay.test").reply("x@relay.test")).isEqualTo(
                "450 4.1.1 <x@relay.test>: Recipient address rejected: User unknown in relay recipient table");
    }

    @Test
    void errorAndRetryTransportsAsPostfixAnswersThem() throws Exception {
        Path t = RewriteFixture.file(tmp, "transport", "err.test error:5.1.2 no such domain here", "err2.test error:",
                "retry.test retry:4.3.2 try later please");
        RecipientValidator val = new RewriteFixture(tmp, "transport_maps = texthash:" + t).rewrite.validator();
        assertThat(val.check("a@err.test").reply("a@err.test"))
                .isEqualTo("550 5.1.2 <a@err.test>: Recipient address rejected: no such domain here");
        assertThat(val.check("f@err2.test").reply("f@err2.test"))
                .isEqualTo("550 5.1.1 <f@err2.test>: Recipient address rejected: Address is undeliverable");
        assertThat(val.check("c@retry.test").reply("c@retry.test"))
                .isEqualTo("450 4.3.2 <c@retry.test>: Recipient address rejected: try later please");
    }

    @Test
    void tableNameCanBeHidden() throws Exception {
        Path users = RewriteFixture.file(tmp, "users", "lucas x");
        RecipientValidator val = new RewriteFixture(tmp, "local_recipient_maps = texthash:" + users,
                "show_user_unknown_table_name = no").rewrite.validator();
        assertThat(val.check("x@mx.example.test").text()).isEqualTo("User unknown");
    }

    @Test
    void failingTableIsATemporaryProblem() throws Exception {
        RecipientValidator val = new RewriteFixture(tmp, "local_recipient_maps = fail:users").rewrite.validator();
        assertThatThrownBy(() -> val.check("x@mx.example.test")).isInstanceOf(IOException.class);
    }
}
