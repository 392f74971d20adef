package tern.smtpd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import tern.cleanup.CleanupService;
import tern.cleanup.CleanupStream;
import tern.cleanup.MailParams;
import tern.config.Config;
import tern.config.MainCf;
import tern.config.Service;
import tern.log.MailLog;

/**
 * BenchServer - Tern's smtpd alone on 127.0.0.1:PORT for bench/smtpd: a virtual thread per
 * connection, as the daemon runs it, and a cleanup that counts messages and throws them away, so
 * that what is measured is the SMTP server (not the queue's disk writes). Not a test; run by the
 * bench scripts with the test classpath:
 *
 *   java -cp target/classes:target/test-classes tern.smtpd.BenchServer PORT LOGFILE
 *
 * It prints "ready" when it listens and runs until killed.
 */
public final class BenchServer {
    private BenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path log = Path.of(args.length > 1 ? args[1] : "/dev/null");
        Path dir = Files.createTempDirectory("tern-bench");
        Config config = Config.of(dir, MainCf.parse(dir.resolve("main.cf"), String.join("\n", List.of(
                "compatibility_level = 3.6", "myhostname = mx.example.test", "mydestination = $myhostname, localhost",
                "mynetworks = 127.0.0.0/8", "inet_interfaces = 127.0.0.1", "alias_maps =")) + "\n"));
        AtomicLong messages = new AtomicLong();
        CleanupService discard = origin -> new CleanupStream() {
            private final String id = Long.toHexString(System.nanoTime()).toUpperCase(java.util.Locale.ROOT);

            @Override
            public String queueId() {
                return id;
            }

            @Override
            public void sender(String address, MailParams params) {
            }

            @Override
            public void recipient(String address, String orcpt, int notify) {
            }

            @Override
            public void contentLine(byte[] buf, int off, int len) {
            }

            @Override
            public String commit() {
                messages.incrementAndGet();
                return id;
            }

            @Override
            public void close() {
            }
        };
        MailLog mailLog = MailLog.toFile("mx.example.test", log);
        SmtpServer server = new SmtpServer(new SmtpdContext(config,
                new Service("smtp", "inet", "n", "-", "n", "-", "-", "smtpd", List.of(), Map.of(), 1),
                mailLog.logger("postfix", "smtpd"), discard));
        ServerSocket listen = new ServerSocket();
        listen.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 4096);
        System.out.println("ready");
        System.out.flush();
        while (true) {
            Socket s;
            try {
                s = listen.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().start(() -> server.serve(s));
        }
    }
}
