package tern.master;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import tern.bounce.Bounce;
import tern.cleanup.Cleanup;
import tern.cleanup.LocalHeaderClients;
import tern.config.Config;
import tern.config.ConfigDirectory;
import tern.config.ConfigException;
import tern.config.MachineDefaults;
import tern.delivery.DeliveryAgent;
import tern.delivery.DeliveryContext;
import tern.delivery.error.DiscardAgent;
import tern.delivery.error.ErrorAgent;
import tern.delivery.local.LocalDelivery;
import tern.delivery.mailbox.Privileges;
import tern.delivery.virtual.VirtualDelivery;
import tern.log.Logger;
import tern.log.MailLog;
import tern.pickup.Pickup;
import tern.queue.DirSync;
import tern.queue.FilePool;
import tern.queue.Queue;
import tern.queue.QueueId;
import tern.qmgr.QmgrSettings;
import tern.qmgr.QueueManager;
import tern.qmgr.Routing;
import tern.qmgr.Transport;
import tern.smtpd.ClientNames;
import tern.smtpd.ConnectionCounter;
import tern.smtpd.EtrnService;
import tern.smtpd.RecipientValidation;
import tern.smtpd.SmtpServer;
import tern.smtpd.SmtpdContext;
import tern.tables.MatchList;
import tern.tables.TableException;
import tern.rewrite.RecipientValidator;
import tern.showq.Showq;
import java.time.Duration;
import tern.delivery.smtp.SmtpAgent;
import tern.delivery.pipe.PipeAgent;
import tern.dns.Resolver;
import tern.rewrite.TrivialRewrite;
import tern.tables.TableOpener;

/**
 * Master - the Tern daemon: one JVM per instance, running the services of master.cf.
 *
 * Start-up: load and check the configuration, open the log, create the queue directories, take
 * the pid lock (one daemon per data_directory), bind every inet listener, open the control socket,
 * and log "daemon started". Any failure before that is a fatal message on stderr and in the log
 * and a non-zero exit, with nothing left listening. The control socket is opened last, so a
 * command that reaches it knows the listeners are up ("postfix start" waits for that).
 *
 * Reload (control "reload" or SIGHUP): load the configuration again; if it is broken, log why and
 * keep running the old one. Otherwise new connections get handlers built from the new snapshot
 * (sessions in progress finish on the old one), new listeners are bound and removed ones closed.
 * queue_directory and data_directory are read at start only.
 *
 * Stop (control "stop" or SIGTERM): close the listeners, give sessions in progress a moment,
 * exit. Abort (control "abort"): exit at once. Nothing acknowledged can be lost either way: a
 * message is acknowledged only once its queue file is durable.
 */
public final class Master {
    /** How long a graceful stop waits for sessions in progress. */
    private static final long STOP_GRACE_MILLIS = 3000;
    /** Prepared queue files kept ready in incoming (see FilePool). */
    private static final int FILE_POOL_SIZE = 256;
    /** How long the agents of a replaced configuration live on after a reload. */
    private static final long RETIRE_AFTER_MILLIS = 600_000;

    private final Path configDir;
    /** The identity switcher of local(8) and virtual(8): per-thread file system ids when root. */
    private final Privileges privileges = Privileges.ofProcess();
    private final QueueId ids = new QueueId();
    private final ReentrantLock reloading = new ReentrantLock();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final Map<InetSocketAddress, Listener> listeners = new HashMap<>();
    /** The master.cf services without a program in Tern, warned about once (at start, or when a reload adds them). */
    private java.util.Set<String> warnedUnsupported = java.util.Set.of();

    private Snapshot snapshot;
    private MailLog mailLog;
    private Logger log;
    private Queue queue;
    private DirSync incomingSync;
    private FilePool filePool;
    private QueueManager qmgr;
    private List<AutoCloseable> agents = List.of();
    /** Reverse lookups of SMTP clients, on a thread pool of their own: one for the daemon's life. */
    private final ClientNames clientNames = ClientNames.system(Duration.ofSeconds(10));
    /** Per-service client connection counts (smtpd_client_connection_count_limit), kept across reloads. */
    private final Map<String, ConnectionCounter> connectionCounters = new java.util.concurrent.ConcurrentHashMap<>();
    private PidFile pidFile;
    private ControlServer control;
    private Pickup pickup;
    private volatile String stopReason = "signal 15";

