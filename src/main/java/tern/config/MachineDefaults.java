package tern.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * MachineDefaults - the defaults that Postfix computes from the machine rather than a constant:
 * myhostname (the host name, made fully qualified), mydomain (myhostname less its first label, or
 * "localdomain"), config_directory, mail_version. mynetworks is computed from mynetworks_style in
 * {@link Networks}. Computed once per snapshot; no DNS query is made.
 */
public final class MachineDefaults {
    public static final String VERSION = "3.7.11";

    private MachineDefaults() {
    }

    /** compute - name to default value for every parameter whose registry default is null. */
    static Map<String, String> compute(Path configDirectory) {
        String host = hostName();
        String domain;
        int dot = host.indexOf('.');
        if (dot > 0 && dot < host.length() - 1) {
            domain = host.substring(dot + 1);
        } else {
            domain = "localdomain";
            host = host + ".localdomain";
        }
        Map<String, String> m = new HashMap<>();
        m.put("myhostname", host);
        m.put("mydomain", domain);
        m.put("config_directory", configDirectory.toString());
        m.put("mail_version", VERSION);
        return m;
    }

    private static String hostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            if (h != null && !h.isEmpty()) {
                return h.toLowerCase(java.util.Locale.ROOT);
            }
        } catch (UnknownHostException e) {
            // fall through to the kernel's name
        }
        try {
            String h = java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h.toLowerCase(java.util.Locale.ROOT);
            }
        } catch (java.io.IOException e) {
            // no name at all
        }
        return "localhost";
    }
}
