package tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's lifecycle through bin/postfix: start, status, reload, stop, two instances, bad config. */
class MasterIT {
    @TempDir
    Path tmp;

    static String greeting(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String banner = in.readLine();
            OutputStream out = s.getOutputStream();
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return banner;
        }
    }

    @Test
    void twoInstancesStartReloadAndStopSideBySide() throws IOException {
        try (TestInstance a = TestInstance.create(tmp.resolve("a"));
             TestInstance b = TestInstance.create(tmp.resolve("b"), "myhostname = other.example.test")) {
            assertThat(a.postfix("status").status()).isEqualTo(1);
            assertThat(a.postfix("status").err()).contains("postfix/postfix-script: the Postfix mail system is not running");
            a.start();
            b.start();
            assertThat(greeting(a.smtpPort())).isEqualTo("220 mx.example.test ESMTP Postfix");
            assertThat(greeting(b.smtpPort())).isEqualTo("220 other.example.test ESMTP Postfix");
            TestInstance.Result st = a.postfix("status");
            assertThat(st.status()).isZero();
            assertThat(st.err()).containsPattern("the Postfix mail system is running: PID: \\d+");
            TestInstance.Result again = a.postfix("start");
            assertThat(again.status()).isEqualTo(1);
            assertThat(again.err()).contains("fatal: the Postfix mail system is already running");

            // reload: new connections see the new banner
            Files.writeString(a.dir().resolve("main.cf"), "smtpd_banner = $myhostname ESMTP reloaded\n",
                    java.nio.file.StandardOpenOption.APPEND);
            assertThat(a.postfix("reload").status()).isZero();
            assertThat(greeting(a.smtpPort())).isEqualTo("220 mx.example.test ESMTP reloaded");
            assertThat(a.log()).contains("postfix/master[").contains("]: reload -- version 3.7.11, configuration " + a.dir());

            assertThat(a.postfix("stop").status()).isZero();
            assertThat(a.postfix("status").status()).isEqualTo(1);
            assertThat(a.log()).contains("terminating on signal 15");
            assertThat(b.postfix("status").status()).isZero();
            assertThat(greeting(b.smtpPort())).startsWith("220 ");
            TestInstance.Result stopAgain = a.postfix("stop");
            assertThat(stopAgain.status()).isEqualTo(1);
            assertThat(stopAgain.err()).contains("fatal: the Postfix mail system is not running");
        }
    }

    @Test
    void brokenReloadKeepsTheOldConfigurationServing() throws IOException {
        try (TestInstance a = TestInstance.create(tmp.resolve("a"))) {
            a.start();
            Path main = a.dir().resolve("main.cf");
            String good = Files.readString(main);
            Files.writeString(main, good + "this line is garbage\n");
            TestInstance.Result r = a.postfix("reload");
            assertThat(r.status()).isNotZero();
            assertThat(r.err()).contains("main.cf, line").contains("missing '=' after attribute name");
            assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
            Files.writeString(main, good + "x = ${unterminated\n");
            assertThat(a.postfix("reload").status()).isNotZero();
            // the daemon itself refuses a broken configuration too (SIGHUP reaches it without the command's check)
            long pid = Long.parseLong(Files.readString(a.dir().resolve("data/master.pid")).strip());
            TestInstance.run(java.util.List.of("kill", "-HUP", Long.toString(pid)), null);
            assertThat(a.awaitLog(l -> l.contains("configuration not reloaded"), 10_000)).contains("postfix/master[" + pid + "]: warning: ");
            assertThat(greeting(a.smtpPort())).isEqualTo("220 mx.example.test ESMTP Postfix");
            Files.writeString(main, good);
            assertThat(a.postfix("status").status()).isZero();
        }
    }

    @Test
    void startFailsWithTheReasonWhenThePortIsTaken() throws IOException {
        try (TestInstance a = TestInstance.create(tmp.resolve("a"));
             ServerSocket taken = new ServerSocket(a.smtpPort(), 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            TestInstance.Result r = a.postfix("start");
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).contains("bind 127.0.0.1 port " + a.smtpPort()).contains("Address already in use");
            assertThat(a.log()).contains("fatal: bind 127.0.0.1 port " + a.smtpPort());
            assertThat(a.postfix("status").status()).isEqualTo(1);
        }
    }

    @Test
    void badMainCfIsAClearFatalError() throws IOException {
        Path d = tmp.resolve("bad");
        try (TestInstance a = TestInstance.create(d, "a = $b", "b = $a", "smtpd_banner = $a")) {
            TestInstance.Result r = a.postfix("start");
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).startsWith("postfix: fatal: ").doesNotContain("\tat ");
        }
        TestInstance.Result missing = TestInstance.run(java.util.List.of(
                Path.of(System.getProperty("tern.home", ".")).resolve("bin/postfix").toString(), "-c", d.resolve("nope").toString(),
                "start"), null);
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("postfix: fatal: open " + d.resolve("nope") + "/main.cf: No such file or directory\n");
    }
}
