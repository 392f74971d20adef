package tern.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tern.config.Config;
import tern.config.ConfigDirectory;
import tern.config.ParameterUsage;
import tern.config.ConfigException;
import tern.log.Logger;
import tern.log.MailLog;
import tern.master.ControlClient;
import tern.master.ServiceKinds;
import tern.master.Snapshot;
import tern.queue.Queue;

/**
 * Postfix - the postfix(1) command: start, start-fg, stop, abort, reload, status, check, flush.
 *
 * Messages are Postfix's ("postfix/postfix-script: starting the Postfix mail system", "...fatal: the
 * Postfix mail system is not running") and go both to the maillog and to stderr (Postfix writes
 * them to stderr only when it is a terminal; Tern always does, so scripts and tests see them).
 * "start" launches the daemon (libexec/tern-daemon) in its own session and returns once the
 * daemon answers on its control socket, which it opens only after its listeners are bound; if the
 * daemon exits first, its fatal message is shown and the exit status is 1.
 */
public final class Postfix {
    private static final String USAGE = "Usage: postfix start (or stop, reload, abort, flush, check, status, "
            + "set-permissions, upgrade-configuration, logrotate)";
    /** How long start waits for the daemon to listen, and stop for it to exit. */
    private static final long WAIT_MILLIS = 60_000;

    private final Snapshot snapshot;
    private final Path configDir;
    private final Logger log;

    private Postfix(Path configDir, Snapshot snapshot, Logger log) {
        this.configDir = configDir;
        this.snapshot = snapshot;
        this.log = log;
    }

