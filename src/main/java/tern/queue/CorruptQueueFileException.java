package tern.queue;

import java.io.IOException;
import java.nio.file.Path;

/**
 * CorruptQueueFileException - a file in the queue that is not a complete, well-formed queue file.
 * The queue manager moves such a file to "corrupt" and logs the message, which names the file.
 */
public final class CorruptQueueFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptQueueFileException(Path path, String problem) {
        super(path + ": " + problem);
    }
}
