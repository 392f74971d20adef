package tern.tables;

import java.util.Locale;

/**
 * Keys - case folding of lookup keys as Postfix does it for fixed-string tables.
 */
final class Keys {
    private Keys() {
    }

    /** fold - key in lower case (Unicode-aware, locale-independent). */
    static String fold(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= 'A' && c <= 'Z' || c > 127) {
                return key.toLowerCase(Locale.ROOT);
            }
        }
        return key;
    }
}
