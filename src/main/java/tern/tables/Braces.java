package tern.tables;

import java.util.ArrayList;
import java.util.List;

/**
 * Braces - the "{ ... }" grouping of table names (inline:, static:, pipemap:, unionmap:, and the
 * inline rules of cidr:, regexp:, pcre:), as main.cf writes them.
 */
final class Braces {
    private Braces() {
    }

    /** matching - the index of the '}' that closes the '{' at open, or -1. */
    static int matching(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * items - the elements inside "{ a, b {c d} }": separated by commas and whitespace; an element may
     * itself contain balanced braces. Returns null when braces do not balance. body excludes the
     * outer braces.
     */
    static List<String> items(String body) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = body.length();
        while (i < n) {
            char c = body.charAt(i);
            if (c == ',' || SourceLines.isSpace(c)) {
                i++;
                continue;
            }
            int j = i;
            int depth = 0;
            while (j < n) {
                char d = body.charAt(j);
                if (d == '{') {
                    depth++;
                } else if (d == '}') {
                    depth--;
                    if (depth < 0) {
                        return null;
                    }
                } else if (depth == 0 && (d == ',' || SourceLines.isSpace(d))) {
                    break;
                }
                j++;
            }
            if (depth != 0) {
                return null;
            }
            out.add(body.substring(i, j));
            i = j;
        }
        return out;
    }

    /** unwrap - the text inside "{ text }" with the whitespace after '{' and before '}' removed. */
    static String unwrap(String item) {
        return SourceLines.strip(item.substring(1, item.length() - 1));
    }
}