    private Master(Path configDir) {
        this.configDir = configDir;
    }

    /** main - "Master [-c DIR] [start-fg]": run the daemon in the foreground until stopped. */
    public static void main(String[] args) {
        String dir = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-c") && i + 1 < args.length) {
                dir = args[++i];
            }
        }
        int rc = new Master(ConfigDirectory.resolve(dir)).run();
        System.exit(rc);
    }

    private int run() {
        try {
            snapshot = Snapshot.load(configDir);
            mailLog = MailLog.open(snapshot.main()).background();
        } catch (ConfigException e) {
            System.err.println("postfix: fatal: " + e.getMessage());
            return 1;
        }
        log = masterLogger(snapshot.main());
        try {
            queue = new Queue(snapshot.queueDirectory());
            queue.create();
            incomingSync = new DirSync(queue.dir(Queue.Dir.INCOMING));
            pidFile = PidFile.acquire(snapshot.dataDirectory());
            if (pidFile == null) {
                return fatal("the Postfix mail system is already running");
            }
            filePool = new FilePool(queue, Queue.Dir.INCOMING, ids, incomingSync, log, FILE_POOL_SIZE);
            String syslogName = snapshot.main().get("syslog_name");
            qmgr = new QueueManager(queue, new QueueManager.Loggers(mailLog.logger(syslogName, "qmgr"),
                    mailLog.logger(syslogName, "error")), filePool);
            startServices(snapshot);
            startQueueManager(snapshot);
            control = ControlServer.open(snapshot.controlSocket(), this::handle, this::showq, log);
        } catch (IOException | ConfigException e) {
            int rc = fatal(e.getMessage());
            shutdown();
            return rc;
        }
        log.info("daemon started -- version " + MachineDefaults.VERSION + ", configuration " + configDir);
        installSignals();
        awaitStop();
        shutdown();
        return 0;
    }

    private int fatal(String message) {
        System.err.println("postfix/master: fatal: " + message);
        if (log != null) {
            log.fatal(message);
        }
        return 1;
    }

    private Logger masterLogger(Config c) {
        return mailLog.logger(c.get("syslog_name"), "master");
    }

    /** startServices - build the handlers of a snapshot and bind or update the listeners. */
    private void startServices(Snapshot s) throws IOException, ConfigException {
        MailOut out = mailOut(s);
        Cleanup cleanup = out.cleanup();
        Map<InetSocketAddress, Listener> keep = new HashMap<>();
        List<Listener> opened = new ArrayList<>();
        java.util.Set<String> unsupported = new java.util.HashSet<>();
        try {
            for (Snapshot.Entry e : s.services()) {
                if (e.kind() == ServiceKinds.Kind.UNSUPPORTED) {
                    unsupported.add(e.service().key());
                    if (!warnedUnsupported.contains(e.service().key())) {
                        log.warning(ServiceKinds.notStarted(e.service()));
                    }
                    continue;
                }
                if (e.kind() != ServiceKinds.Kind.SMTPD || !e.service().type().equals("inet")) {
                    continue;
                }
                Logger slog = mailLog.logger(e.config().get("syslog_name"), "smtpd");
                Listener.Handler h = smtpdHandler(e, out, slog);
                int limit = processLimit(e);
                for (InetSocketAddress a : InetEndpoints.of(e.service().name(), e.config())) {
                    Listener l = listeners.get(a);
                    if (l != null) {
                        l.update(h, limit, slog);
                    } else {
                        l = Listener.open(a, h, limit, slog);
                        opened.add(l);
                    }
                    keep.put(a, l);
                }
            }
        } catch (IOException | ConfigException | RuntimeException ex) {
            for (Listener l : opened) {
                l.close();
            }
            throw ex;
        }
        for (Map.Entry<InetSocketAddress, Listener> old : listeners.entrySet()) {
            if (!keep.containsKey(old.getKey())) {
                old.getValue().close();
            }
        }
        listeners.clear();
        listeners.putAll(keep);
        warnedUnsupported = unsupported; // a reload warns only of services it adds
        qmgr.update(out.routing());
        List<AutoCloseable> old = agents;
        agents = out.agents();
        retire(old);
        startPickup(s, cleanup);
    }

    /**
     * startPickup - run (or, on reload, update or stop) the pickup service of master.cf: it moves
     * what sendmail leaves in maildrop through cleanup, at start, on "wakeup pickup" and every
     * wakeup interval (the entry's fifth column).
     */
    private void startPickup(Snapshot s, Cleanup cleanup) {
        Snapshot.Entry entry = null;
        for (Snapshot.Entry e : s.services()) {
            if (e.kind() == ServiceKinds.Kind.PICKUP) {
                entry = e;
                break;
            }
        }
        if (entry == null) {
            if (pickup != null) {
                pickup.close();
                pickup = null;
            }
            return;
        }
        String w = entry.service().wakeup().replace("?", "");
        long interval = w.equals("-") ? 0 : Math.max(0, Config.parseSeconds(w, 's')) * 1000;
        Logger plog = mailLog.logger(entry.config().get("syslog_name"), "pickup");
        long sizeLimit = entry.config().integer("message_size_limit");
        if (pickup == null) {
            pickup = new Pickup(queue, cleanup, plog, interval, sizeLimit);
            pickup.start();
        } else {
            pickup.update(cleanup, plog, interval, sizeLimit);
        }
    }

    /**
     * retire - close the agents of a replaced snapshot (idle SMTP sessions, watchdogs) once the
     * deliveries that started on them have had time to finish.
     */
    private static void retire(List<AutoCloseable> old) {
        if (old.isEmpty()) {
            return;
        }
        Thread.ofVirtual().name("retire-agents").start(() -> {
            try {
                Thread.sleep(RETIRE_AFTER_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeAll(old);
        });
    }

    private static void closeAll(List<AutoCloseable> list) {
        for (AutoCloseable c : list) {
            try {
                c.close();
            } catch (Exception e) {
                // closing idle connections: nothing to report
            }
        }
    }

    /** MailOut - what a snapshot gives the mail-out side: cleanup (with rewriting) and the queue manager's routing. */
    private record MailOut(Cleanup cleanup, Routing routing, List<AutoCloseable> agents, TrivialRewrite rewrite,
                           TableOpener tables) {
    }

    /**
     * mailOut - cleanup with trivial-rewrite's address mappings, telling the queue manager of each
     * new message; the bounce service on that cleanup; and one Transport per master.cf delivery
     * service. Nothing is started here: startServices applies it once the listeners are fine.
     */
    private MailOut mailOut(Snapshot s) throws ConfigException {
        Config main = s.main();
        String syslogName = main.get("syslog_name");
        Logger cleanupLog = mailLog.logger(syslogName, "cleanup");
        Logger tableLog = mailLog.logger(syslogName, "trivial-rewrite");
        TableOpener tables = TableOpener.fromConfig(main, tableLog::warning);
        TrivialRewrite rewrite = TrivialRewrite.open(main, tables, cleanupLog);
        Cleanup cleanup = new Cleanup(main, queue, ids, filePool, incomingSync, cleanupLog, rewrite.mappings(),
                localHeaderClients(main, tables, cleanupLog), qmgr::queued);
        Bounce bounce = Bounce.of(main, cleanup, mailLog.logger(syslogName, "bounce"));
        Map<String, Transport> transports = new HashMap<>();
        Resolver dns = Resolver.system();
        List<InetSocketAddress> listening = listening(s);
        List<AutoCloseable> closeLater = new ArrayList<>();
        for (Snapshot.Entry e : s.services()) {
            if (e.kind() != ServiceKinds.Kind.TRANSPORT) {
                continue;
            }
            Logger tlog = mailLog.logger(e.config().get("syslog_name"), e.service().command());
            DeliveryContext ctx = new DeliveryContext(e.config(), e.service(), tlog, cleanup);
            DeliveryAgent agent = deliveryAgent(e, ctx, dns, listening);
            if (agent == null) {
                agent = mailboxAgent(e, ctx, tlog, transports);
            }
            if (agent instanceof AutoCloseable c) {
                closeLater.add(c);
            }
            transports.put(e.service().name(), new Transport(e.service().name(), agent, tlog,
                    Transport.Limits.of(e.service().name(), e.service().maxproc(), main)));
        }
        return new MailOut(cleanup, new Routing(QmgrSettings.of(main), rewrite, transports, bounce), closeLater, rewrite,
                tables);
    }

    /**
     * localHeaderClients - cleanup's "local client" test: local_header_rewrite_clients. A table type
     * that cannot be opened is a configuration error (the reload is refused), as Postfix's smtpd
     * would not start with it.
     */
    private static LocalHeaderClients localHeaderClients(Config main, TableOpener tables, Logger cleanupLog)
            throws ConfigException {
        try {
            return LocalHeaderClients.of(main, tables, cleanupLog::warning);
        } catch (TableException e) {
            throw new ConfigException("local_header_rewrite_clients: " + e.getMessage());
        }
    }

    /** listening - every address and port this instance's SMTP servers listen on (for mail loop detection). */
    private static List<InetSocketAddress> listening(Snapshot s) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Snapshot.Entry e : s.services()) {
            if (e.kind() == ServiceKinds.Kind.SMTPD && e.service().type().equals("inet")) {
                try {
                    out.addAll(InetEndpoints.of(e.service().name(), e.config()));
                } catch (ConfigException ex) {
                    // Snapshot.load checked these already
                }
            }
        }
        return out;
    }

    /**
     * deliveryAgent - the agent for one master.cf delivery service, by its command; null when Tern
     * has none yet (the queue manager then defers its mail: "mail transport unavailable").
     */
    private static DeliveryAgent deliveryAgent(Snapshot.Entry e, DeliveryContext ctx, Resolver dns,
                                               List<InetSocketAddress> listening) {
        return switch (e.service().command()) {
            case "error" -> ErrorAgent.forService(e.service().name());
            case "discard" -> new DiscardAgent();
            case "smtp", "lmtp" -> new SmtpAgent(ctx, dns, listening);
            case "pipe" -> new PipeAgent(ctx);
            default -> null; // local, virtual: added here as their package lands
        };
    }

    /**
     * mailboxAgent - local(8) and virtual(8) for one master.cf service, null for other commands. They
     * share the daemon's {@link Privileges} (file work as the recipient); local hands
     * mailbox_transport and fallback_transport recipients to the agents of the same snapshot.
     */
    private DeliveryAgent mailboxAgent(Snapshot.Entry e, DeliveryContext ctx, Logger tlog,
                                       Map<String, Transport> transports) {
        TableOpener tables = TableOpener.fromConfig(e.config(), tlog::warning);
        return switch (e.service().command()) {
            case "local" -> new LocalDelivery(ctx, tables, privileges, name -> {
                Transport t = transports.get(name);
                return t == null ? null : t.agent();
            });
            case "virtual" -> new VirtualDelivery(ctx, tables, privileges);
            default -> null;
        };
    }

    /** startQueueManager - crash recovery and the scheduler, when master.cf has a qmgr service. */
    private void startQueueManager(Snapshot s) throws IOException {
        for (Snapshot.Entry e : s.services()) {
            if (e.kind() == ServiceKinds.Kind.QMGR) {
                qmgr.start();
                return;
            }
        }
        log.warning("master.cf has no qmgr service: mail is queued but not delivered");
    }

    private static int processLimit(Snapshot.Entry e) {
        String m = e.service().maxproc();
        long n = m.equals("-") ? e.config().integer("default_process_limit") : Long.parseLong(m);
        return n <= 0 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, n);
    }

    /**
     * smtpdHandler - the SMTP server of one inet service under one snapshot: local recipient
     * validation from trivial-rewrite, ETRN through the queue manager's flush, and the daemon-wide
     * client name resolver and per-service connection counts (kept across reloads). A setting that
     * Postfix's smtpd would refuse to start with is a configuration error here.
     */
    private Listener.Handler smtpdHandler(Snapshot.Entry e, MailOut out, Logger slog) throws ConfigException {
        RecipientValidator validator = out.rewrite().validator();
        RecipientValidation recipients = address -> {
            RecipientValidator.Rejection r = validator.check(address);
            return r == null ? null : r.reply(address);
        };
        MatchList flushDomains;
        try {
            flushDomains = MatchList.domains("fast_flush_domains", e.config().get("fast_flush_domains"), out.tables());
        } catch (TableException ex) {
            throw new ConfigException("fast_flush_domains: " + ex.getMessage());
        }
        EtrnService etrn = site -> etrn(site, flushDomains, slog);
        ConnectionCounter counter = connectionCounters.computeIfAbsent(e.service().name(), k -> new ConnectionCounter());
        try {
            SmtpServer server = new SmtpServer(new SmtpdContext(e.config(), e.service(), slog, out.cleanup(), recipients,
                    etrn, clientNames, counter, out.tables()));
            return server::serve;
        } catch (IllegalArgumentException ex) {
            throw new ConfigException("service " + e.service().key() + ": " + ex.getMessage());
        }
    }

    /** etrn - ETRN site: flush the deferred mail for a domain listed in fast_flush_domains. */
    private EtrnService.Result etrn(String site, MatchList flushDomains, Logger slog) {
        String domain = site.startsWith("@") ? site.substring(1) : site;
        if (domain.startsWith("#")) {
            qmgr.flush();
            return EtrnService.Result.STARTED;
        }
        try {
            if (!flushDomains.matchesDomain(domain)) {
                return EtrnService.Result.NOT_ELIGIBLE;
            }
            qmgr.flushSite(domain);
            return EtrnService.Result.STARTED;
        } catch (IOException | TableException ex) {
            slog.warning("ETRN " + site + ": " + ex.getMessage());
            return EtrnService.Result.FAILED;
        }
    }

    /** handle - one control socket command. */
    private String handle(String command, boolean privileged) {
        String[] w = command.split("\\s+", 2);
        switch (w[0]) {
            case "status":
                return "ok " + ProcessHandle.current().pid();
            case "stop", "abort", "reload":
                if (!privileged) {
                    return "error permission denied";
                }
                break;
            case "wakeup":
                if (w.length > 1 && w[1].equals("pickup")) {
                    if (pickup != null) {
                        pickup.wakeup(); // sendmail and postsuper -r left mail in maildrop
                    }
                } else if (qmgr != null) {
                    qmgr.wakeup();
                }
                return "ok";
            case "flush":
                // open to every user, as Postfix's authorized_flush_users = static:anyone (postqueue -f, -s, -i)
                return flush(w.length > 1 ? w[1].strip() : "");
            default:
                return "error unknown command: " + w[0];
        }
        switch (w[0]) {
            case "stop":
                stopReason = "signal 15"; // what Postfix's master logs for "postfix stop"
                stopRequested.countDown();
                return "ok";
            case "abort":
                log.info("terminating on abort request");
                mailLog.close(); // the line above, and what came before it, reach the log
                Runtime.getRuntime().halt(1);
                return "ok";
            case "reload":
                return reload();
            default:
                return "error not implemented yet: " + w[0];
        }
    }

    /**
     * showq - the queue listing of a control request "showq [-p | -j] [ZONE]" (see ControlServer):
     * postqueue -p's text, or -j's JSON lines, with arrival times in the client's time zone, as
     * Postfix's postqueue shows them. Read-only, so any user may ask; damaged files are logged
     * under postfix/showq, as Postfix's showq logs them.
     */
    private void showq(String args, Appendable out) throws IOException {
        boolean json = false;
        ZoneId zone = ZoneId.systemDefault();
        for (String a : args.split("\\s+")) {
            switch (a) {
                case "" -> {
                }
                case "-p" -> json = false;
                case "-j" -> json = true;
                default -> {
                    try {
                        zone = ZoneId.of(a);
                    } catch (DateTimeException e) {
                        throw new IOException("bad time zone: " + a);
                    }
                }
            }
        }
        Logger showqLog = mailLog.logger(snapshot.main().get("syslog_name"), "showq");
        Showq.report(queue, json, zone, showqLog, out);
    }

    /**
     * flush - the queue manager's flush: "flush" (postfix flush, postqueue -f, sendmail -q): every
     * deferred message now; "flush site DOMAIN" (postqueue -s, ETRN): those with a recipient in
     * DOMAIN, answering "ok N" with their number; "flush id QUEUEID" (postqueue -i): that message.
     */
    private String flush(String args) {
        if (qmgr == null) {
            return "error the queue manager is not running";
        }
        String[] a = args.isEmpty() ? new String[0] : args.split("\\s+");
        if (a.length == 0) {
            qmgr.flush();
            return "ok";
        }
        if (a.length == 2 && a[0].equals("site")) {
            try {
                return "ok " + qmgr.flushSite(a[1]);
            } catch (IOException e) {
                return "error " + e.getMessage();
            }
        }
        if (a.length == 2 && a[0].equals("id")) {
            if (!tern.queue.QueueId.isValid(a[1])) {
                return "error bad queue id: " + a[1];
            }
            return qmgr.flushMessage(a[1]) ? "ok" : "error " + a[1] + ": no such deferred message";
        }
        return "error usage: flush [site DOMAIN | id QUEUEID]";
    }

    /** reload - switch to the configuration on disk, or keep the old one and say why. */
    String reload() {
        reloading.lock();
        try {
            Snapshot next;
            try {
                next = Snapshot.load(configDir);
            } catch (ConfigException e) {
                log.warning(e.getMessage() + "; configuration not reloaded");
                return "error " + e.getMessage();
            }
            if (!next.queueDirectory().equals(snapshot.queueDirectory())
                    || !next.dataDirectory().equals(snapshot.dataDirectory())) {
                log.warning("queue_directory or data_directory changed: restart to use the new ones");
            }
            try {
                startServices(next);
            } catch (IOException | ConfigException e) {
                log.warning(e.getMessage() + "; configuration not reloaded");
                return "error " + e.getMessage();
            }
            snapshot = next;
            log = masterLogger(next.main());
            log.info("reload -- version " + MachineDefaults.VERSION + ", configuration " + configDir);
            return "ok";
        } finally {
            reloading.unlock();
        }
    }

    private void installSignals() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stopRequested.getCount() > 0) {
                stopReason = "signal 15";
                stopRequested.countDown();
                shutdown();
            }
        }, "shutdown"));
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> Thread.ofVirtual().start(this::reload));
        } catch (IllegalArgumentException e) {
            // no SIGHUP on this platform: reload through the control socket only
        }
    }

    private void awaitStop() {
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final ReentrantLock shuttingDown = new ReentrantLock();
    private boolean shutDone;

    /** shutdown - close listeners, let sessions finish for a moment, release everything. Idempotent. */
    private void shutdown() {
        shuttingDown.lock();
        try {
            if (shutDone) {
                return;
            }
            shutDone = true;
            for (Listener l : listeners.values()) {
                l.close();
            }
            if (pickup != null) {
                pickup.close();
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_GRACE_MILLIS);
            while (busy() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    break;
                }
            }
            if (control != null) {
                control.close();
            }
            if (qmgr != null) {
                qmgr.close(STOP_GRACE_MILLIS);
            }
            closeAll(agents);
            if (filePool != null) {
                filePool.close();
            }
            if (log != null && pidFile != null) {
                log.info("terminating on " + stopReason);
            }
            if (pidFile != null) {
                pidFile.close();
            }
            if (incomingSync != null) {
                try {
                    incomingSync.close();
                } catch (IOException e) {
                    // exiting
                }
            }
            if (mailLog != null) {
                mailLog.close();
            }
        } finally {
            shuttingDown.unlock();
        }
    }

    private boolean busy() {
        for (Listener l : listeners.values()) {
            if (l.sessions() > 0) {
                return true;
            }
        }
        return false;
    }
}
