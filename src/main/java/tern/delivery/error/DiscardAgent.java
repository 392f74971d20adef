package tern.delivery.error;

import tern.delivery.DeliveryAgent;
import tern.delivery.DeliveryRequest;
import tern.delivery.RecipientResult;
import tern.delivery.ResultSink;
import tern.queue.Recipient;

/**
 * DiscardAgent - Postfix's discard(8) delivery agent: reports every recipient of a request as
 * delivered without delivering anything, and logs the next hop as the reason
 * ("status=sent (silently dropped)"). When the transport table gave no next hop, the resolver made
 * it the recipient domain, and that is what the log shows, as in Postfix. A detail code in front
 * of the reason is taken when it is a success code (2.x.x) and dropped from the text; otherwise the
 * code is 2.0.0. relay=none.
 *
 * Never touches the queue file and cannot fail.
 */
public final class DiscardAgent implements DeliveryAgent {
    @Override
    public void deliver(DeliveryRequest request, ResultSink sink) {
        DsnText reason = DsnText.parse(request.nexthop(), "2.0.0");
        String dsn = reason.dsn().startsWith("2") ? reason.dsn() : "2.0.0";
        String text = reason.text().isEmpty() ? "discarded" : reason.text();
        for (Recipient r : request.recipients()) {
            sink.result(RecipientResult.sent(r, dsn, "none", text));
        }
    }
}
