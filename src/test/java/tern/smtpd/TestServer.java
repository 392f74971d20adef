package tern.smtpd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import tern.config.Config;
import tern.config.MainCf;
import tern.config.Service;
import tern.log.MailLog;
import tern.tables.MatchList;
import tern.tables.TableOpener;

/**
 * TestServer - an SmtpServer on a real loopback socket (127.0.0.1, port 0) for the smtpd tests: one
 * accept thread, one virtual thread per connection, as the daemon runs it. Its log goes to a file
 * in the test's directory with syslog_name "postfix", so that lines look like Postfix's; its
 * cleanup is a {@link MemoryCleanup}. Hooks stand in for the daemon's: recipients are checked by
 * the rewrite package's RecipientValidator (with the default local_recipient_maps, this machine's
 * passwd users are the local ones, as for Postfix), ETRN does what Postfix's flush service does
 * with fast_flush_domains.
 *
 * close() stops accepting and waits for the sessions in progress to end.
 */
final class TestServer implements AutoCloseable {
    final MemoryCleanup cleanup = new MemoryCleanup();
    final SmtpServer server;
    final Config config;
    final Path logFile;
    private final ServerSocket listen;
    private final Phaser sessions = new Phaser(1);
    private final Thread acceptor;

    TestServer(Path dir, List<String> mainCf) throws Exception {
        this(dir, mainCf, null);
    }

    TestServer(Path dir, List<String> mainCf, ClientNames names) throws Exception {
        this(dir, mainCf, names, "127.0.0.1");
    }

    /** TestServer - listening on bindAddress ("127.0.0.1", "::1"). */
    TestServer(Path dir, List<String> mainCf, ClientNames names, String bindAddress) throws Exception {
        this(dir, mainCf, names, bindAddress, null);
    }

    /** TestServer - with another cleanup than the in-memory one (the real one, for the queue tests). */
    TestServer(Path dir, List<String> mainCf, ClientNames names, String bindAddress, tern.cleanup.CleanupService other)
            throws Exception {
        Files.createDirectories(dir);
        config = Config.of(dir, MainCf.parse(dir.resolve("main.cf"), String.join("\n", mainCf) + "\n"));
        logFile = dir.resolve("maillog");
        MailLog mailLog = MailLog.toFile(config.get("myhostname"), logFile);
        TableOpener opener = TableOpener.fromConfig(config, w -> { });
        MatchList flush = MatchList.domains("fast_flush_domains", config.get("fast_flush_domains"), opener);
        // the daemon's recipient check: the rewrite package with Postfix's default local_recipient_maps
        // (unix:passwd.byname and $alias_maps), so that local users are this machine's, as for Postfix
        tern.rewrite.RecipientValidator validator = tern.rewrite.TrivialRewrite.open(config, opener,
                MailLog.toFile(config.get("myhostname"), dir.resolve("rewrite.log")).logger("postfix", "trivial-rewrite"))
                .validator();
        SmtpdContext ctx = new SmtpdContext(config,
                new Service("smtp", "inet", "n", "-", "n", "-", "-", "smtpd", List.of(), Map.of(), 1),
                mailLog.logger("postfix", "smtpd"), other != null ? other : cleanup,
                address -> {
                    tern.rewrite.RecipientValidator.Rejection r = validator.check(address);
                    return r == null ? null : r.reply(address);
                },
                site -> {
                    String d = site.startsWith("@") || site.startsWith("#") ? site.substring(1) : site;
                    try {
                        return flush.matchesDomain(d) ? EtrnService.Result.STARTED : EtrnService.Result.NOT_ELIGIBLE;
                    } catch (Exception e) {
                        return EtrnService.Result.FAILED;
                    }
                },
                names, null, opener);
        server = new SmtpServer(ctx);
        listen = new ServerSocket();
        listen.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0), 1024);
        acceptor = Thread.ofPlatform().daemon().name("test smtpd accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!listen.isClosed()) {
            Socket s;
            try {
                s = listen.accept();
            } catch (IOException e) {
                return;
            }
            sessions.register();
            Thread.ofVirtual().start(() -> {
                try {
                    server.serve(s);
                } finally {
                    sessions.arriveAndDeregister();
                }
            });
        }
    }

    int port() {
        return listen.getLocalPort();
    }

    /** idle - wait until no session is in progress (bounded). */
    void idle() throws InterruptedException, TimeoutException {
        int phase = sessions.arrive(); // the test's own party stays registered for the next phase
        sessions.awaitAdvanceInterruptibly(phase, 20, TimeUnit.SECONDS);
    }

    /** logLines - the log so far, each without its "Mmm dd hh:mm:ss host postfix/smtpd[pid]: " prefix. */
    List<String> logLines() throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.exists(logFile)) {
            return out;
        }
        for (String l : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
            int i = l.indexOf("]: ");
            out.add(i < 0 ? l : l.substring(i + 3));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        listen.close();
        try {
            acceptor.join(5000);
            idle();
        } catch (InterruptedException | TimeoutException e) {
            throw new IOException("sessions did not end", e);
        }
    }
}
