package tern.delivery.pipe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Locale;

import tern.queue.Recipient;

/**
 * MessageWriter - copies a message (plain LF text, from {@link tern.queue.ContentStream}) to a pipe
 * command the way Postfix's mail_copy does for pipe(8) flags: optional From_ line, Return-Path:,
 * X-Original-To:, Delivered-To: first; then every line with "From " quoted as "&gt;From " (flag &gt;)
 * and leading dots doubled (flag .), each ended by eol=; an empty line at the end for flag B.
 * Lines are streamed; only the start of each line is looked at, so a line of any length is fine.
 */
final class MessageWriter {
    private final PipeAttributes attrs;
    private final String sender;
    private final Recipient rcpt;
    private final byte[] eol;

    MessageWriter(PipeAttributes attrs, String sender, Recipient rcpt) {
        this.attrs = attrs;
        this.sender = sender;
        this.rcpt = rcpt;
        this.eol = attrs.eol().getBytes(StandardCharsets.ISO_8859_1);
    }

    void write(InputStream in, OutputStream out) throws IOException {
        if (attrs.flag('F')) {
            line(out, "From " + (sender.isEmpty() ? "MAILER-DAEMON" : sender) + "  "
                    + PipeAgent.asctime(LocalDateTime.now()));
        }
        if (attrs.flag('R')) {
            line(out, "Return-Path: <" + (sender.isEmpty() ? "" : ArgvExpander.quote(sender)) + ">");
        }
        if (attrs.flag('O')) {
            String orig = rcpt.original().isEmpty() ? rcpt.address() : rcpt.original();
            line(out, "X-Original-To: " + ArgvExpander.quote(orig));
        }
        if (attrs.flag('D')) {
            line(out, "Delivered-To: " + ArgvExpander.quote(rcpt.address()).toLowerCase(Locale.ROOT));
        }
        boolean quoteFrom = attrs.flag('>');
        boolean dots = attrs.flag('.');
        byte[] buf = new byte[65536];
        byte[] start = new byte[5];   // the first bytes of a line, held until we know how it begins
        int held = 0;
        boolean atStart = true;
        boolean lastWasNewline = true;
        int n;
        while ((n = in.read(buf)) > 0) {
            int from = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (atStart) {
                    if (b == '\n') {
                        out.write(start, 0, held);
                        held = 0;
                        out.write(eol);
                        lastWasNewline = true;
                        from = i + 1;
                        continue;
                    }
                    start[held++] = b;
                    from = i + 1;
                    if (held == 1 && start[0] == '.' && dots) {
                        out.write('.');
                    }
                    boolean couldBeFrom = quoteFrom && Arrays.equals(start, 0, held, FROM_, 0, held);
                    if (held == 5 && couldBeFrom) {
                        out.write('>');
                    }
                    if (!couldBeFrom || held == 5) {
                        out.write(start, 0, held);
                        held = 0;
                        atStart = false;
                    }
                    lastWasNewline = false;
                    continue;
                }
                if (b == '\n') {
                    out.write(buf, from, i - from);
                    out.write(eol);
                    from = i + 1;
                    atStart = true;
                    lastWasNewline = true;
                }
            }
            if (!atStart && from < n) {
                out.write(buf, from, n - from);
            }
        }
        if (held > 0) {
            out.write(start, 0, held);
        }
        if (!lastWasNewline) {
            out.write(eol);
        }
        if (attrs.flag('B')) {
            out.write(eol);
        }
    }

    private static final byte[] FROM_ = {'F', 'r', 'o', 'm', ' '};

    private void line(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.write(eol);
    }
}
