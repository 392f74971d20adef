package tern.delivery.local;

import java.util.Map;

import tern.config.ConfigException;
import tern.config.Expander;

/**
 * LocalExpansion - the $name expansion that local(8) applies to forward_path, luser_relay and
 * command_execution_directory with per-recipient names ($user, $home, $shell, $recipient,
 * $extension, $domain, $local, $recipient_delimiter), including ${name?value}, ${name:value} and
 * ${name?{a}:{b}}. These values are not main.cf-expanded: an unknown name gives nothing.
 *
 * Each value is filtered first: a character outside the filter (forward_expansion_filter and
 * friends) becomes '_', so that a recipient address cannot smuggle shell or path syntax in.
 *
 * Failure: a malformed template is a ConfigException (the caller defers: configuration error).
 */
final class LocalExpansion {
    private LocalExpansion() {
    }

    static String expand(String template, Map<String, String> names, String filter) throws ConfigException {
        Expander e = new Expander(n -> {
            String v = names.get(n);
            return v == null ? null : filter(v, filter).replace("$", "$$");
        });
        return e.expand(template);
    }

    /** filter - replace every character not in allowed with '_' (an empty filter allows all). */
    static String filter(String value, String allowed) {
        if (allowed == null || allowed.isEmpty()) {
            return value;
        }
        StringBuilder b = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (allowed.indexOf(c) < 0) {
                if (b == null) {
                    b = new StringBuilder(value);
                }
                b.setCharAt(i, '_');
            }
        }
        return b == null ? value : b.toString();
    }
}
