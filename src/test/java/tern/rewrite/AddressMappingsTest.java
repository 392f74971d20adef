package tern.rewrite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressMappingsTest {
    @TempDir
    Path tmp;

    @Test
    void standardFormForSenderAndRecipient() throws Exception {
        AddressMappings m = new RewriteFixture(tmp).rewrite.mappings();
        assertThat(m.sender("lucas")).isEqualTo("lucas@mx.example.test");
        assertThat(m.sender("")).isEmpty();
        assertThat(m.recipients("root")).containsExactly("root@mx.example.test");
    }

    @Test
    void seedVirtualAliasMapsBareNameForALocalDomain() throws Exception {
        // the wiki page: "someemail lucas" in virtual_alias_maps
        Path v = RewriteFixture.file(tmp, "virtual", "someemail lucas");
        AddressMappings m = new RewriteFixture(tmp, "virtual_alias_maps = texthash:" + v).rewrite.mappings();
        assertThat(m.recipients("someemail@mx.example.test")).containsExactly("lucas@mx.example.test");
        assertThat(m.recipients("someemail@localhost")).containsExactly("lucas@mx.example.test");
        // "user" keys are for local domains only
        assertThat(m.recipients("someemail@elsewhere.test")).containsExactly("someemail@elsewhere.test");
    }

    @Test
    void virtualAliasOneToManyRecursiveSelfAndWildcard() throws Exception {
        Path v = RewriteFixture.file(tmp, "virtual",
                "list@example.com     a@example.com, b@example.com,c@example.com",
                "a@example.com        a1@example.net a2@example.net",
                "self@example.com     self@example.com, copy@example.net",
                "@wild.test           @example.org",
                "vext@example.com     target@example.org");
        AddressMappings m = new RewriteFixture(tmp, "virtual_alias_maps = texthash:" + v, "recipient_delimiter = +")
                .rewrite.mappings();
        assertThat(m.recipients("list@example.com"))
                .containsExactly("a1@example.net", "a2@example.net", "b@example.com", "c@example.com");
        assertThat(m.recipients("self@example.com")).containsExactly("self@example.com", "copy@example.net");
        assertThat(m.recipients("someone@wild.test")).containsExactly("someone@example.org");
        assertThat(m.recipients("vext+foo@example.com")).containsExactly("target+foo@example.org");
    }

    @Test
    void virtualAliasLoopAndLimitsRefuseTheMessageForNow() throws Exception {
        Path v = RewriteFixture.file(tmp, "virtual",
                "va@example.com  vb@example.com",
                "vb@example.com  va@example.com",
                "deep1@example.com  deep2@example.com",
                "deep2@example.com  deep3@example.com",
                "deep3@example.com  deep4@example.com",
                "big@example.com  x1@example.net, x2@example.net, x3@example.net");
        RewriteFixture f = new RewriteFixture(tmp, "virtual_alias_maps = texthash:" + v,
                "virtual_alias_recursion_limit = 2", "virtual_alias_expansion_limit = 2");
        AddressMappings m = f.rewrite.mappings();
        assertThatThrownBy(() -> m.recipients("va@example.com")).isInstanceOf(IOException.class)
                .hasMessage("unreasonable virtual_alias_maps map nesting for va@example.com -- message not accepted, "
                        + "try again later");
        assertThatThrownBy(() -> m.recipients("deep1@example.com")).hasMessageContaining("map nesting for deep1@");
        assertThatThrownBy(() -> m.recipients("big@example.com"))
                .hasMessageContaining("unreasonable virtual_alias_maps map expansion size for big@example.com");
        assertThat(f.log.toString()).contains("warning: unreasonable virtual_alias_maps map nesting for va@example.com");
    }

    @Test
    void canonicalMapsAreRecursiveAndOrdered() throws Exception {
        Path c = RewriteFixture.file(tmp, "canonical", "ca@example.com cb@example.com", "cb@example.com cc@example.org",
                "wietse Wietse.Venema");
        Path s = RewriteFixture.file(tmp, "sender", "ugly@example.com pretty@example.com");
        Path r = RewriteFixture.file(tmp, "recipient", "pretty@example.com ugly@example.com");
        AddressMappings m = new RewriteFixture(tmp, "canonical_maps = texthash:" + c,
                "sender_canonical_maps = texthash:" + s, "recipient_canonical_maps = texthash:" + r).rewrite.mappings();
        assertThat(m.recipients("ca@example.com")).containsExactly("cc@example.org");
        assertThat(m.sender("ca@example.com")).isEqualTo("cc@example.org");
        assertThat(m.sender("wietse")).isEqualTo("Wietse.Venema@mx.example.test");
        assertThat(m.sender("ugly@example.com")).isEqualTo("pretty@example.com");
        assertThat(m.recipients("pretty@example.com")).containsExactly("ugly@example.com");
    }

    @Test
    void canonicalClassesSelectWhatIsRewritten() throws Exception {
        Path c = RewriteFixture.file(tmp, "canonical", "a@example.com b@example.com");
        AddressMappings m = new RewriteFixture(tmp, "canonical_maps = texthash:" + c,
                "canonical_classes = envelope_recipient").rewrite.mappings();
        assertThat(m.sender("a@example.com")).isEqualTo("a@example.com");
        assertThat(m.recipients("a@example.com")).containsExactly("b@example.com");
    }

    @Test
    void masqueradingOfSendersWithExceptions() throws Exception {
        AddressMappings m = new RewriteFixture(tmp, "masquerade_domains = !foo.example.com example.com",
                "masquerade_exceptions = root").rewrite.mappings();
        assertThat(m.sender("u@any.thing.else.example.com")).isEqualTo("u@example.com");
        assertThat(m.sender("u@any.foo.example.com")).isEqualTo("u@any.foo.example.com");
        assertThat(m.sender("u@example.com")).isEqualTo("u@example.com");
        assertThat(m.sender("root@host.example.com")).isEqualTo("root@host.example.com");
        // recipients are not masqueraded unless masquerade_classes says so
        assertThat(m.recipients("u@host.example.com")).containsExactly("u@host.example.com");
        AddressMappings all = new RewriteFixture(tmp, "masquerade_domains = example.com",
                "masquerade_classes = envelope_sender, envelope_recipient").rewrite.mappings();
        assertThat(all.recipients("u@host.example.com")).containsExactly("u@example.com");
    }

    @Test
    void noAddressMappingsKeepsOnlyTheStandardForm() throws Exception {
        Path v = RewriteFixture.file(tmp, "virtual", "a@example.com b@example.com");
        AddressMappings m = new RewriteFixture(tmp, "virtual_alias_maps = texthash:" + v,
                "receive_override_options = no_address_mappings").rewrite.mappings();
        assertThat(m.recipients("a@example.com")).containsExactly("a@example.com");
    }

    @Test
    void failingTablesRefuseForNow() throws Exception {
        AddressMappings m = new RewriteFixture(tmp, "virtual_alias_maps = fail:virtual").rewrite.mappings();
        assertThatThrownBy(() -> m.recipients("a@example.com")).isInstanceOf(IOException.class)
                .hasMessageContaining("fail:virtual");
    }
}
