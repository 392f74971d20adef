package tern.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/**
 * PostconfLiveIT - what golden files cannot pin: values that depend on the machine, compared with
 * the real Postfix postconf running beside Tern on the same machine (skipped where Debian's postfix
 * is not installed), the stock Debian master.cf, and a main.cf this user may not read.
 */
class PostconfLiveIT {
    private static final Path HOME = Path.of(System.getProperty("tern.home", ".")).toAbsolutePath().normalize();
    private static final Path REAL = Path.of("/usr/sbin/postconf");

    private static PostconfIT.Result tern(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(HOME.resolve("bin/postconf").toString());
        cmd.addAll(List.of(args));
        return PostconfIT.run(cmd, cwd, Map.of());
    }

    private static PostconfIT.Result real(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(REAL.toString());
        cmd.addAll(List.of(args));
        return PostconfIT.run(cmd, cwd, Map.of());
    }

    private static TreeSet<String> lines(String s) {
        TreeSet<String> t = new TreeSet<>(List.of(s.split("\n")));
        t.remove("");
        return t;
    }

    private static void same(PostconfIT.Result expected, PostconfIT.Result actual) {
        String pid = "(?m)^process_id = \\d+$";
        assertThat(actual.out().replaceAll(pid, "process_id = PID"))
                .isEqualTo(expected.out().replaceAll(pid, "process_id = PID"));
        assertThat(lines(actual.err())).isEqualTo(lines(expected.err()));
        assertThat(actual.status()).isEqualTo(expected.status());
    }

    @Test
    void machineValuesAreThoseOfPostfix() throws IOException {
        assumeTrue(Files.isExecutable(REAL), "Debian's postfix is not installed");
        Path d = Files.createTempDirectory("postconf-live");
        try {
            Path cf = Files.createDirectory(d.resolve("cf"));
            Files.writeString(cf.resolve("master.cf"), "");
            Files.writeString(cf.resolve("main.cf"), "");
            String[] names = {"myhostname", "mydomain", "mynetworks", "mynetworks_style", "inet_interfaces",
                    "inet_protocols", "mydestination", "relay_domains", "myorigin"};
            String[] args = new String[names.length + 3];
            args[0] = "-c";
            args[1] = "cf";
            args[2] = "-dx";
            System.arraycopy(names, 0, args, 3, names.length);
            same(real(d, args), tern(d, args));
            args[2] = "-x";
            same(real(d, args), tern(d, args));
            for (String settings : List.of("compatibility_level = 3.6\n", "mynetworks_style = class\n",
                    "inet_protocols = ipv4\n", "inet_interfaces = loopback-only\n",
                    "mydomain = example.test\n", "myhostname = mx\n")) {
                Files.writeString(cf.resolve("main.cf"), settings);
                same(real(d, "-c", "cf", "myhostname", "mydomain", "mynetworks"),
                        tern(d, "-c", "cf", "myhostname", "mydomain", "mynetworks"));
            }
        } finally {
            PostconfIT.delete(d);
        }
    }

    @Test
    void theStockDebianMasterCfShowsAsInPostfix() throws IOException {
        Path stock = Path.of("/usr/share/postfix/master.cf.dist");
        assumeTrue(Files.isExecutable(REAL) && Files.isRegularFile(stock), "Debian's postfix is not installed");
        Path d = Files.createTempDirectory("postconf-live");
        try {
            Path cf = Files.createDirectory(d.resolve("cf"));
            Files.copy(stock, cf.resolve("master.cf"));
            Files.writeString(cf.resolve("main.cf"), "compatibility_level = 3.6\nmyhostname = mx.example.test\n");
            for (String mode : List.of("-M", "-Mf", "-F", "-P", "-Mx")) {
                same(real(d, "-c", "cf", mode), tern(d, "-c", "cf", mode));
            }
            same(real(d, "-c", "cf"), tern(d, "-c", "cf")); // service-defined names of every pipe service
        } finally {
            PostconfIT.delete(d);
        }
    }

    @Test
    void anUnreadableMainCfIsAClearError() throws IOException, InterruptedException {
        // root reads a mode-000 file anyway, so the test runs the command as nobody when it can
        boolean root = "root".equals(System.getProperty("user.name"));
        assumeTrue(root && Files.isExecutable(Path.of("/usr/sbin/runuser")), "needs root and runuser(1)");
        Path d = Files.createTempDirectory(Path.of("/tmp"), "postconf-perm");
        try {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path main = d.resolve("main.cf");
            Files.writeString(main, "myhostname = mx.example.test\n");
            Files.writeString(d.resolve("master.cf"), "smtp inet n - n - - smtpd\n");
            Files.setPosixFilePermissions(main, PosixFilePermissions.fromString("---------"));
            List<String> cmd = List.of("/usr/sbin/runuser", "-u", "nobody", "--", HOME.resolve("bin/postconf").toString(),
                    "-c", d.toString(), "-n");
            PostconfIT.Result r = PostconfIT.run(cmd, d, Map.of());
            assertThat(r.err()).isEqualTo("postconf: fatal: open " + main + ": Permission denied\n");
            assertThat(r.status()).isEqualTo(1);
            List<String> edit = List.of("/usr/sbin/runuser", "-u", "nobody", "--", HOME.resolve("bin/postconf").toString(),
                    "-c", d.toString(), "-e", "mydomain=example.test");
            PostconfIT.Result e = PostconfIT.run(edit, d, Map.of());
            assertThat(e.err()).isEqualTo("postconf: fatal: open " + main + " for reading: Permission denied\n");
            assertThat(e.status()).isEqualTo(1);
            assertThat(Files.exists(d.resolve("main.cf.tmp"))).isFalse();
            if (Files.isExecutable(REAL)) {
                // Postfix names itself by argv[0] ("/usr/sbin/postconf: fatal: ..."); Tern's bin/ always says "postconf"
                List<String> pf = new ArrayList<>(cmd);
                pf.set(4, REAL.toString());
                assertThat(PostconfIT.run(pf, d, Map.of()).err().replace(REAL + ":", "postconf:")).isEqualTo(r.err());
                List<String> pe = new ArrayList<>(edit);
                pe.set(4, REAL.toString());
                assertThat(PostconfIT.run(pe, d, Map.of()).err().replace(REAL + ":", "postconf:")).isEqualTo(e.err());
            }
        } finally {
            PostconfIT.delete(d);
        }
    }
}