    public static int run(String[] args) {
        String dir = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-c") && i + 1 < args.length) {
                dir = args[++i];
            } else if (a.equals("-D") || a.equals("-v")) {
                // debugging flags: accepted, no effect
            } else {
                rest.add(a);
            }
        }
        Path configDir = ConfigDirectory.resolve(dir);
        Snapshot snapshot;
        MailLog mailLog;
        try {
            snapshot = Snapshot.load(configDir);
            mailLog = MailLog.open(snapshot.main());
        } catch (ConfigException e) {
            System.err.println("postfix: fatal: " + e.getMessage());
            return 1;
        }
        try (mailLog) {
            Postfix p = new Postfix(configDir, snapshot, mailLog.logger(snapshot.main().get("syslog_name"), "postfix-script"));
            if (rest.isEmpty()) {
                return p.fatal("usage: postfix [-c config_dir] [-Dv] command");
            }
            return switch (rest.get(0)) {
                case "start" -> p.start();
                case "start-fg" -> p.startForeground();
                case "stop" -> p.stop("stop", "stopping the Postfix mail system");
                case "abort" -> p.stop("abort", "aborting the Postfix mail system");
                case "reload" -> p.reload();
                case "status" -> p.status();
                case "check" -> p.check();
                case "flush" -> p.flush();
                case "set-permissions", "upgrade-configuration", "post-install", "logrotate", "tls" ->
                        p.fatal("command '" + rest.get(0) + "' is not implemented yet in Tern");
                default -> p.fatal("unknown command: '" + rest.get(0) + "'. " + USAGE);
            };
        }
    }

    private int info(String text) {
        System.err.println("postfix/postfix-script: " + text);
        log.info(text);
        return 0;
    }

    private int fatal(String text) {
        System.err.println("postfix/postfix-script: fatal: " + text);
        log.fatal(text);
        return 1;
    }

    private long runningPid() {
        return ControlClient.running(snapshot.controlSocket());
    }

    private int start() {
        if (runningPid() > 0) {
            return fatal("the Postfix mail system is already running");
        }
        int rc = check();
        if (rc != 0) {
            return rc;
        }
        info("starting the Postfix mail system");
        Path out = snapshot.dataDirectory().resolve("master.out");
        Process daemon;
        try {
            Files.createDirectories(snapshot.dataDirectory());
            List<String> cmd = new ArrayList<>();
            if (new File("/usr/bin/setsid").canExecute()) {
                cmd.add("/usr/bin/setsid"); // its own session: a closing terminal does not take it down
            }
            cmd.add(ternHome().resolve("libexec/tern-daemon").toString());
            cmd.add("-c");
            cmd.add(configDir.toString());
            daemon = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                    .redirectOutput(out.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fatal("cannot start the daemon: " + e.getMessage());
        }
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (runningPid() > 0) {
                return 0;
            }
            if (!daemon.isAlive() && daemon.exitValue() != 0) {
                // the daemon said why on its stderr (and in the log); pass it on
                try {
                    System.err.print(Files.readString(out));
                } catch (IOException e) {
                    // nothing more to show
                }
                return 1;
            }
            sleep(50);
        }
        return fatal("the daemon did not answer within " + WAIT_MILLIS / 1000 + " seconds; see " + out);
    }

    private int startForeground() {
        // bin/postfix runs start-fg with the daemon's JVM options; this is the fallback path
        tern.master.Master.main(new String[]{"-c", configDir.toString()});
        return 0;
    }

    private int stop(String request, String message) {
        long pid = runningPid();
        if (pid <= 0) {
            return fatal("the Postfix mail system is not running");
        }
        info(message);
        try {
            String r = ControlClient.request(snapshot.controlSocket(), request);
            if (!r.startsWith("ok")) {
                return fatal(r.replaceFirst("^error ", ""));
            }
        } catch (IOException e) {
            // abort: the daemon may be gone before it answers
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (h.isPresent() && h.get().isAlive() && System.currentTimeMillis() < deadline) {
            sleep(50);
        }
        return 0;
    }

    private int reload() {
        if (runningPid() <= 0) {
            return fatal("the Postfix mail system is not running");
        }
        info("refreshing the Postfix mail system");
        try {
            String r = ControlClient.request(snapshot.controlSocket(), "reload");
            if (r.startsWith("ok")) {
                return 0;
            }
            System.err.println("postfix: fatal: " + r.replaceFirst("^error ", ""));
            return 1;
        } catch (IOException e) {
            return fatal("reload failed: " + e.getMessage());
        }
    }

    private int status() {
        long pid = runningPid();
        if (pid > 0) {
            info("the Postfix mail system is running: PID: " + pid);
            return 0;
        }
        info("the Postfix mail system is not running");
        return 1;
    }

    /**
     * check - postfix check (and the first step of start): the configuration loaded (or we would not
     * be here); the queue and data directories can be set up. Warnings go to standard error, once
     * each, as Postfix's postfix-script shows them: postconf's about main.cf and master.cf
     * (undefined and unused parameters), and one per master.cf service whose program Tern does not
     * have. The daemon logs the latter in the maillog when it starts.
     */
    private int check() {
        try {
            new Queue(snapshot.queueDirectory()).create();
            Files.createDirectories(snapshot.dataDirectory());
        } catch (IOException e) {
            System.err.println("postfix: fatal: " + e.getMessage());
            log.fatal(e.getMessage());
            return 1;
        }
        Config main = snapshot.main();
        ParameterUsage usage = ParameterUsage.analyze(main.registry(), main.serviceParameters(), main.mainCf(),
                Map.of(), snapshot.masterCf());
        List<String> warnings = new ArrayList<>(usage.mainScanWarnings());
        warnings.addAll(usage.masterScanWarnings());
        warnings.addAll(usage.mainUnused());
        warnings.addAll(usage.masterUnused());
        for (String w : warnings) {
            System.err.println("postconf: warning: " + w);
        }
        for (Snapshot.Entry e : snapshot.services()) {
            if (e.kind() == ServiceKinds.Kind.UNSUPPORTED) {
                System.err.println("postfix/postfix-script: warning: " + ServiceKinds.notStarted(e.service()));
            }
        }
        return 0;
    }

    private int flush() {
        if (runningPid() <= 0) {
            return fatal("the Postfix mail system is not running");
        }
        try {
            String r = ControlClient.request(snapshot.controlSocket(), "flush");
            if (r.startsWith("ok")) {
                return 0;
            }
            return fatal(r.replaceFirst("^error ", ""));
        } catch (IOException e) {
            return fatal("flush failed: " + e.getMessage());
        }
    }

    static Path ternHome() {
        String h = System.getProperty("tern.home");
        return Path.of(h == null ? "." : h);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
