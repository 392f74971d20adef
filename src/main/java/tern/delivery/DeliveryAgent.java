package tern.delivery;

/**
 * DeliveryAgent - one transport of master.cf (smtp, lmtp, local, virtual, pipe, error, discard,
 * retry), ready to deliver under one configuration snapshot. The daemon builds one per transport
 * service (with that service's -o overrides) and gives it to the queue manager, which calls
 * {@link #deliver} on a virtual thread of its own, within the transport's concurrency limits.
 *
 * An agent reports an outcome for every recipient of the request through the sink and does not
 * throw for a recipient's failure: a failure is an outcome (deferred or bounced). If it cannot
 * even start (a table fails, the queue file is gone), it reports every recipient deferred with
 * the reason. It never touches the queue file except to read it.
 */
public interface DeliveryAgent {
    void deliver(DeliveryRequest request, ResultSink sink);
}
