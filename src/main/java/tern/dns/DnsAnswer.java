package tern.dns;

import java.util.List;

/**
 * DnsAnswer - the outcome of one lookup, in the terms Postfix uses for its DNS results: found, not
 * found (the name does not exist: NXDOMAIN), no data (the name exists, but not with that record
 * type), a temporary failure (timeout, SERVFAIL, REFUSED: try again later) or a permanent failure
 * (FORMERR, NOTIMP, a malformed name).
 *
 * @param status  what happened
 * @param records the records found (empty unless FOUND), in the order the server gave them
 * @param name    the name that was asked for
 * @param type    the record type asked for ("MX", "A", "AAAA", "TXT", "PTR")
 */
public record DnsAnswer<T>(Status status, List<T> records, String name, String type) {

    /** Status - the kinds of outcome; {@link #text} has Postfix's wording for each. */
    public enum Status {
        FOUND("Host found"),
        NOT_FOUND("Host not found"),
        NO_DATA("Host found but no data record of requested type"),
        TRY_AGAIN("Host not found, try again"),
        FAIL("Non-recoverable error");

        private final String text;

        Status(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    public static <T> DnsAnswer<T> found(List<T> records, String name, String type) {
        return new DnsAnswer<>(Status.FOUND, List.copyOf(records), name, type);
    }

    public static <T> DnsAnswer<T> of(Status status, String name, String type) {
        return new DnsAnswer<>(status, List.of(), name, type);
    }

    public boolean found() {
        return status == Status.FOUND;
    }

    /** notFound - the name or the data does not exist (a permanent answer, unlike TRY_AGAIN). */
    public boolean notFound() {
        return status == Status.NOT_FOUND || status == Status.NO_DATA;
    }

    public boolean temporary() {
        return status == Status.TRY_AGAIN;
    }

    /** error - Postfix's text: "Name service error for name=example.com type=MX: Host not found, try again". */
    public String error() {
        return "Name service error for name=" + name + " type=" + type + ": " + status.text();
    }

    /** withoutRecords - the same outcome as an answer of another element type (for failures, which carry none). */
    public <U> DnsAnswer<U> withoutRecords() {
        return new DnsAnswer<>(status, List.of(), name, type);
    }
}
