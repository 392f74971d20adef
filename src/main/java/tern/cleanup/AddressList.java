package tern.cleanup;

/**
 * AddressList - finds the addresses in the value of an address header (From:, To:, Cc:, ...) as
 * RFC 5322 writes them: display names (atoms, quoted strings), comments in parentheses (nested,
 * with backslash escapes), angle addresses with an optional source route ("&lt;@a,@b:u@d&gt;"),
 * groups ("name: a, b;"), empty list elements, and folded lines (the bytes between lines may be
 * '\n' or CRLF: all of it is white space here).
 *
 * It only locates: the result is, per address, where the text to replace starts (the route, if
 * any), where the address itself starts, and where both end, as offsets into the caller's bytes,
 * so that a caller can splice a new address in and keep every other byte. Nothing is copied.
 *
 * It is strict where Postfix's tokenizer guesses: an unterminated quote, comment, domain literal
 * or angle bracket, a stray "&gt;" or ";", a group inside a group, a mailbox made of several words
 * without angle brackets ("Name Only"), white space or a comment inside an address, or a control
 * character makes the whole header unparsable (null), and the caller leaves it as it is. Time and
 * memory are linear in the header length; more than {@link #TOKEN_LIMIT} tokens is unparsable too.
 *
 * Not thread-safe: one instance per cleanup session, reused for each header.
 */
final class AddressList {
    /** Postfix's header_address_token_limit default: beyond this the header is left alone. */
    static final int TOKEN_LIMIT = 10240;

    // token types; specials are their own character
    private static final int ATOM = 1;
    private static final int QUOTED = 2;
    private static final int LITERAL = 3;

    // per token: type, start, end, 1 when white space or a comment came before it
    private int[] tokens = new int[4 * 32];
    private int count;
    // the result: triples (replace-from, address-from, end)
    private int[] spans = new int[3 * 4];
    private int found;

    /**
     * parse - the addresses of b[from, to), as triples in the returned array (its first
     * 3 * {@link #count()} entries are valid until the next call), or null when the value does not
     * parse. An empty list ("undisclosed-recipients:;", "&lt;&gt;") gives no triples.
     */
    int[] parse(byte[] b, int from, int to) {
        found = 0;
        if (!tokenize(b, from, to)) {
            return null;
        }
        boolean inGroup = false;
        int i = 0;
        while (true) {
            // the element runs to the next ',' ';' or ':' outside angle brackets
            int j = i;
            boolean angle = false;
            for (; j < count; j++) {
                int t = type(j);
                if (t == '<') {
                    if (angle) {
                        return null;
                    }
                    angle = true;
                } else if (t == '>') {
                    if (!angle) {
                        return null;
                    }
                    angle = false;
                } else if (!angle && (t == ',' || t == ';' || t == ':')) {
                    break;
                }
            }
            if (angle) {
                return null;
            }
            if (j < count && type(j) == ':') {
                // a group's display name; its members follow
                if (inGroup || !phrase(i, j)) {
                    return null;
                }
                inGroup = true;
                i = j + 1;
                continue;
            }
            if (!element(i, j)) {
                return null;
            }
            if (j >= count) {
                return spans;
            }
            if (type(j) == ';') {
                if (!inGroup) {
                    return null;
                }
                inGroup = false;
                j++;
                if (j >= count) {
                    return spans;
                }
                if (type(j) != ',') {
                    return null;
                }
            }
            i = j + 1;
        }
    }

    /** count - how many addresses the last successful parse found. */
    int count() {
        return found;
    }

    /** element - one mailbox in tokens [a, b): empty, "phrase &lt;addr&gt;" or a bare address. */
    private boolean element(int a, int b) {
        if (a == b) {
            return true; // ", ," is allowed (obsolete syntax), and so is an empty group
        }
        int open = -1;
        for (int k = a; k < b; k++) {
            if (type(k) == '<') {
                open = k;
                break;
            }
        }
        if (open < 0) {
            return address(a, b, start(a));
        }
        int close = open + 1;
        while (type(close) != '>') {
            close++; // the scan in parse() saw the '>' before b
        }
        if (close != b - 1 || !phrase(a, open)) {
            return false;
        }
        int first = open + 1;
        if (first == close) {
            return true; // <>
        }
        if (type(first) == '@') {
            // a source route: "@a,@b:" is replaced together with the address
            int colon = first;
            while (colon < close && type(colon) != ':') {
                colon++;
            }
            if (colon + 1 >= close) {
                return false;
            }
            return address(colon + 1, close, start(first));
        }
        return address(first, close, start(first));
    }

