package tern.smtpd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import tern.cleanup.CleanupService;
import tern.cleanup.CleanupStream;
import tern.cleanup.MailParams;
import tern.cleanup.Origin;
import tern.queue.QueueId;

/**
 * MemoryCleanup - the one test double of the smtpd tests: a CleanupService that keeps committed
 * messages in memory and counts the ones begun and abandoned, so a test can see that a message
 * that was not acknowledged left nothing behind. Content lines are kept joined with "\n"; parts
 * (contentPart) are joined to the line they belong to, as a real cleanup would.
 */
final class MemoryCleanup implements CleanupService {
    /** Message - one committed message. */
    record Message(String id, Origin origin, String sender, MailParams params, List<String> recipients,
                   List<String> orcpts, List<Integer> notifies, String content) {
    }

    final List<Message> committed = new CopyOnWriteArrayList<>();
    final AtomicInteger begun = new AtomicInteger();
    final AtomicInteger abandoned = new AtomicInteger();
    private final QueueId ids = new QueueId();
    /** when set, begin() fails with this message (a full disk, say). */
    volatile String failBegin;

    @Override
    public CleanupStream begin(Origin origin) throws IOException {
        if (failBegin != null) {
            throw new IOException(failBegin);
        }
        begun.incrementAndGet();
        String id = ids.next();
        return new CleanupStream() {
            String sender;
            MailParams params;
            final List<String> rcpts = new ArrayList<>();
            final List<String> orcpts = new ArrayList<>();
            final List<Integer> notify = new ArrayList<>();
            final StringBuilder content = new StringBuilder();
            boolean done;

            @Override
            public String queueId() {
                return id;
            }

            @Override
            public void sender(String address, MailParams p) {
                sender = address;
                params = p;
            }

            @Override
            public void recipient(String address, String orcpt, int n) {
                rcpts.add(address);
                orcpts.add(orcpt);
                notify.add(n);
            }

            @Override
            public void contentLine(byte[] buf, int off, int len) {
                content.append(new String(buf, off, len, StandardCharsets.ISO_8859_1)).append('\n');
            }

            @Override
            public void contentPart(byte[] buf, int off, int len) {
                content.append(new String(buf, off, len, StandardCharsets.ISO_8859_1));
            }

            @Override
            public String commit() {
                done = true;
                committed.add(new Message(id, origin, sender, params, List.copyOf(rcpts), new ArrayList<>(orcpts),
                        List.copyOf(notify), content.toString()));
                return id;
            }

            @Override
            public void close() {
                if (!done) {
                    done = true;
                    abandoned.incrementAndGet();
                }
            }
        };
    }

    /** open - messages begun and neither committed nor closed yet (should be 0 when sessions end). */
    int open() {
        return begun.get() - committed.size() - abandoned.get();
    }
}
