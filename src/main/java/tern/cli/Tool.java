package tern.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import tern.config.Config;
import tern.config.ConfigDirectory;
import tern.config.ConfigException;
import tern.log.Logger;
import tern.log.MailLog;
import tern.master.ControlClient;
import tern.queue.Queue;

/**
 * Tool - what the queue commands (sendmail, postqueue, postsuper, postcat, qshape) share: the
 * configuration directory (-c, else MAIL_CONFIG, else /etc/postfix), main.cf, the queue, the
 * maillog, the daemon's control socket, and Postfix's way of reporting: "program: fatal: text" on
 * standard error and the same text in the maillog as "postfix/program[pid]: fatal: text".
 *
 * A user who may not write the maillog (sendmail run by anyone) still gets every message on
 * standard error; the log line is then dropped, never the command. Loads no daemon code: the
 * commands start as short JVMs.
 */
final class Tool {
    /** Thrown by {@link #open} when main.cf cannot be used; the message is ready for "fatal: ". */
    static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String message) {
            super(message);
        }
    }

    final String program;
    final Config config;
    final Queue queue;
    final Logger log;
    private final MailLog mailLog;

    private Tool(String program, Config config, MailLog mailLog) {
        this.program = program;
        this.config = config;
        this.queue = new Queue(Path.of(config.get("queue_directory")));
        this.mailLog = mailLog;
        this.log = mailLog.logger(config.get("syslog_name"), program);
    }

    /** open - main.cf of the directory given with -c (or null), with its maillog. */
    static Tool open(String program, String configDirOption) throws Unusable {
        Path dir = ConfigDirectory.resolve(configDirOption);
        Config c;
        try {
            c = Config.load(dir);
        } catch (ConfigException e) {
            throw new Unusable(e.getMessage());
        }
        MailLog m;
        try {
            m = MailLog.open(c);
        } catch (ConfigException | RuntimeException e) {
            m = MailLog.toStream(c.get("myhostname"), new PrintStream(OutputStream.nullOutputStream()));
        }
        return new Tool(program, c, m);
    }

    /** logFor - maillog lines under another program name ("smtpd" for sendmail -bs). */
    Logger logFor(String otherProgram) {
        return mailLog.logger(config.get("syslog_name"), otherProgram);
    }

    /** fatal - "program: fatal: text" on stderr and in the maillog; returns status for "return t.fatal(...)". */
    int fatal(int status, String text) {
        System.out.flush();
        System.err.println(program + ": fatal: " + text);
        log.fatal(text);
        return status;
    }

    /** warning - "program: warning: text" on stderr and in the maillog. */
    void warning(String text) {
        System.err.println(program + ": warning: " + text);
        log.warning(text);
    }

    /** report - an informational line on stderr and in the maillog ("postsuper: Deleted: 1 message"). */
    void report(String text) {
        System.err.println(program + ": " + text);
        log.info(text);
    }

    /** controlSocket - data_directory/master.sock. */
    Path controlSocket() {
        return Path.of(config.get("data_directory")).resolve("master.sock");
    }

    /** daemonRunning - whether the daemon answers on its control socket. */
    boolean daemonRunning() {
        return ControlClient.running(controlSocket()) > 0;
    }

    /** request - one control request; IOException when the daemon is not running. */
    String request(String command) throws IOException {
        return ControlClient.request(controlSocket(), command);
    }

    /** whyDown - the reason a connect to the daemon failed, worded as the C library words it. */
    String whyDown() {
        Path s = controlSocket();
        if (!Files.exists(s)) {
            return "No such file or directory";
        }
        try {
            ControlClient.request(s, "status");
            return "Connection refused";
        } catch (ConnectException | NoSuchFileException e) {
            return Files.exists(s) ? "Connection refused" : "No such file or directory";
        } catch (IOException e) {
            return e.getMessage() == null ? "Connection refused" : e.getMessage();
        }
    }

    void close() {
        mailLog.close();
    }

    /** uid - the real user id of this process (the owner of /proc/self), or -1 when unknown. */
    static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | ClassCastException e) {
            return -1;
        }
    }

    /**
     * idOk - whether text is a well-formed queue id by Postfix's rule (letters, digits and '_'),
     * which decides between "invalid mail queue id" and "not found". Only ids that are also
     * {@link tern.queue.QueueId#isValid valid Tern ids} can name a file.
     */
    static boolean idOk(String text) {
        if (text.isEmpty() || text.length() > 64) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** describe - an I/O failure worded as the C library words it ("FILE: No such file or directory"). */
    static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getFile() + ": No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return a.getFile() + ": Permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getFile() + ": " + f.getReason();
        }
        return String.valueOf(e.getMessage());
    }

    /** plural - "1 message", "2 messages", "0 messages" as Postfix counts. */
    static String messages(int n) {
        return n + (n == 1 ? " message" : " messages");
    }
}
