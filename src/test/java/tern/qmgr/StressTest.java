package tern.qmgr;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many messages with notices while incoming is rescanned all the time: each message is finished once. */
class StressTest {
    @TempDir
    Path tmp;

    @Test
    void eachMessageIsFinishedOnce() throws Exception {
        try (Harness h = new Harness(tmp, "notify_classes = bounce, 2bounce")) {
            h.qmgr.start();
            Thread waker = Thread.ofVirtual().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    h.qmgr.wakeup();
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            for (int i = 0; i < 40; i++) {
                h.submit("sender@example.org", "a" + i + "@err.test", "ok" + i + "@test.test", "postmaster@mx.example.test");
            }
            h.awaitCount("postmaster non-delivery notification", 40, 20000);
            h.awaitIdle(20000);
            waker.interrupt();
            h.assertRemovedOnce();
        }
    }
}
