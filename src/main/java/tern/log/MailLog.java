package tern.log;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;

import tern.config.Config;
import tern.config.ConfigException;

/**
 * MailLog - where maillog lines go, chosen as Postfix 3.4+ chooses (see {@link #open}):
 * maillog_file when it is set ("/dev/stdout" included), else syslog through /dev/log, else
 * standard error. Lines have Postfix's format, "Mmm dd hh:mm:ss host syslog_name/program[pid]: text"
 * (host is myhostname's first label); syslog gets the same text with the mail facility and the
 * severity of the line. Lines from many threads never mix.
 *
 * A command writes each line at once. The daemon's log ({@link #background}) hands lines to a
 * writer thread that writes whatever has gathered in one system call: under load, many lines share
 * a write instead of each taking a lock and a syscall on the sessions' own threads. A kill -9 can
 * lose the lines of the last moment (as a syslog daemon's buffer can); close() writes the rest.
 * When the writer falls far behind (a stalled disk), callers wait for it rather than let memory grow.
 *
 * A log that cannot be written does not stop mail: the line is dropped.
 */
public final class MailLog implements AutoCloseable {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    private final String hostName;
    private final OutputStream out;       // file or stream sink, or null for syslog
    private final Syslog syslog;          // or null
    private final boolean closeOut;
    private final long pid = ProcessHandle.current().pid();
    private final ReentrantLock lock = new ReentrantLock();
    /** Background mode: lines gathered for the writer thread; null when lines are written at once. */
    private byte[] batch;
    private int batchLength;
    private final java.util.concurrent.locks.Condition gathered = lock.newCondition();
    private final java.util.concurrent.locks.Condition drained = lock.newCondition();
    private Thread writer;
    /** The writer is pausing after a write to let lines gather: a first line need not wake it. */
    private boolean gathering;
    private boolean closed;
    private volatile Stamp stamp = new Stamp(-1, "");

    /** Stamp - the formatted time of one second, made once per second rather than once per line. */
    private record Stamp(long second, String text) {
    }

    /** How long the background writer lets lines gather after a write. */
    private static final long GATHER_MILLIS = 5;

    /** The most a background log holds for its writer before callers wait. */
    private static final int MAX_BATCH = 4 * 1024 * 1024;

    private MailLog(String hostName, OutputStream out, Syslog syslog, boolean closeOut) {
        this.hostName = shortName(hostName);
        this.out = out;
        this.syslog = syslog;
        this.closeOut = closeOut;
    }

    /**
     * open - the log that config asks for. A maillog_file outside maillog_file_prefixes is refused
     * with Postfix's message.
     */
    public static MailLog open(Config config) throws ConfigException {
        String host = config.get("myhostname");
        String file = config.get("maillog_file");
        if (file.isEmpty()) {
            Syslog s = Syslog.connect(Path.of("/dev/log"));
            return s != null ? new MailLog(host, null, s, false) : toStderr(host);
        }
        if (!allowed(file, config.list("maillog_file_prefixes"))) {
            throw new ConfigException("maillog_file value '" + file + "' does not match any prefix in maillog_file_prefixes");
        }
        if (file.equals("/dev/stdout")) {
            return new MailLog(host, System.out, null, false);
        }
        try {
            return toFile(host, Path.of(file));
        } catch (IOException e) {
            throw new ConfigException("open " + file + ": " + e.getMessage());
        }
    }

