package tern.delivery.error;

import tern.delivery.DeliveryAgent;
import tern.delivery.DeliveryRequest;
import tern.delivery.RecipientResult;
import tern.delivery.ResultSink;
import tern.queue.Recipient;

/**
 * ErrorAgent - Postfix's error(8) delivery agent, in its two roles chosen by the master.cf service
 * name: "error" bounces every recipient of a request, "retry" defers them. The reason is the next
 * hop of the request (transport_maps "example.com error:5.1.2 no such domain here"), with an
 * optional detail code; without one the code is 5.0.0 (error) or 4.0.0 (retry), and an empty
 * reason reads "Address is undeliverable", as Postfix's does. The log shows relay=none.
 *
 * The code's class follows the role whatever the table says: an error transport never defers and
 * a retry transport never bounces, so "error:4.1.1 x" bounces with 5.1.1.
 *
 * Never touches the queue file and cannot fail.
 */
public final class ErrorAgent implements DeliveryAgent {
    static final String UNDELIVERABLE = "Address is undeliverable";

    private final boolean retry;

    private ErrorAgent(boolean retry) {
        this.retry = retry;
    }

    /** error - the agent that bounces. */
    public static ErrorAgent error() {
        return new ErrorAgent(false);
    }

    /** retry - the agent that defers. */
    public static ErrorAgent retry() {
        return new ErrorAgent(true);
    }

    /** forService - the role that the master.cf service name selects ("retry" defers, any other bounces). */
    public static ErrorAgent forService(String serviceName) {
        return new ErrorAgent("retry".equals(serviceName));
    }

    public boolean isRetry() {
        return retry;
    }

    @Override
    public void deliver(DeliveryRequest request, ResultSink sink) {
        DsnText reason = DsnText.parse(request.nexthop(), retry ? "4.0.0" : "5.0.0");
        String text = reason.text().isEmpty() ? UNDELIVERABLE : reason.text();
        // a success code makes no sense for a failure; otherwise keep the detail, set the class
        String dsn = reason.dsn().startsWith("2") ? (retry ? "4.0.0" : "5.0.0")
                : (retry ? "4" : "5") + reason.dsn().substring(1);
        for (Recipient r : request.recipients()) {
            sink.result(retry ? RecipientResult.deferred(r, dsn, "none", text)
                    : RecipientResult.bounced(r, dsn, "none", text));
        }
    }
}
