package tern.delivery.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import tern.delivery.DeliveryRequest;
import tern.delivery.RecipientResult;
import tern.queue.Envelope;
import tern.queue.Recipient;

class ErrorAgentTest {
    private static List<RecipientResult> run(tern.delivery.DeliveryAgent agent, String nexthop) {
        Envelope e = new Envelope("ABCDEF1234", 0, "s@example.org", Map.of(), List.of(), 0, 0, 0);
        List<Recipient> rcpts = List.of(new Recipient(0, "a@x.test", "", "", 0), new Recipient(1, "b@x.test", "", "", 0));
        List<RecipientResult> out = new ArrayList<>();
        agent.deliver(new DeliveryRequest(Path.of("/nonexistent"), e, rcpts, "error", nexthop, 0), out::add);
        return out;
    }

    @Test
    void errorBouncesWithTheNexthopAsReason() {
        List<RecipientResult> r = run(ErrorAgent.forService("error"), "5.1.2 no such domain here");
        assertThat(r).hasSize(2).allSatisfy(x -> {
            assertThat(x.status()).isEqualTo(RecipientResult.Status.BOUNCED);
            assertThat(x.dsn()).isEqualTo("5.1.2");
            assertThat(x.text()).isEqualTo("no such domain here");
            assertThat(x.relay()).isEqualTo("none");
        });
    }

    @Test
    void defaultsAsPostfix() {
        RecipientResult e = run(ErrorAgent.error(), "").get(0);
        assertThat(e.dsn()).isEqualTo("5.0.0");
        assertThat(e.text()).isEqualTo("Address is undeliverable");
        RecipientResult r = run(ErrorAgent.forService("retry"), "try later").get(0);
        assertThat(r.status()).isEqualTo(RecipientResult.Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.0.0");
        assertThat(r.text()).isEqualTo("try later");
    }

    @Test
    void theRoleDecidesTheClass() {
        assertThat(run(ErrorAgent.retry(), "5.7.1 go away").get(0).dsn()).isEqualTo("4.7.1");
        assertThat(run(ErrorAgent.error(), "4.4.1 later").get(0).dsn()).isEqualTo("5.4.1");
        assertThat(run(ErrorAgent.error(), "2.0.0 odd").get(0).dsn()).isEqualTo("5.0.0");
    }

    @Test
    void discardPretendsToDeliver() {
        List<RecipientResult> r = run(new DiscardAgent(), "silently dropped");
        assertThat(r).hasSize(2).allSatisfy(x -> {
            assertThat(x.status()).isEqualTo(RecipientResult.Status.SENT);
            assertThat(x.dsn()).isEqualTo("2.0.0");
            assertThat(x.text()).isEqualTo("silently dropped");
        });
        assertThat(run(new DiscardAgent(), "2.6.0 spam dropped").get(0)).extracting(RecipientResult::dsn,
                RecipientResult::text).containsExactly("2.6.0", "spam dropped");
        assertThat(run(new DiscardAgent(), "").get(0).text()).isEqualTo("discarded");
    }

    @Test
    void dsnTextParsing() {
        assertThat(DsnText.parse("5.1.2 text", "5.0.0")).isEqualTo(new DsnText("5.1.2", "text"));
        assertThat(DsnText.parse("5.1 text", "5.0.0")).isEqualTo(new DsnText("5.0.0", "5.1 text"));
        assertThat(DsnText.parse("6.1.1 text", "5.0.0")).isEqualTo(new DsnText("5.0.0", "6.1.1 text"));
        assertThat(DsnText.parse("4.123.999", "5.0.0")).isEqualTo(new DsnText("4.123.999", ""));
        assertThat(DsnText.parse(null, "4.0.0")).isEqualTo(new DsnText("4.0.0", ""));
    }
}
