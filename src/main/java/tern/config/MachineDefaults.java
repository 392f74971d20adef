package tern.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * MachineDefaults - what Postfix computes from the machine rather than a constant, found once per
 * process (a reload does not re-read the host name or the interface list):
 * <ul>
 * <li>the host name, as gethostname(2) gives it (the kernel's name; no DNS query);</li>
 * <li>myhostname: the host name, qualified with "." and mydomain (from main.cf, else
 *     "localdomain") when it has no dot;</li>
 * <li>mydomain: myhostname less its first label, or "localdomain" when it has no dot;</li>
 * <li>the addresses and prefix lengths of the interfaces that are up, for mynetworks
 *     ({@link Networks}), enumerated only when first needed;</li>
 * <li>process_id.</li>
 * </ul>
 * It does not fail: without a host name it uses "localhost", without an interface list nothing.
 */
public final class MachineDefaults {
    public static final String VERSION = "3.7.11";
    static final String DEFAULT_DOMAIN = "localdomain";

    /** One interface address with its prefix length. */
    record Address(InetAddress address, int prefix) {
    }

    private MachineDefaults() {
    }

    private static final class Host {
        static final String NAME = readHostName();
    }

    private static final class Pid {
        static final long VALUE = readPid();
    }

    private static final class Interfaces {
        static final List<Address> ALL = readInterfaces();
    }

    /** hostName - the machine's name as gethostname(2) returns it. */
    public static String hostName() {
        return Host.NAME;
    }

    /** myhostname - the default myhostname, given mydomain's expanded main.cf value (null when unset). */
    static String myhostname(String mydomain) {
        String h = Host.NAME;
        if (h.indexOf('.') >= 0) {
            return h;
        }
        return h + "." + (mydomain == null ? DEFAULT_DOMAIN : mydomain);
    }

    /** mydomain - the default mydomain for an (expanded) myhostname. */
    static String mydomain(String myhostname) {
        int dot = myhostname.indexOf('.');
        return dot < 0 ? DEFAULT_DOMAIN : myhostname.substring(dot + 1);
    }

    /** pid - this process's id. */
    public static long pid() {
        return Pid.VALUE;
    }

    /** readPid - /proc/self first: ProcessHandle starts a thread pool on first use, which a CLI does not need. */
    private static long readPid() {
        try {
            // java.io: no java.nio.file on a CLI's start-up path
            String self = new java.io.File("/proc/self").getCanonicalPath();
            return Long.parseLong(self.substring(self.lastIndexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().pid();
        }
    }

    /** interfaces - the addresses of the interfaces that are up, in interface index order. */
    static List<Address> interfaces() {
        return Interfaces.ALL;
    }

    private static String readHostName() {
        try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/sys/kernel/hostname")) {
            String h = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the JDK below
        }
        try {
            String h = InetAddress.getLocalHost().getHostName();
            if (h != null && !h.isEmpty()) {
                return h;
            }
        } catch (UnknownHostException e) {
            // no name at all
        }
        return "localhost";
    }

    private static List<Address> readInterfaces() {
        List<NetworkInterface> ifs = new ArrayList<>();
        try {
            var e = NetworkInterface.getNetworkInterfaces();
            while (e != null && e.hasMoreElements()) {
                ifs.add(e.nextElement());
            }
        } catch (SocketException e) {
            return List.of();
        }
        ifs.sort(Comparator.comparingInt(NetworkInterface::getIndex));
        List<Address> out = new ArrayList<>();
        for (NetworkInterface ni : ifs) {
            try {
                if (!ni.isUp()) {
                    continue;
                }
            } catch (SocketException e) {
                continue;
            }
            List<Address> here = new ArrayList<>();
            for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                if (ia.getAddress() != null) {
                    here.add(new Address(ia.getAddress(), ia.getNetworkPrefixLength()));
                }
            }
            // The kernel lists an interface's IPv6 addresses by scope, global before link-local,
            // and so do getifaddrs(3) and Postfix; the JDK's order is that of /proc/net/if_inet6.
            here.sort(Comparator.comparingInt(a -> a.address().isLinkLocalAddress() ? 1 : 0));
            out.addAll(here);
        }
        return Collections.unmodifiableList(out);
    }
}
