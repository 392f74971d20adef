package tern.config;

/**
 * ConfigException - a configuration problem a person must fix. Its message is complete and printable
 * as is ("/etc/postfix/main.cf, line 12: missing '=' after attribute name: \"foo\""); callers print it
 * after their program name and never show a stack trace.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
