package tern.delivery.mailbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import tern.queue.Envelope;

/**
 * DeliveryText - a message as local(8) and virtual(8) write it, in one of three forms:
 * <ul>
 * <li>MBOX (a mailbox file): "From sender  asctime" line, Return-Path:, X-Original-To:,
 *     Delivered-To:, the content with "From " lines quoted as "&gt;From ", and an empty line;</li>
 * <li>MAILDIR (one file per message): the three headers and the content, nothing else;</li>
 * <li>COMMAND (a command's standard input): as MBOX but without quoting and without the empty
 *     line at the end.</li>
 * </ul>
 * A content whose last line lacks its line end gets one. The From_ line names MAILER-DAEMON for
 * the null sender and gives the delivery time in the local time zone, as asctime(3) does.
 */
public final class DeliveryText {
    /** Format - where the text goes. */
    public enum Format { MBOX, MAILDIR, COMMAND }

    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);

    private final FileChannel queue;
    private final Envelope envelope;
    private final String originalTo;
    private final String deliveredTo;
    private final byte[] readBuffer;

    /**
     * @param queue       the open queue file
     * @param envelope    its envelope (sender, content position)
     * @param originalTo  the X-Original-To: value (the recipient as first given to the system)
     * @param deliveredTo the Delivered-To: value, or null for none
     * @param readBuffer  the buffer for reading the queue file (see {@link MessageText#bufferFor})
     */
    public DeliveryText(FileChannel queue, Envelope envelope, String originalTo, String deliveredTo,
                        byte[] readBuffer) {
        this.queue = queue;
        this.envelope = envelope;
        this.originalTo = originalTo;
        this.deliveredTo = deliveredTo;
        this.readBuffer = readBuffer;
    }

    /** fromLine - the UNIX mailbox separator line for this sender, now. */
    public static String fromLine(String sender) {
        return "From " + (sender.isEmpty() ? "MAILER-DAEMON" : sender) + "  " + ZonedDateTime.now().format(ASCTIME);
    }

    /** sizeHint - about how many bytes the text takes (for buffer sizes). */
    public long sizeHint() {
        return envelope.contentLength() + 256 + envelope.sender().length() + originalTo.length()
                + (deliveredTo == null ? 0 : deliveredTo.length());
    }

    public void writeTo(ChannelSink sink, Format format) throws IOException {
        if (format != Format.MAILDIR) {
            sink.line(fromLine(envelope.sender()));
        }
        sink.line("Return-Path: <" + envelope.sender() + ">");
        sink.line("X-Original-To: " + originalTo);
        if (deliveredTo != null) {
            sink.line("Delivered-To: " + deliveredTo);
        }
        boolean ended = MessageText.copy(queue, envelope.contentOffset(), envelope.contentLength(),
                format == Format.MBOX, readBuffer, sink);
        if (!ended) {
            sink.lineEnd();
        }
        if (format == Format.MBOX) {
            sink.lineEnd();
        }
    }
}