    /** address - tokens [a, b) as one address: words, '@' and domain literals, nothing between them. */
    private boolean address(int a, int b, int replaceFrom) {
        if (type(a) == '@' || type(b - 1) == '@') {
            return false;
        }
        for (int k = a; k < b; k++) {
            int t = type(k);
            if (t != ATOM && t != QUOTED && t != LITERAL && t != '@') {
                return false;
            }
            if (k > a && gapBefore(k)) {
                return false;
            }
        }
        if (found * 3 + 3 > spans.length) {
            spans = java.util.Arrays.copyOf(spans, spans.length * 2);
        }
        spans[found * 3] = replaceFrom;
        spans[found * 3 + 1] = start(a);
        spans[found * 3 + 2] = end(b - 1);
        found++;
        return true;
    }

    /** phrase - tokens [a, b) are words only (a display name; may be empty). */
    private boolean phrase(int a, int b) {
        for (int k = a; k < b; k++) {
            if (type(k) != ATOM && type(k) != QUOTED) {
                return false;
            }
        }
        return true;
    }

    /** tokenize - b[from, to) into tokens; false when it does not scan or has too many. */
    private boolean tokenize(byte[] b, int from, int to) {
        count = 0;
        boolean gap = false;
        int i = from;
        while (i < to) {
            int c = b[i] & 0xff;
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                gap = true;
                i++;
                continue;
            }
            if (c == '(') {
                int depth = 0;
                for (; i < to; i++) {
                    int d = b[i];
                    if (d == '\\') {
                        i++;
                    } else if (d == '(') {
                        depth++;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
                if (i >= to) {
                    return false;
                }
                i++;
                gap = true;
                continue;
            }
            int start = i;
            int type;
            if (c == '"' || c == '[') {
                int close = c == '"' ? '"' : ']';
                for (i++; i < to && b[i] != close; i++) {
                    if (b[i] == '\\') {
                        i++;
                    } else if (c == '[' && b[i] == '[') {
                        return false;
                    }
                }
                if (i >= to) {
                    return false;
                }
                i++;
                type = c == '"' ? QUOTED : LITERAL;
            } else if (c == '<' || c == '>' || c == '@' || c == ',' || c == ';' || c == ':') {
                i++;
                type = c;
            } else if (c == ')' || c == ']' || c == '\\' || c < 32 || c == 127) {
                return false;
            } else {
                while (i < to && atomChar(b[i] & 0xff)) {
                    i++;
                }
                type = ATOM;
            }
            if (count == TOKEN_LIMIT) {
                return false;
            }
            if (count * 4 + 4 > tokens.length) {
                tokens = java.util.Arrays.copyOf(tokens, tokens.length * 2);
            }
            tokens[count * 4] = type;
            tokens[count * 4 + 1] = start;
            tokens[count * 4 + 2] = i;
            tokens[count * 4 + 3] = gap ? 1 : 0;
            count++;
            gap = false;
        }
        return true;
    }

    /** atomChar - part of an atom: printable and not special; '.' counts (dot-atoms, "J. Doe"), 8-bit too (UTF-8). */
    private static boolean atomChar(int c) {
        if (c <= 32 || c == 127) {
            return false;
        }
        return switch (c) {
            case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '[', ']' -> false;
            default -> true;
        };
    }

    private int type(int k) {
        return tokens[k * 4];
    }

    private int start(int k) {
        return tokens[k * 4 + 1];
    }

    private int end(int k) {
        return tokens[k * 4 + 2];
    }

    private boolean gapBefore(int k) {
        return tokens[k * 4 + 3] != 0;
    }
}
