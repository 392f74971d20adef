package tern.tables;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SourceLines - the logical lines of a Postfix table source file (postmap input, aliases, cidr,
 * regexp and pcre tables), as their manuals define them: blank lines and lines whose first
 * non-whitespace character is '#' are ignored; a line that starts with whitespace continues the
 * logical line before it (the newline is dropped, the leading whitespace kept). A comment line
 * inside a continued entry does not end it. Each logical line carries the number of its first
 * physical line, which is what error messages name.
 *
 * Text is decoded as UTF-8 (malformed bytes become U+FFFD). A trailing CR is dropped so that files
 * edited on other systems read the same. Reading fails only with the I/O error, worded as Postfix
 * words it ("open FILE: No such file or directory").
 */
final class SourceLines {
    /** Line - one logical line and the number of its first physical line. */
    record Line(String text, int number) {
    }

    private SourceLines() {
    }

    /** read - the logical lines of a file; the message of a failure names the file. */
    static List<Line> read(Path file) throws TableException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TableException("open " + file + ": No such file or directory", e);
        } catch (IOException e) {
            throw new TableException("open " + file + ": " + reason(e), e);
        }
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    /** reason - the strerror-like text of an I/O failure. */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** parse - the logical lines of text already in memory. */
    static List<Line> parse(String content) {
        List<Line> out = new ArrayList<>();
        StringBuilder current = null;
        int currentNumber = 0;
        int number = 0;
        int i = 0;
        int n = content.length();
        while (i < n) {
            int nl = content.indexOf('\n', i);
            int end = nl < 0 ? n : nl;
            number++;
            int stop = end;
            if (stop > i && content.charAt(stop - 1) == '\r') {
                stop--;
            }
            String line = content.substring(i, stop);
            i = end + 1;
            int first = firstNonSpace(line);
            if (first < 0 || line.charAt(first) == '#') {
                continue;
            }
            if (first > 0 && current != null) {
                current.append(line);
                continue;
            }
            if (current != null) {
                out.add(new Line(current.toString(), currentNumber));
            }
            current = new StringBuilder(line);
            currentNumber = number;
        }
        if (current != null) {
            out.add(new Line(current.toString(), currentNumber));
        }
        return out;
    }

    private static int firstNonSpace(String s) {
        for (int k = 0; k < s.length(); k++) {
            if (!isSpace(s.charAt(k))) {
                return k;
            }
        }
        return -1;
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    /** strip - s without leading and trailing whitespace (ASCII whitespace, as Postfix's). */
    static String strip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isSpace(s.charAt(a))) {
            a++;
        }
        while (b > a && isSpace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }
}
