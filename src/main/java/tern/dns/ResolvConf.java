package tern.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * ResolvConf - the name servers and resolver options of /etc/resolv.conf, as the C library reads
 * them: "nameserver ADDR" lines (at most three are used), "options timeout:N attempts:N". Defaults
 * are the C library's: 127.0.0.1 when no server is listed, a 5 second timeout, 2 attempts.
 * "search" and "domain" are ignored: mail names are fully qualified.
 *
 * Test hook: when the environment variable TERN_DNS_SERVERS is set (a comma-separated list of
 * "ADDR" or "ADDR:PORT", "[ADDR6]:PORT" for IPv6), it replaces the nameserver lines, so a test (or
 * a daemon started by a test) can use a dnsmasq on a high loopback port. Production leaves it unset.
 *
 * A file that cannot be read counts as empty (the C library does the same). Never fails.
 */
public record ResolvConf(List<InetSocketAddress> servers, Duration timeout, int attempts) {
    static final int MAX_SERVERS = 3;
    static final int MAX_LINES = 1000;

    /** system - /etc/resolv.conf, with the TERN_DNS_SERVERS override. */
    public static ResolvConf system() {
        ResolvConf rc = read(Path.of("/etc/resolv.conf"));
        String override = System.getenv("TERN_DNS_SERVERS");
        if (override != null && !override.isBlank()) {
            List<InetSocketAddress> servers = parseServers(override);
            if (!servers.isEmpty()) {
                return new ResolvConf(servers, rc.timeout(), rc.attempts());
            }
        }
        return rc;
    }

    /** of - explicit servers (tests), with the C library's default timeout and attempts. */
    public static ResolvConf of(List<InetSocketAddress> servers, Duration timeout, int attempts) {
        return new ResolvConf(List.copyOf(servers), timeout, attempts);
    }

    /** read - parse a resolv.conf file. */
    public static ResolvConf read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            lines = List.of();
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        int timeout = 5;
        int attempts = 2;
        int n = 0;
        for (String raw : lines) {
            if (++n > MAX_LINES) {
                break;
            }
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f[0].equals("nameserver") && f.length >= 2 && servers.size() < MAX_SERVERS) {
                InetAddress a = Addresses.parseNumeric(f[1]);
                if (a != null) {
                    servers.add(new InetSocketAddress(a, 53));
                }
            } else if (f[0].equals("options")) {
                for (int i = 1; i < f.length; i++) {
                    if (f[i].startsWith("timeout:")) {
                        timeout = clamp(f[i].substring(8), timeout, 1, 30);
                    } else if (f[i].startsWith("attempts:")) {
                        attempts = clamp(f[i].substring(9), attempts, 1, 5);
                    }
                }
            }
        }
        if (servers.isEmpty()) {
            servers.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
        }
        return new ResolvConf(List.copyOf(servers), Duration.ofSeconds(timeout), attempts);
    }

    /** parseServers - "127.0.0.1:5353, [::1]:5353, 10.0.0.1" into socket addresses; bad items are skipped. */
    static List<InetSocketAddress> parseServers(String list) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String item : list.split("[,\\s]+")) {
            if (item.isEmpty()) {
                continue;
            }
            String host = item;
            int port = 53;
            if (item.startsWith("[")) {
                int close = item.indexOf(']');
                if (close < 0) {
                    continue;
                }
                host = item.substring(1, close);
                if (item.length() > close + 1) {
                    if (item.charAt(close + 1) != ':') {
                        continue;
                    }
                    port = clamp(item.substring(close + 2), -1, 1, 65535);
                }
            } else if (item.indexOf(':') == item.lastIndexOf(':') && item.indexOf(':') > 0) {
                host = item.substring(0, item.indexOf(':'));
                port = clamp(item.substring(item.indexOf(':') + 1), -1, 1, 65535);
            }
            InetAddress a = Addresses.parseNumeric(host);
            if (a != null && port > 0) {
                out.add(new InetSocketAddress(a, port));
            }
        }
        return out;
    }

    private static int clamp(String s, int dflt, int min, int max) {
        if (s.isEmpty() || s.length() > 6) {
            return dflt;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return dflt;
            }
        }
        int v = Integer.parseInt(s);
        return Math.max(min, Math.min(max, v));
    }
}
