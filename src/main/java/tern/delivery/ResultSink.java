package tern.delivery;

/**
 * ResultSink - where a delivery agent reports each recipient's outcome, as soon as it is known
 * (not at the end of the request): the queue manager records it durably at once, so that a crash
 * in the middle of a many-recipient delivery repeats only the recipients in flight.
 */
public interface ResultSink {
    /** result - the recipient's outcome, recorded in the queue file; once per recipient. */
    void result(RecipientResult result);

    /**
     * expansion - the outcome for one of several destinations that one recipient led to (an alias
     * or .forward with many addresses): logged as Postfix logs each destination, not recorded.
     * An agent that reports expansions for a recipient still reports its overall outcome through
     * {@link #result}, which is then recorded without a log line of its own.
     */
    default void expansion(RecipientResult destination) {
    }
}
