package tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * postmap, postalias and newaliases through the bin/ launchers, as the seed page uses them:
 * aliases with "root: lucas", newaliases, a virtual table with "someemail lucas", postmap; plus
 * the exit statuses and messages of the error paths.
 */
class PostmapIT {
    @TempDir
    Path dir;

    @Test
    void seedWalkThrough() throws Exception {
        Path aliases = dir.resolve("aliases");
        Path virtual = dir.resolve("virtual");
        TestInstance t = TestInstance.create(dir, "alias_maps = hash:" + aliases, "alias_database = hash:" + aliases);
        Files.writeString(aliases, "root: lucas\n\n\nlucas: lucas\n");
        Files.writeString(virtual, "someemail lucas\n");

        Path home = Path.of(System.getProperty("tern.home", ".")).toAbsolutePath().normalize();
        TestInstance.Result r = TestInstance.run(List.of(home.resolve("bin/newaliases").toString(), "-C", dir.toString()), null);
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(Files.exists(dir.resolve("aliases.db"))).isTrue();
        r = t.command("postalias", "-q", "ROOT", "hash:" + aliases);
        assertThat(r).isEqualTo(new TestInstance.Result(0, "lucas\n", ""));

        r = t.command("postmap", virtual.toString());
        assertThat(r).isEqualTo(new TestInstance.Result(0, "", ""));
        r = t.command("postmap", "-q", "someemail", virtual.toString());
        assertThat(r).isEqualTo(new TestInstance.Result(0, "lucas\n", ""));
        r = t.command("postmap", "-q", "nobody", "hash:" + virtual);
        assertThat(r).isEqualTo(new TestInstance.Result(1, "", ""));
        r = t.command("postmap", "-s", virtual.toString());
        assertThat(r).isEqualTo(new TestInstance.Result(0, "someemail\tlucas\n", ""));
    }

    @Test
    void errorsAndWarnings() throws Exception {
        TestInstance t = TestInstance.create(dir);
        Path bad = dir.resolve("bad");
        Files.writeString(bad, "good value\nlonely\n");
        TestInstance.Result r = t.command("postmap", bad.toString());
        assertThat(r).isEqualTo(new TestInstance.Result(0, "", "postmap: warning: " + bad
                + ", line 2: expected format: key whitespace value\n"));
        r = t.command("postmap", "-q", "x", "foo:bar");
        assertThat(r).isEqualTo(new TestInstance.Result(1, "", "postmap: fatal: unsupported dictionary type: foo\n"));
        r = t.command("postmap", "-q", "x", dir.resolve("missing").toString());
        assertThat(r).isEqualTo(new TestInstance.Result(1, "", "postmap: fatal: open database " + dir.resolve("missing")
                + ".db: No such file or directory\n"));
        r = TestInstance.run(List.of(Path.of(System.getProperty("tern.home", ".")).toAbsolutePath().normalize()
                .resolve("bin/postmap").toString(), "-c", dir.resolve("nowhere").toString(), "x"), null);
        assertThat(r).isEqualTo(new TestInstance.Result(1, "", "postmap: fatal: open " + dir.resolve("nowhere")
                + "/main.cf: No such file or directory\n"));
    }
}
