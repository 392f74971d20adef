package tern.delivery;

/**
 * ResultSink - where a delivery agent reports each recipient's outcome, as soon as it is known
 * (not at the end of the request): the queue manager records it durably at once, so that a crash
 * in the middle of a many-recipient delivery repeats only the recipients in flight.
 */
public interface ResultSink {
    void result(RecipientResult result);
}