    private static boolean allowed(String file, List<String> prefixes) {
        for (String p : prefixes) {
            if (file.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** toFile - append to a maillog file, creating it when needed. */
    public static MailLog toFile(String hostName, Path file) throws IOException {
        OutputStream o = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        return new MailLog(hostName, o, null, true);
    }

    /** toStderr - lines on standard error (commands, start-fg without a log file). */
    public static MailLog toStderr(String hostName) {
        return new MailLog(hostName, System.err, null, false);
    }

    /** toStream - lines on any stream (tests). */
    public static MailLog toStream(String hostName, PrintStream stream) {
        return new MailLog(hostName, stream, null, false);
    }

    /**
     * background - this log, with lines written by a writer thread of its own (the daemon's mode).
     * Syslog logs stay as they are: a datagram per line is what syslog takes.
     */
    public MailLog background() {
        if (syslog != null || writer != null) {
            return this;
        }
        batch = new byte[64 * 1024];
        writer = Thread.ofPlatform().daemon().name("maillog writer").start(this::writeLoop);
        return this;
    }

    private void writeLoop() {
        byte[] spare = new byte[batch.length];
        while (true) {
            int n;
            lock.lock();
            try {
                while (batchLength == 0 && !closed) {
                    gathered.awaitUninterruptibly();
                }
                if (batchLength == 0) {
                    return; // closed and drained
                }
                if (spare.length < batch.length) {
                    spare = new byte[batch.length];
                }
                byte[] full = batch;
                batch = spare;
                spare = full;
                n = batchLength;
                batchLength = 0;
                drained.signalAll();
            } finally {
                lock.unlock();
            }
            try {
                out.write(spare, 0, n);
                out.flush();
            } catch (IOException e) {
                // nowhere else to say it
            }
            // Let lines gather before the next write: woken for every first line, the writer
            // cost a wake-up and a write for almost every line under load (seven per message).
            // A line now waits at most GATHER_MILLIS more; close() does not wait for it.
            lock.lock();
            try {
                if (!closed) {
                    gathering = true;
                    gathered.awaitNanos(GATHER_MILLIS * 1_000_000L);
                }
            } catch (InterruptedException e) {
                // nobody interrupts this thread; a pause cut short is harmless
            } finally {
                gathering = false;
                lock.unlock();
            }
        }
    }

    /** timestamp - "Mmm dd hh:mm:ss" of now, formatted once per second. */
    private String timestamp() {
        long now = System.currentTimeMillis() / 1000;
        Stamp s = stamp;
        if (s.second != now) {
            s = new Stamp(now, LocalDateTime.now().format(STAMP));
            stamp = s;
        }
        return s.text;
    }

    /** logger - a logger for one program name under one syslog_name, e.g. ("postfix/submission", "smtpd"). */
    public Logger logger(String syslogName, String program) {
        return new Logger(this, syslogName + "/" + program + "[" + pid + "]: ");
    }

    void write(int severity, String tagAndPid, String text) {
        if (syslog != null) {
            syslog.send(severity, timestamp() + " " + tagAndPid + text);
            return;
        }
        String line = timestamp() + " " + hostName + " " + tagAndPid + text + "\n";
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            if (batch == null || closed) {
                out.write(b);
                out.flush();
                return;
            }
            while (batchLength > 0 && batchLength + b.length > MAX_BATCH && !closed) {
                drained.awaitUninterruptibly();
            }
            if (batchLength + b.length > batch.length) {
                batch = java.util.Arrays.copyOf(batch, Math.max(batch.length * 2, batchLength + b.length));
            }
            System.arraycopy(b, 0, batch, batchLength, b.length);
            boolean first = batchLength == 0;
            batchLength += b.length;
            if (first && !gathering) {
                gathered.signal();
            }
        } catch (IOException e) {
            // nowhere else to say it
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        Thread w;
        lock.lock();
        try {
            closed = true;
            w = writer;
            gathered.signalAll();
        } finally {
            lock.unlock();
        }
        if (w != null) {
            try {
                w.join(10_000); // it writes what was gathered, then ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (syslog != null) {
            syslog.close();
        }
        if (closeOut) {
            try {
                out.close();
            } catch (IOException e) {
                // closing a log at exit: nothing to do
            }
        }
    }

    private static String shortName(String host) {
        int dot = host.indexOf('.');
        return dot > 0 ? host.substring(0, dot) : host;
    }
}
