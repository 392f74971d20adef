package tern.log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;

/**
 * MailLog - where maillog lines go: the maillog_file when it is set, else standard error.
 * Lines have Postfix's format: "Mmm dd hh:mm:ss host syslog_name/program[pid]: text".
 * One write per line, so that lines from many threads never interleave.
 * (syslog delivery through /dev/log is the master's concern; see the log package notes.)
 */
public final class MailLog {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    private final String hostName;
    private final OutputStream out;
    private final long pid = ProcessHandle.current().pid();
    private final ReentrantLock lock = new ReentrantLock();

    private MailLog(String hostName, OutputStream out) {
        this.hostName = shortName(hostName);
        this.out = out;
    }

    /** toFile - append to a maillog file, creating it when needed. */
    public static MailLog toFile(String hostName, Path file) throws IOException {
        OutputStream o = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        return new MailLog(hostName, o);
    }

    /** toStderr - lines on standard error (commands, start-fg). */
    public static MailLog toStderr(String hostName) {
        return new MailLog(hostName, System.err);
    }

    /** logger - a logger for one program name under one syslog_name, e.g. ("postfix/smtps", "smtpd"). */
    public Logger logger(String syslogName, String program) {
        return new Logger(this, syslogName + "/" + program + "[" + pid + "]: ");
    }

    void write(String tagAndPid, String text) {
        String line = LocalDateTime.now().format(STAMP) + " " + hostName + " " + tagAndPid + text + "\n";
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            out.write(b);
            out.flush();
        } catch (IOException e) {
            // A log that cannot be written must not stop mail; there is nowhere else to say it.
        } finally {
            lock.unlock();
        }
    }

    private static String shortName(String host) {
        int dot = host.indexOf('.');
        return dot > 0 ? host.substring(0, dot) : host;
    }
}
