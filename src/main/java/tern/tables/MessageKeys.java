package tern.tables;

import java.util.ArrayList;
import java.util.List;

/**
 * MessageKeys - the lookup keys "postmap -h -q -" and "postmap -b -q -" make from a message on
 * standard input: each logical header (a folded header is one key with its newlines kept) up to
 * the first empty line, and each body line after it. No MIME parsing (-m is accepted, not applied).
 */
final class MessageKeys {
    private MessageKeys() {
    }

    static List<String> of(String message, boolean headers, boolean body) {
        List<String> keys = new ArrayList<>();
        String[] lines = message.split("\r?\n", -1);
        int n = lines.length;
        if (n > 0 && lines[n - 1].isEmpty()) {
            n--;
        }
        int i = 0;
        StringBuilder header = null;
        for (; i < n; i++) {
            String l = lines[i];
            if (l.isEmpty()) {
                i++;
                break;
            }
            if ((l.charAt(0) == ' ' || l.charAt(0) == '\t') && header != null) {
                header.append('\n').append(l);
                continue;
            }
            if (header != null && headers) {
                keys.add(header.toString());
            }
            header = new StringBuilder(l);
        }
        if (header != null && headers) {
            keys.add(header.toString());
        }
        if (body) {
            for (; i < n; i++) {
                keys.add(lines[i]);
            }
        }
        return keys;
    }
}
