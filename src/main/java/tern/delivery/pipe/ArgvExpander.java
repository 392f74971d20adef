package tern.delivery.pipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tern.queue.Recipient;

/**
 * ArgvExpander - expands the macros of a pipe(8) argv= command: ${name}, $name and $(name), "$$"
 * for a dollar. A word that names a per-recipient macro ($recipient, $original_recipient, $user,
 * $extension, $mailbox, $domain) becomes one word per recipient; a word whose $user is empty
 * (for "+ext@domain") is left out for that recipient, as Postfix does for Cyrus bulletin boards.
 *
 * Flags: h folds $nexthop and $domain to lower case, and the domain part of $recipient and
 * $original_recipient; u folds the local part of those two and $user, $extension, $mailbox; q
 * quotes the local part of $sender, $recipient and $original_recipient (RFC 822) when it needs it.
 * An unknown macro name is an error (the delivery is deferred as a configuration error).
 */
final class ArgvExpander {
    private static final List<String> PER_RECIPIENT = List.of("recipient", "original_recipient", "user", "extension",
            "mailbox", "domain");
    private static final List<String> PER_MESSAGE = List.of("sender", "nexthop", "size", "queue_id", "client_address",
            "client_hostname", "client_port", "client_helo", "client_protocol", "sasl_method", "sasl_sender",
            "sasl_username");

    /** UnknownMacroException - the argv names a macro pipe(8) does not have. */
    static final class UnknownMacroException extends Exception {
        UnknownMacroException(String name) {
            super(name);
        }
    }

    private final String flags;
    private final String delimiters;
    private final Map<String, String> message;

    ArgvExpander(String flags, String delimiters, Map<String, String> message) {
        this.flags = flags;
        this.delimiters = delimiters;
        this.message = message;
    }

    List<String> expand(List<String> argv, List<Recipient> rcpts) throws UnknownMacroException {
        List<String> out = new ArrayList<>();
        for (String word : argv) {
            List<String> names = names(word);
            boolean perRecipient = false;
            for (String n : names) {
                if (PER_RECIPIENT.contains(n)) {
                    perRecipient = true;
                } else if (!PER_MESSAGE.contains(n)) {
                    throw new UnknownMacroException(n);
                }
            }
            if (!perRecipient) {
                out.add(substitute(word, null));
                continue;
            }
            for (Recipient r : rcpts) {
                Map<String, String> values = recipientValues(r);
                if (names.contains("user") && values.get("user").isEmpty()) {
                    continue;
                }
                out.add(substitute(word, values));
            }
        }
        return out;
    }

    /** names - the macro names a word uses. */
    static List<String> names(String word) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < word.length()) {
            char c = word.charAt(i);
            if (c != '$' || i + 1 >= word.length()) {
                i++;
                continue;
            }
            char n = word.charAt(i + 1);
            if (n == '$') {
                i += 2;
                continue;
            }
            int[] span = span(word, i);
            if (span == null) {
                i++;
                continue;
            }
            out.add(word.substring(span[0], span[1]));
            i = span[2];
        }
        return out;
    }

    /** span - for a '$' at i: start and end of the name and the index after the macro, or null. */
    private static int[] span(String w, int i) {
        char n = w.charAt(i + 1);
        if (n == '{' || n == '(') {
            char close = n == '{' ? '}' : ')';
            int j = w.indexOf(close, i + 2);
            if (j < 0) {
                return null;
            }
            return new int[]{i + 2, j, j + 1};
        }
        int j = i + 1;
        while (j < w.length() && (Character.isLetterOrDigit(w.charAt(j)) || w.charAt(j) == '_')) {
            j++;
        }
        return j == i + 1 ? null : new int[]{i + 1, j, j};
    }

    private String substitute(String word, Map<String, String> rcpt) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < word.length()) {
            char c = word.charAt(i);
            if (c != '$' || i + 1 >= word.length()) {
                sb.append(c);
                i++;
                continue;
            }
            if (word.charAt(i + 1) == '$') {
                sb.append('$');
                i += 2;
                continue;
            }
            int[] span = span(word, i);
            if (span == null) {
                sb.append(c);
                i++;
                continue;
            }
            String name = word.substring(span[0], span[1]);
            String v = rcpt != null && rcpt.containsKey(name) ? rcpt.get(name) : messageValue(name);
            sb.append(v == null ? "" : v);
            i = span[2];
        }
        return sb.toString();
    }

    private String messageValue(String name) {
        String v = message.getOrDefault(name, "");
        if (name.equals("nexthop") && flags.indexOf('h') >= 0) {
            return v.toLowerCase(Locale.ROOT);
        }
        if (name.equals("sender") && flags.indexOf('q') >= 0 && !v.isEmpty()) {
            return quote(v);
        }
        return v;
    }

    private Map<String, String> recipientValues(Recipient r) {
        String address = fold(r.address());
        String original = fold(r.original().isEmpty() ? r.address() : r.original());
        int at = address.lastIndexOf('@');
        String local = at >= 0 ? address.substring(0, at) : address;
        String domain = at >= 0 ? address.substring(at + 1) : "";
        String user = local;
        String extension = "";
        if (!delimiters.isEmpty()) {
            for (int i = 0; i < local.length(); i++) {
                if (delimiters.indexOf(local.charAt(i)) >= 0) {
                    user = local.substring(0, i);
                    extension = local.substring(i + 1);
                    break;
                }
            }
        }
        boolean q = flags.indexOf('q') >= 0;
        return Map.of("recipient", q ? quote(address) : address, "original_recipient", q ? quote(original) : original,
                "user", user, "extension", extension, "mailbox", local, "domain", domain);
    }

    /** fold - the h and u flags on an address: domain and local part to lower case. */
    private String fold(String address) {
        int at = address.lastIndexOf('@');
        String local = at >= 0 ? address.substring(0, at) : address;
        String domain = at >= 0 ? address.substring(at) : "";
        if (flags.indexOf('u') >= 0) {
            local = local.toLowerCase(Locale.ROOT);
        }
        if (flags.indexOf('h') >= 0) {
            domain = domain.toLowerCase(Locale.ROOT);
        }
        return local + domain;
    }

    /** quote - RFC 822 quoting of a local part with special characters or white space. */
    static String quote(String address) {
        int at = address.lastIndexOf('@');
        String local = at >= 0 ? address.substring(0, at) : address;
        String domain = at >= 0 ? address.substring(at) : "";
        boolean needs = local.isEmpty() ? false : local.startsWith(".") || local.endsWith(".") || local.contains("..");
        for (int i = 0; i < local.length() && !needs; i++) {
            char c = local.charAt(i);
            needs = c <= ' ' || c == 0x7f || "()<>@,;:\\\".[]".indexOf(c) >= 0 && c != '.';
        }
        if (!needs) {
            return address;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').append(domain).toString();
    }
}
