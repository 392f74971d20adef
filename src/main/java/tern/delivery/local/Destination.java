package tern.delivery.local;

import java.util.ArrayList;
import java.util.List;

/**
 * Destination - one item of an alias value, a .forward line or an :include: file, as aliases(5)
 * defines them: an address ("user", "user@domain", or the name after a backslash for the user's own
 * mailbox), a command ("|command", quoted when it holds commas or other special characters), a file
 * ("/file/name", a maildir when it ends in "/"), or ":include:/file/name".
 *
 * {@link #parse} splits a value at commas outside double quotes, (comments) and &lt;angle
 * brackets&gt;, drops comments, takes the address out of "Name &lt;address&gt;", and removes the
 * quotes around an item that is quoted as a whole ("\"|cmd arg\"" becomes |cmd arg). Parsing
 * never fails; an empty item is skipped.
 *
 * @param kind what it is
 * @param text the address (without a leading backslash), command (without "|"), path or
 *             included file name (without ":include:")
 * @param backslash for an address: it was written with a backslash before the name (deliver to
 *                  the mailbox, no aliasing)
 */
record Destination(Kind kind, String text, boolean backslash) {
    enum Kind { ADDRESS, COMMAND, FILE, INCLUDE }

    /** parse - the destinations in one alias value or one line of a .forward/:include: file. */
    static List<Destination> parse(String value) {
        List<Destination> out = new ArrayList<>();
        StringBuilder item = new StringBuilder();
        boolean quoted = false;
        int comment = 0;
        boolean angle = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length() && (quoted || comment > 0)) {
                item.append(c).append(value.charAt(++i));
                continue;
            }
            if (quoted) {
                if (c == '"') {
                    quoted = false;
                }
                item.append(c);
                continue;
            }
            if (comment > 0) {
                if (c == '(') {
                    comment++;
                } else if (c == ')') {
                    comment--;
                }
                continue; // comments are dropped
            }
            switch (c) {
                case '"' -> {
                    quoted = true;
                    item.append(c);
                }
                case '(' -> comment = 1;
                case '<' -> {
                    angle = true;
                    item.append(c);
                }
                case '>' -> {
                    angle = false;
                    item.append(c);
                }
                case ',', '\n', '\r' -> {
                    if (angle && c == ',') {
                        item.append(c);
                    } else {
                        add(out, item.toString());
                        item.setLength(0);
                        angle = false;
                    }
                }
                default -> item.append(c);
            }
        }
        add(out, item.toString());
        return out;
    }

    private static void add(List<Destination> out, String raw) {
        String s = raw.strip();
        if (s.isEmpty()) {
            return;
        }
        // "Name <address>": the address
        int lt = s.lastIndexOf('<');
        int gt = s.lastIndexOf('>');
        if (lt >= 0 && gt > lt && !s.startsWith("\"|") && !s.startsWith("|")) {
            s = s.substring(lt + 1, gt).strip();
            if (s.isEmpty()) {
                return;
            }
        }
        if (s.length() >= 2 && s.charAt(0) == '"' && closingQuote(s) == s.length() - 1) {
            s = unquote(s.substring(1, s.length() - 1));
        }
        if (s.startsWith("|")) {
            out.add(new Destination(Kind.COMMAND, s.substring(1).strip(), false));
        } else if (s.regionMatches(true, 0, ":include:", 0, 9)) {
            out.add(new Destination(Kind.INCLUDE, s.substring(9).strip(), false));
        } else if (s.startsWith("/")) {
            out.add(new Destination(Kind.FILE, s, false));
        } else if (s.startsWith("\\")) {
            String a = s.substring(1).strip();
            if (!a.isEmpty()) {
                out.add(new Destination(Kind.ADDRESS, a, true));
            }
        } else {
            out.add(new Destination(Kind.ADDRESS, s, false));
        }
    }

    /** closingQuote - the index of the quote that closes the one at 0, or -1. */
    private static int closingQuote(String s) {
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        return -1;
    }

    private static String unquote(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                c = s.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }
}
