package tern.log;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Syslog - sends log lines to the local syslog daemon over its datagram socket (/dev/log), with
 * the mail facility, as Postfix does when maillog_file is not set. The JDK has no UNIX datagram
 * sockets, so this calls socket(2)/connect(2)/send(2) through the foreign function API.
 * A send that fails (syslog restarted, buffer full) drops the line; the socket is reconnected on
 * the next line.
 */
final class Syslog {
    static final int CRIT = 2;
    static final int ERR = 3;
    static final int WARNING = 4;
    static final int INFO = 6;
    private static final int LOG_MAIL = 2 << 3;
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;

    private final Path path;
    private final MethodHandle socket;
    private final MethodHandle connect;
    private final MethodHandle send;
    private final MethodHandle close;
    private final ReentrantLock lock = new ReentrantLock();
    private int fd = -1;

    private Syslog(Path path, MethodHandle socket, MethodHandle connect, MethodHandle send, MethodHandle close) {
        this.path = path;
        this.socket = socket;
        this.connect = connect;
        this.send = send;
        this.close = close;
    }

    /** connect - a sender to the syslog socket at path, or null when there is none. */
    static Syslog connect(Path path) {
        if (!Files.exists(path)) {
            return null;
        }
        try {
            Linker l = Linker.nativeLinker();
            SymbolLookup libc = l.defaultLookup();
            MethodHandle socket = l.downcallHandle(libc.find("socket").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle connect = l.downcallHandle(libc.find("connect").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MethodHandle send = l.downcallHandle(libc.find("send").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT));
            MethodHandle close = l.downcallHandle(libc.find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            Syslog s = new Syslog(path, socket, connect, send, close);
            return s.open() ? s : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private boolean open() {
        try (Arena a = Arena.ofConfined()) {
            int s = (int) socket.invokeExact(AF_UNIX, SOCK_DGRAM, 0);
            if (s < 0) {
                return false;
            }
            byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
            MemorySegment addr = a.allocate(110);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, 2, Math.min(p.length, 107));
            int rc = (int) connect.invokeExact(s, addr, 110);
            if (rc < 0) {
                int ignored = (int) close.invokeExact(s);
                return false;
            }
            fd = s;
            return true;
        } catch (Throwable t) {
            return false;
        }
    }

    void send(int severity, String text) {
        byte[] b = ("<" + (LOG_MAIL | severity) + ">" + text).getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try (Arena a = Arena.ofConfined()) {
            if (fd < 0 && !open()) {
                return;
            }
            MemorySegment m = a.allocate(b.length);
            MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, 0, b.length);
            long n = (long) send.invokeExact(fd, m, (long) b.length, 0);
            if (n < 0) {
                int ignored = (int) close.invokeExact(fd);
                fd = -1;
            }
        } catch (Throwable t) {
            fd = -1;
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            if (fd >= 0) {
                int ignored = (int) close.invokeExact(fd);
                fd = -1;
            }
        } catch (Throwable t) {
            fd = -1;
        } finally {
            lock.unlock();
        }
    }
}
