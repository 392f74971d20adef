package tern.smtpd;

import java.io.IOException;
import java.util.Arrays;

import tern.cleanup.CleanupStream;

/**
 * MessageSink - message content on its way from the session to cleanup, as lines. DATA and BDAT
 * both feed it: complete lines straight from the input buffer ({@link #line}), and pieces of lines
 * ({@link #part}) when a line is longer than line_length_limit or a BDAT chunk ends inside a line.
 * Pieces are joined here when they are short, so that cleanup sees each line once; a line that grows
 * past line_length_limit goes out in parts of that size ({@link CleanupStream#contentPart}), never
 * held whole.
 *
 * A CR at the end of a piece may be the first half of a CR LF split between two chunks: it is held
 * back until the next piece shows whether the LF follows.
 *
 * It counts the message size (content plus CR LF per line) and stops writing once that passes
 * message_size_limit ({@link #tooBig}); the first IOException from cleanup also stops it ({@link
 * #error}). Either way the rest of the message is still read, so the session stays in step.
 */
final class MessageSink {
    private final CleanupStream stream;
    private final long limit;
    private final int lineLimit;
    private byte[] partial = new byte[0];
    private int partialLen;
    private boolean pendingCr;
    private boolean midLine;

    long size;
    /** Parts handed over as pieces of longer lines (Postfix counts a line end for each in BDAT's byte count). */
    int parts;
    /** Whether the content ended in a CR without its LF (BDAT): the CR was taken for half a line end. */
    boolean endedInCr;
    boolean tooBig;
    IOException error;

    MessageSink(CleanupStream stream, long limit, int lineLimit) {
        this.stream = stream;
        this.limit = limit;
        this.lineLimit = lineLimit;
    }

    /** atLineStart - whether the next byte begins a line (where DATA looks for dots). */
    boolean atLineStart() {
        return !midLine && partialLen == 0 && !pendingCr;
    }

    /** line - the rest of a line (all of it, unless pieces came before), without its line ending. */
    void line(byte[] b, int off, int len) {
        if (pendingCr) {
            pendingCr = false;
            if (len > 0) {
                append(CR, 0, 1);
            }
        }
        if (partialLen == 0) {
            emitLine(b, off, len);
        } else {
            append(b, off, len);
            emitLine(partial, 0, partialLen);
            partialLen = 0;
        }
        midLine = false;
    }

    /** part - a piece of a line; more of the line follows. */
    void part(byte[] b, int off, int len) {
        if (len == 0) {
            return;
        }
        if (pendingCr) {
            pendingCr = false;
            append(CR, 0, 1);
        }
        if (b[off + len - 1] == '\r') {
            pendingCr = true;
            len--;
        }
        midLine = true;
        if (partialLen == 0 && len >= lineLimit) {
            emitPart(b, off, len);
            return;
        }
        append(b, off, len);
        if (partialLen >= lineLimit) {
            emitPart(partial, 0, partialLen);
            partialLen = 0;
        }
    }

    /**
     * finish - the content has ended (BDAT LAST): a line without its ending still counts as a line.
     * A CR held back at the end is half of that missing line end when the last chunk ended in it, and
     * content when an earlier chunk did (an empty LAST chunk followed), as Postfix takes it.
     */
    void finish(boolean lastChunkEmpty) {
        if (midLine || partialLen > 0 || pendingCr) {
            if (pendingCr && lastChunkEmpty) {
                append(CR, 0, 1);
            } else {
                endedInCr = pendingCr;
            }
            pendingCr = false;
            emitLine(partial, 0, partialLen);
            partialLen = 0;
            midLine = false;
        }
        if (partial.length > 4096) {
            partial = new byte[0];
        }
    }

    private static final byte[] CR = {'\r'};

    private void append(byte[] b, int off, int len) {
        if (partialLen + len > partial.length) {
            partial = Arrays.copyOf(partial, Math.max(partialLen + len, Math.max(256, partial.length * 2)));
        }
        System.arraycopy(b, off, partial, partialLen, len);
        partialLen += len;
    }

    private void emitLine(byte[] b, int off, int len) {
        size += len + 2;
        if (!writable()) {
            return;
        }
        try {
            stream.contentLine(b, off, len);
        } catch (IOException e) {
            error = e;
        }
    }

    private void emitPart(byte[] b, int off, int len) {
        size += len;
        parts++;
        if (!writable()) {
            return;
        }
        try {
            stream.contentPart(b, off, len);
        } catch (IOException e) {
            error = e;
        }
    }

    private boolean writable() {
        if (limit > 0 && size > limit) {
            tooBig = true;
        }
        return !tooBig && error == null && stream != null;
    }
}
