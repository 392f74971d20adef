package tern.delivery.mailbox;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Native - the few POSIX calls that delivery on a user's behalf needs and the JDK lacks, made
 * through the foreign function API: the process's effective ids, the calling thread's file system
 * ids (setfsuid/setfsgid, per thread on Linux, unlike setuid which glibc applies to every thread),
 * its supplementary groups (the raw setgroups system call, for the same reason), and getpwnam_r
 * (the password database through NSS, as Postfix's getpwnam).
 *
 * Linux only (64-bit: x86-64 and aarch64, whose struct passwd and system call numbers are known).
 * {@link #available()} is false elsewhere or when native access is refused; callers then fall back
 * (password file parsing) or refuse to deliver as another user.
 */
final class Native {
    private static final Native INSTANCE = load();

    private final MethodHandle geteuid;
    private final MethodHandle getegid;
    private final MethodHandle setfsuid;
    private final MethodHandle setfsgid;
    private final MethodHandle getgroups;
    private final MethodHandle syscall3;
    private final MethodHandle getpwnam;
    private final long sysSetgroups;

    private Native(MethodHandle geteuid, MethodHandle getegid, MethodHandle setfsuid, MethodHandle setfsgid,
                   MethodHandle getgroups, MethodHandle syscall3, MethodHandle getpwnam, long sysSetgroups) {
        this.geteuid = geteuid;
        this.getegid = getegid;
        this.setfsuid = setfsuid;
        this.setfsgid = setfsgid;
        this.getgroups = getgroups;
        this.syscall3 = syscall3;
        this.getpwnam = getpwnam;
        this.sysSetgroups = sysSetgroups;
    }

    /** get - the calls, or null when they cannot be had on this platform. */
    static Native get() {
        return INSTANCE;
    }

    static boolean available() {
        return INSTANCE != null;
    }

    private static Native load() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        String arch = System.getProperty("os.arch", "");
        long setgroups = switch (arch) {
            case "amd64", "x86_64" -> 116;
            case "aarch64" -> 159;
            default -> -1;
        };
        if (setgroups < 0) {
            return null;
        }
        try {
            Linker l = Linker.nativeLinker();
            SymbolLookup libc = l.defaultLookup();
            FunctionDescriptor intVoid = FunctionDescriptor.of(ValueLayout.JAVA_INT);
            FunctionDescriptor intInt = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
            return new Native(
                    l.downcallHandle(libc.find("geteuid").orElseThrow(), intVoid),
                    l.downcallHandle(libc.find("getegid").orElseThrow(), intVoid),
                    l.downcallHandle(libc.find("setfsuid").orElseThrow(), intInt),
                    l.downcallHandle(libc.find("setfsgid").orElseThrow(), intInt),
                    l.downcallHandle(libc.find("getgroups").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)),
                    l.downcallHandle(libc.find("syscall").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                                    ValueLayout.ADDRESS),
                            Linker.Option.firstVariadicArg(1)),
                    l.downcallHandle(libc.find("getpwnam_r").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS)),
                    setgroups);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    int geteuid() {
        try {
            return (int) geteuid.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("geteuid: " + t, t);
        }
    }

    int getegid() {
        try {
            return (int) getegid.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("getegid: " + t, t);
        }
    }

    /** setfsuid - set the calling thread's file system uid; returns the previous one (-1 queries). */
    int setfsuid(int uid) {
        try {
            return (int) setfsuid.invokeExact(uid);
        } catch (Throwable t) {
            throw new IllegalStateException("setfsuid: " + t, t);
        }
    }

    int setfsgid(int gid) {
        try {
            return (int) setfsgid.invokeExact(gid);
        } catch (Throwable t) {
            throw new IllegalStateException("setfsgid: " + t, t);
        }
    }

    /** getgroups - the calling thread's supplementary groups. */
    int[] getgroups() {
        try (Arena a = Arena.ofConfined()) {
            int n = (int) getgroups.invokeExact(0, MemorySegment.NULL);
            if (n <= 0) {
                return new int[0];
            }
            MemorySegment m = a.allocate(ValueLayout.JAVA_INT, n);
            int got = (int) getgroups.invokeExact(n, m);
            if (got < 0) {
                throw new IllegalStateException("getgroups failed");
            }
            return m.asSlice(0, (long) got * 4).toArray(ValueLayout.JAVA_INT);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("getgroups: " + t, t);
        }
    }

    /** setgroupsThisThread - the raw system call, which changes only the calling thread. */
    boolean setgroupsThisThread(int[] groups) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = groups.length == 0 ? MemorySegment.NULL : a.allocateFrom(ValueLayout.JAVA_INT, groups);
            long rc = (long) syscall3.invokeExact(sysSetgroups, (long) groups.length, m);
            return rc == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("setgroups: " + t, t);
        }
    }

    /**
     * getpwnam - the password entry for name through NSS: {name, uid, gid, gecos, home, shell}
     * as strings, or null when there is none. Throws IllegalStateException when the lookup itself
     * fails (an NSS back end is down), so that the mail is deferred, not bounced.
     */
    String[] getpwnam(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (long size = 4096; size <= 1 << 20; size *= 4) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment cname = a.allocate(n.length + 1L);
                MemorySegment.copy(n, 0, cname, ValueLayout.JAVA_BYTE, 0, n.length);
                // struct passwd on 64-bit Linux: name, passwd, uid, gid, gecos, dir, shell (48 bytes)
                MemorySegment pw = a.allocate(48, 8);
                MemorySegment buf = a.allocate(size);
                MemorySegment result = a.allocate(ValueLayout.ADDRESS);
                int rc = (int) getpwnam.invokeExact(cname, pw, buf, size, result);
                if (rc == 34) { // ERANGE: a bigger buffer
                    continue;
                }
                MemorySegment found = result.get(ValueLayout.ADDRESS, 0);
                if (rc == 0 && found.address() == 0) {
                    return null;
                }
                if (rc != 0) {
                    // ENOENT, ESRCH, EBADF, EPERM mean "no such user" for some NSS modules
                    if (rc == 2 || rc == 3 || rc == 9 || rc == 1) {
                        return null;
                    }
                    throw new IllegalStateException("getpwnam_r(\"" + name + "\") failed: error " + rc);
                }
                return new String[]{
                        cString(pw.get(ValueLayout.ADDRESS, 0)),
                        Integer.toUnsignedString(pw.get(ValueLayout.JAVA_INT, 16)),
                        Integer.toUnsignedString(pw.get(ValueLayout.JAVA_INT, 20)),
                        cString(pw.get(ValueLayout.ADDRESS, 24)),
                        cString(pw.get(ValueLayout.ADDRESS, 32)),
                        cString(pw.get(ValueLayout.ADDRESS, 40))};
            } catch (IllegalStateException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("getpwnam_r: " + t, t);
            }
        }
        throw new IllegalStateException("getpwnam_r(\"" + name + "\"): entry too large");
    }

    private static String cString(MemorySegment p) {
        if (p.address() == 0) {
            return "";
        }
        return p.reinterpret(Integer.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
    }
}
