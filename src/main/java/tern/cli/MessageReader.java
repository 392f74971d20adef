package tern.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MessageReader - a message as sendmail reads it from standard input: lines ending in LF (a CR
 * before the LF is dropped as sendmail_fix_line_endings says: always, strict = only when the first
 * line ends in CRLF, never), a leading UNIX "From " line dropped, input ending at EOF or, unless -i,
 * at a line holding only ".". A last line without LF is a line. Lines are passed on as they are;
 * no dot is removed or added (the queue file's own dot doubling is the writer's business).
 *
 * The header section (up to the first empty line, or the first line that is not a header) is
 * held in memory so that -t can take recipients from it; the body is streamed. The whole message
 * is bounded by message_size_limit ({@link TooBig}), so memory stays bounded too.
 */
final class MessageReader {
    /** TooBig - the message is larger than message_size_limit. */
    static final class TooBig extends IOException {
        private static final long serialVersionUID = 1L;
    }

    /** LineSink - receives body lines. */
    interface LineSink {
        void line(byte[] b, int off, int len) throws IOException;
    }

    private final InputStream in;
    private final boolean dotIsEnd;
    private final String fix;
    private final long limit;
    private byte[] buf = new byte[1024];
    private int len;
    private long total;
    private boolean eof;
    private boolean first = true;
    private boolean stripCr;
    private boolean sawEmptyLine;
    private byte[] pending;     // the first body line, read while looking for the end of the headers

    MessageReader(InputStream in, boolean dotIsEnd, String fix, long limit) {
        this.in = in;
        this.dotIsEnd = dotIsEnd;
        this.fix = fix;
        this.limit = limit;
        this.stripCr = !fix.equals("never") && !fix.equals("strict");
    }

    /** headers - the header section's lines (continuation lines included, the empty line not). */
    List<byte[]> headers() throws IOException {
        List<byte[]> out = new ArrayList<>();
        boolean inHeader = false;
        while (readLine()) {
            if (first) {
                first = false;
                if (startsWith("From ")) {
                    continue;
                }
            }
            if (len == 0) {
                sawEmptyLine = true;
                return out;
            }
            if (inHeader && (buf[0] == ' ' || buf[0] == '\t')) {
                out.add(Arrays.copyOf(buf, len));
                continue;
            }
            if (isHeader(buf, len)) {
                inHeader = true;
                out.add(Arrays.copyOf(buf, len));
                continue;
            }
            pending = Arrays.copyOf(buf, len);
            return out;
        }
        return out;
    }

    /** sawEmptyLine - whether the header section ended with an empty line. */
    boolean sawEmptyLine() {
        return sawEmptyLine;
    }

    /** body - every remaining line to sink. */
    void body(LineSink sink) throws IOException {
        if (pending != null) {
            sink.line(pending, 0, pending.length);
            pending = null;
        }
        while (readLine()) {
            first = false;
            sink.line(buf, 0, len);
        }
    }

    /** readLine - the next line into buf[0..len); false at the end of the message. */
    private boolean readLine() throws IOException {
        if (eof) {
            return false;
        }
        len = 0;
        int c;
        while ((c = in.read()) >= 0) {
            if (++total > limit) {
                throw new TooBig();
            }
            if (c == '\n') {
                break;
            }
            if (len == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[len++] = (byte) c;
        }
        if (c < 0) {
            eof = true;
            if (len == 0) {
                return false;
            }
        }
        if (len > 0 && buf[len - 1] == '\r') {
            if (first && fix.equals("strict")) {
                stripCr = true;
            }
            if (stripCr) {
                len--;
            }
        }
        if (dotIsEnd && len == 1 && buf[0] == '.') {
            eof = true;
            return false;
        }
        return true;
    }

    private boolean startsWith(String s) {
        if (len < s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (buf[i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** isHeader - "Name:" with a name of printable ASCII other than colon (white space may precede the colon). */
    static boolean isHeader(byte[] b, int len) {
        int i = 0;
        while (i < len) {
            int c = b[i] & 0xff;
            if (c == ':' || c <= 32 || c >= 127) {
                break;
            }
            i++;
        }
        if (i == 0) {
            return false;
        }
        while (i < len && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i < len && b[i] == ':';
    }

    /** unfold - header lines as {name, value} pairs, continuation lines joined. */
    static List<String[]> unfold(List<byte[]> lines) {
        List<String[]> out = new ArrayList<>();
        StringBuilder cur = null;
        for (byte[] l : lines) {
            String s = new String(l, StandardCharsets.UTF_8);
            if (cur != null && !s.isEmpty() && (s.charAt(0) == ' ' || s.charAt(0) == '\t')) {
                cur.append(' ').append(s.strip());
                continue;
            }
            if (cur != null) {
                out.add(split(cur.toString()));
            }
            cur = new StringBuilder(s);
        }
        if (cur != null) {
            out.add(split(cur.toString()));
        }
        return out;
    }

    private static String[] split(String h) {
        int colon = h.indexOf(':');
        if (colon < 0) {
            return new String[]{h.strip(), ""};
        }
        return new String[]{h.substring(0, colon).strip(), h.substring(colon + 1).strip()};
    }
}
