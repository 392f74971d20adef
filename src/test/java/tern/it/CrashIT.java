package tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.queue.Queue;
import tern.queue.QueueFile;

/**
 * The queue contract under a crash: 20 clients send as fast as they can, the daemon is killed
 * with SIGKILL in the middle, and after a restart every message that was acknowledged with
 * "250 ... queued as ID" is still in the queue, and every file there is a complete message.
 */
class CrashIT {
    @TempDir
    Path tmp;

    private static final Pattern QUEUED = Pattern.compile("^250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)$");

    /** sendLoop - one client: messages over one connection after another until stopped; acknowledged ids go to acked. */
    static void sendLoop(int port, int client, AtomicBoolean stop, Set<String> acked) {
        int n = 0;
        while (!stop.get()) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                expect(in, "220");
                send(out, "EHLO client" + client + ".test\r\n");
                while (in.readLine().startsWith("250-")) {
                    // EHLO keywords
                }
                for (int m = 0; m < 20 && !stop.get(); m++, n++) {
                    send(out, "MAIL FROM:<c" + client + "@example.test>\r\nRCPT TO:<u" + n + "@remote.example>\r\nDATA\r\n");
                    expect(in, "250");
                    expect(in, "250");
                    expect(in, "354");
                    StringBuilder body = new StringBuilder("Subject: crash test " + client + "/" + n + "\r\n\r\n");
                    for (int k = 0; k < 20; k++) {
                        body.append("line ").append(k).append(" of a message that must survive a crash once acknowledged\r\n");
                    }
                    send(out, body + ".\r\n");
                    String reply = in.readLine();
                    Matcher mm = reply == null ? null : QUEUED.matcher(reply);
                    if (mm != null && mm.matches()) {
                        acked.add(mm.group(1));
                    }
                }
                send(out, "QUIT\r\n");
            } catch (IOException | RuntimeException e) {
                // the daemon died under us: expected, try again until told to stop
                sleep(20);
            }
        }
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String l = in.readLine();
        if (l == null || !l.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + l);
        }
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void everyAcknowledgedMessageSurvivesKillDashNine() throws Exception {
        int deadPort = TestInstance.freePort(); // nothing listens: every delivery is deferred, the queue keeps all
        try (TestInstance t = TestInstance.create(tmp.resolve("i"), "relayhost = [127.0.0.1]:" + deadPort,
                "default_process_limit = 200")) {
            t.start();
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 20; c++) {
                int client = c;
                clients.add(Thread.ofVirtual().start(() -> sendLoop(t.smtpPort(), client, stop, acked)));
            }
            long deadline = System.currentTimeMillis() + 60_000;
            while (acked.size() < 300 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            long pid = Long.parseLong(Files.readString(t.dir().resolve("data/master.pid")).strip());
            Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid)).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 200 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
                Thread.sleep(25);
            }
            stop.set(true);
            for (Thread c : clients) {
                c.join(30_000);
            }
            Set<String> ackedAtCrash = new HashSet<>(acked);
            assertThat(ackedAtCrash).hasSizeGreaterThanOrEqualTo(100);

            t.start(); // recovery: active back to incoming, incomplete files removed
            Queue q = new Queue(t.dir().resolve("spool"));
            Set<String> queued = new HashSet<>();
            for (Queue.Dir d : List.of(Queue.Dir.INCOMING, Queue.Dir.ACTIVE, Queue.Dir.DEFERRED)) {
                for (String id : q.list(d)) {
                    Path p = q.path(d, id);
                    if (QueueFile.isPlaceholder(p)) {
                        continue; // a prepared, empty file: not a message
                    }
                    try {
                        QueueFile.read(p);
                        queued.add(id);
                    } catch (IOException e) {
                        // a file may move between directories while we look; read it where it went
                        Queue.Dir now = q.find(id);
                        if (now != null) {
                            QueueFile.read(q.path(now, id));
                            queued.add(id);
                        }
                    }
                }
            }
            assertThat(queued).as("acknowledged messages missing after kill -9").containsAll(ackedAtCrash);
            assertThat(q.list(Queue.Dir.CORRUPT)).as("nothing half-written is taken for a message").isEmpty();
            assertThat(t.log()).doesNotContain("corrupt");
        }
    }
}
