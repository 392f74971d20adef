package tern.config;

/**
 * ParameterType - the value kinds of main.cf parameters, as postconf(5) documents them.
 * Values are always stored as text; the type only says how {@link Config} converts them.
 */
public enum ParameterType {
    /** Free text after $name expansion. */
    STRING,
    /** yes/no (Postfix accepts only those two words, case-insensitively). */
    BOOLEAN,
    /** A decimal integer. */
    INTEGER,
    /** A time: a number with an optional unit s, m, h, d or w; a bare number uses the parameter's default unit. */
    TIME,
    /** A byte count (message_size_limit, mailbox_size_limit, ...). */
    SIZE,
    /** Items separated by commas and/or white space. */
    LIST
}
