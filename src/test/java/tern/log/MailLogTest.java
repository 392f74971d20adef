package tern.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.config.Config;
import tern.config.ConfigException;
import tern.config.MainCf;

class MailLogTest {
    @TempDir
    Path tmp;

    Config config(String text) throws ConfigException {
        return Config.of(tmp, MainCf.parse(tmp.resolve("main.cf"), text));
    }

    @Test
    void linesHavePostfixFormat() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        MailLog log = MailLog.toStream("mx.example.test", new PrintStream(b, true, StandardCharsets.UTF_8));
        Logger l = log.logger("postfix/submission", "smtpd");
        l.info("connect from localhost[127.0.0.1]");
        l.warning("w");
        l.fatal("f");
        String pid = Long.toString(ProcessHandle.current().pid());
        String[] lines = b.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines[0]).matches("[A-Z][a-z]{2} [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d mx postfix/submission/smtpd\\[" + pid
                + "\\]: connect from localhost\\[127\\.0\\.0\\.1\\]");
        assertThat(lines[1]).endsWith("]: warning: w");
        assertThat(lines[2]).endsWith("]: fatal: f");
    }

    @Test
    void backgroundLogKeepsEveryLineWholeAndInOrderPerThread() throws Exception {
        Path file = tmp.resolve("bg.log");
        MailLog log = MailLog.toFile("mx.example.test", file).background();
        Thread[] ts = new Thread[8];
        for (int t = 0; t < ts.length; t++) {
            int n = t;
            ts[t] = Thread.ofVirtual().start(() -> {
                Logger l = log.logger("postfix", "smtpd");
                for (int i = 0; i < 2000; i++) {
                    l.info("thread " + n + " line " + i);
                }
            });
        }
        for (Thread t : ts) {
            t.join();
        }
        log.close();
        java.util.List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(8 * 2000);
        int[] next = new int[8];
        for (String l : lines) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(".*: thread (\\d) line (\\d+)$").matcher(l);
            assertThat(m.matches()).as(l).isTrue();
            int t = Integer.parseInt(m.group(1));
            assertThat(Integer.parseInt(m.group(2))).isEqualTo(next[t]++);
        }
    }

    @Test
    void backgroundLogGathersABurstIntoFewWritesAndStillWritesPromptly() throws Exception {
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        java.io.OutputStream counting = new java.io.OutputStream() {
            @Override
            public synchronized void write(int b) {
                sink.write(b);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writes.incrementAndGet();
                sink.write(b, off, len);
            }
        };
        MailLog log = MailLog.toStream("mx.example.test", new PrintStream(counting, false, StandardCharsets.UTF_8))
                .background();
        Logger l = log.logger("postfix", "smtpd");
        // 200 lines, one every 0.1 ms or so, as a busy daemon logs: written in batches, not one by one
        long until = System.nanoTime() + 5_000_000_000L;
        for (int i = 0; i < 200 && System.nanoTime() < until; i++) {
            l.info("line " + i);
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        // a lone line still reaches the file within moments, without close()
        l.info("last");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!sink.toString(StandardCharsets.UTF_8).endsWith("last\n") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        String text;
        synchronized (counting) {
            text = sink.toString(StandardCharsets.UTF_8);
        }
        assertThat(text).endsWith("]: last\n");
        assertThat(text.split("\n")).hasSize(201);
        assertThat(writes.get()).isLessThan(100);
        log.close();
    }

    @Test
    void maillogFileMustMatchAPrefix() throws Exception {
        Path file = tmp.resolve("maillog");
        assertThatThrownBy(() -> MailLog.open(config("maillog_file = " + file + "\n")))
                .hasMessage("maillog_file value '" + file + "' does not match any prefix in maillog_file_prefixes");
        try (MailLog log = MailLog.open(config("maillog_file = " + file + "\nmaillog_file_prefixes = /var, " + tmp + "\n"))) {
            log.logger("postfix", "master").info("daemon started");
        }
        assertThat(Files.readString(file)).endsWith("postfix/master[" + ProcessHandle.current().pid() + "]: daemon started\n");
    }

    @Test
    void syslogGetsMailFacilityAndSeverity() throws Exception {
        Path sock = tmp.resolve("log");
        Path got = tmp.resolve("got");
        // a real datagram receiver on a UNIX socket, as syslogd listens on /dev/log
        Process receiver = new ProcessBuilder("python3", "-c",
                "import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\n"
                        + "open(sys.argv[2]+'.ready','w').close()\ns.settimeout(20)\n"
                        + "d=[s.recv(4096) for _ in range(2)]\nopen(sys.argv[2],'wb').write(b'\\n'.join(d))\n",
                sock.toString(), got.toString()).start();
        try {
            for (int i = 0; i < 200 && !Files.exists(Path.of(got + ".ready")); i++) {
                Thread.sleep(25);
            }
            Syslog s = Syslog.connect(sock);
            assertThat(s).isNotNull();
            s.send(Syslog.INFO, "Nov 25 11:00:00 postfix/master[1]: daemon started");
            s.send(Syslog.WARNING, "Nov 25 11:00:00 postfix/master[1]: warning: w");
            s.close();
            assertThat(receiver.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(got)).isEqualTo("<22>Nov 25 11:00:00 postfix/master[1]: daemon started\n"
                    + "<20>Nov 25 11:00:00 postfix/master[1]: warning: w");
        } finally {
            receiver.destroyForcibly();
        }
        assertThat(Syslog.connect(tmp.resolve("nothing-here"))).isNull();
    }
}
