package tern.queue;

import java.io.IOException;
import java.nio.file.Path;

/**
 * IncompleteQueueFileException - a file in the queue that is not (or not yet) a complete message:
 * empty (prepared by a {@link FilePool}), being written right now, or cut short by a crash while it
 * was written (and so never acknowledged). Not corrupt: readers skip it; the daemon removes those
 * a previous run left behind when it starts.
 */
public final class IncompleteQueueFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public IncompleteQueueFileException(Path path, String problem) {
        super(path + ": " + problem);
    }
}
