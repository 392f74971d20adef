package tern.dns;

/**
 * Mx - one MX record: preference (lower is better) and exchanger host name, without the final dot.
 */
public record Mx(int preference, String host) {
}
