package tern.tables;

import java.util.ArrayList;
import java.util.List;

/**
 * Rfc822Tokens - the RFC 822 tokenizing that aliases(5) lines go through in postalias: atoms,
 * quoted strings, (comments), [domain literals] and the special characters as operators. The value
 * of an alias is stored in its external form, rebuilt from the tokens the way Postfix does: ", "
 * after each comma, one space between two words (atoms, quoted strings, comments, literals) and
 * before "<", nothing around other operators. So "a,b" is stored as "a, b", ":include: /x" as
 * ":include:/x", and "a\,b" as "\"a,b\"".
 *
 * Unterminated quotes, comments and literals are closed at the end of the text, as Postfix does;
 * parsing never fails.
 */
final class Rfc822Tokens {
    enum Type { ATOM, QSTRING, COMMENT, DOMLIT, OP }

    /** Token - one token; text is unquoted for QSTRING and DOMLIT, with parens for COMMENT. */
    record Token(Type type, String text) {
        boolean isOp(char c) {
            return type == Type.OP && text.charAt(0) == c;
        }
    }

    private static final String SPECIALS = "()<>@,;:\\\".[]";

    private Rfc822Tokens() {
    }

    static List<Token> scan(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (SourceLines.isSpace(c)) {
                i++;
            } else if (c == '(') {
                StringBuilder b = new StringBuilder();
                int depth = 0;
                while (i < n) {
                    char d = s.charAt(i);
                    if (d == '\\' && i + 1 < n) {
                        b.append(d).append(s.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    b.append(d);
                    i++;
                    if (d == '(') {
                        depth++;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
                while (depth-- > 0) {
                    b.append(')');
                }
                out.add(new Token(Type.COMMENT, b.toString()));
            } else if (c == '"' || c == '[') {
                char close = c == '"' ? '"' : ']';
                StringBuilder b = new StringBuilder();
                i++;
                while (i < n && s.charAt(i) != close) {
                    if (s.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    b.append(s.charAt(i));
                    i++;
                }
                i++;
                out.add(new Token(c == '"' ? Type.QSTRING : Type.DOMLIT, b.toString()));
            } else if (c != '\\' && SPECIALS.indexOf(c) >= 0) {
                out.add(new Token(Type.OP, String.valueOf(c)));
                i++;
            } else {
                // An atom; a backslash-quoted character in it makes it a quoted string.
                StringBuilder b = new StringBuilder();
                boolean quoted = false;
                while (i < n) {
                    char d = s.charAt(i);
                    if (d == '\\') {
                        if (i + 1 < n) {
                            b.append(s.charAt(i + 1));
                            quoted = true;
                        }
                        i += 2;
                        continue;
                    }
                    if (SourceLines.isSpace(d) || SPECIALS.indexOf(d) >= 0) {
                        break;
                    }
                    b.append(d);
                    i++;
                }
                out.add(new Token(quoted ? Type.QSTRING : Type.ATOM, b.toString()));
            }
        }
        return out;
    }

    /** externalize - the tokens as text, spaced as Postfix spaces them; quoted strings quoted. */
    static String externalize(List<Token> tokens) {
        return join(tokens, true);
    }

    /** internalize - the tokens as text with quoted strings unquoted (an alias name). */
    static String internalize(List<Token> tokens) {
        return join(tokens, false);
    }

    private static String join(List<Token> tokens, boolean external) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < tokens.size(); k++) {
            Token t = tokens.get(k);
            switch (t.type) {
                case QSTRING -> {
                    if (external) {
                        b.append('"');
                        quote(b, t.text, "\"\\\r\n");
                        b.append('"');
                    } else {
                        b.append(t.text);
                    }
                }
                case DOMLIT -> {
                    b.append('[');
                    if (external) {
                        quote(b, t.text, "\\\r\n");
                    } else {
                        b.append(t.text);
                    }
                    b.append(']');
                }
                case OP -> {
                    b.append(t.text);
                    if (t.isOp(',')) {
                        b.append(' ');
                        continue;
                    }
                }
                default -> b.append(t.text);
            }
            if (k + 1 < tokens.size()) {
                Token next = tokens.get(k + 1);
                if (next.isOp('<') || (word(t) && word(next))) {
                    b.append(' ');
                }
            }
        }
        return b.toString();
    }

    private static boolean word(Token t) {
        return t.type != Type.OP;
    }

    private static void quote(StringBuilder b, String text, String special) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (special.indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
    }
}
