package tern.rewrite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import tern.config.Config;
import tern.log.MailLog;
import tern.tables.TableOpener;

/** RewriteFixture - a TrivialRewrite over a main.cf written into a temporary directory. */
final class RewriteFixture {
    final List<String> warnings = new CopyOnWriteArrayList<>();
    final java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
    final TrivialRewrite rewrite;
    final Config config;

    RewriteFixture(Path dir, String... lines) throws Exception {
        List<String> all = new ArrayList<>(List.of(
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydomain = example.test",
                "myorigin = $myhostname",
                "mydestination = $myhostname, localhost.$mydomain, localhost",
                "inet_interfaces = 127.0.0.1",
                "local_recipient_maps =",
                "alias_maps ="));
        all.addAll(List.of(lines));
        Files.write(dir.resolve("main.cf"), all);
        config = Config.load(dir);
        TableOpener opener = TableOpener.fromConfig(config, warnings::add);
        MailLog ml = MailLog.toStream("mx", new java.io.PrintStream(log, true));
        rewrite = TrivialRewrite.open(config, opener, ml.logger("postfix", "cleanup"));
    }

    static Path file(Path dir, String name, String... lines) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, List.of(lines));
        return p;
    }

    Resolution resolve(String a) throws IOException {
        return rewrite.resolve(a);
    }
}
