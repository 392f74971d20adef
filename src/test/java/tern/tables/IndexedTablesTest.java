package tern.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hash:, btree:, cdb: - building, lookups, foreign and damaged files, atomic replace, change pick-up. */
class IndexedTablesTest {
    private final List<String> warnings = new ArrayList<>();
    private final TableOpener opener = TableOpener.standalone(warnings::add).withCheckInterval(Duration.ZERO);

    @TempDir
    Path dir;

    private Path source(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private void build(String type, Path src) throws TableException {
        TableBuilder.build(type, src.toString(), TableBuilder.Format.MAP, TableBuilder.Settings.DEFAULT, warnings::add);
    }

    private static Map<String, String> dump(Table t) throws TableException {
        Map<String, String> m = new TreeMap<>();
        t.forEach(m::put);
        return m;
    }

    @Test
    void eachTypeBuildsAndLooksUp() throws Exception {
        for (String type : List.of("hash", "btree", "cdb")) {
            Path src = source("virtual-" + type, "Someemail lucas\n@example.com catchall\nüser ünïcode\n");
            build(type, src);
            Table t = opener.open(type + ":" + src);
            assertThat(t.lookup("someemail")).as(type).isEqualTo("lucas");
            assertThat(t.lookup("SOMEEMAIL")).as(type).isEqualTo("lucas");
            assertThat(t.lookup("@example.com")).as(type).isEqualTo("catchall");
            assertThat(t.lookup("ÜSER")).as(type).isEqualTo("ünïcode");
            assertThat(t.lookup("nobody")).as(type).isNull();
            assertThat(t.isFixed()).isTrue();
            assertThat(dump(t)).as(type).containsOnlyKeys("someemail", "@example.com", "üser");
        }
        assertThat(Files.exists(dir.resolve("virtual-hash.db"))).isTrue();
        assertThat(Files.exists(dir.resolve("virtual-cdb.cdb"))).isTrue();
        assertThat(warnings).isEmpty();
    }

    @Test
    void manyEntries() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20000; i++) {
            b.append("user").append(i).append("@example.com mailbox").append(i).append('\n');
        }
        Path src = source("big", b.toString());
        for (String type : List.of("hash", "cdb")) {
            build(type, src);
            Table t = opener.open(type + ":" + src);
            for (int i = 0; i < 20000; i += 997) {
                assertThat(t.lookup("user" + i + "@example.com")).isEqualTo("mailbox" + i);
            }
            assertThat(t.lookup("user20000@example.com")).isNull();
        }
    }

    @Test
    void emptyTable() throws Exception {
        Path src = source("empty", "# nothing\n");
        build("hash", src);
        build("cdb", src);
        assertThat(opener.open("hash:" + src).lookup("x")).isNull();
        assertThat(opener.open("cdb:" + src).lookup("x")).isNull();
    }

    @Test
    void missingDbIsAnErrorNamingTheFileUntilItIsBuilt() throws Exception {
        Path src = source("late", "a b\n");
        Table t = opener.open("hash:" + src);
        assertThatThrownBy(() -> t.lookup("a"))
                .hasMessage("open database " + src + ".db: No such file or directory");
        build("hash", src);
        assertThat(t.lookup("a")).isEqualTo("b");
    }

    @Test
    void berkeleyDbFileIsRefusedWithAdvice() throws Exception {
        Path src = source("bdb", "a b\n");
        // The first page of a Berkeley DB hash file: the magic number 0x061561 at offset 12.
        byte[] page = new byte[4096];
        page[12] = 0x61;
        page[13] = 0x15;
        page[14] = 0x06;
        Files.write(dir.resolve("bdb.db"), page);
        assertThatThrownBy(() -> opener.open("hash:" + src).lookup("a"))
                .hasMessage(src + ".db: not a table in Tern's format (it is a Berkeley DB file, as real Postfix "
                        + "builds): rebuild it with \"postmap " + src + "\" (\"postalias " + src
                        + "\" for an aliases file)");
        Files.writeString(dir.resolve("bdb.db"), "short");
        assertThatThrownBy(() -> opener.open("btree:" + src).lookup("a"))
                .hasMessageStartingWith(src + ".db: not a table in Tern's format: rebuild it");
    }

    @Test
    void realPostmapFileIsRefusedWhenPostfixIsInstalled() throws Exception {
        Path postmap = Path.of("/usr/sbin/postmap");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(postmap));
        Path etc = Files.createDirectory(dir.resolve("etc"));
        Files.writeString(etc.resolve("main.cf"), "compatibility_level = 3.6\n");
        Path src = source("real", "a b\n");
        Process p = new ProcessBuilder(postmap.toString(), "-c", etc.toString(), "hash:" + src)
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        assertThatThrownBy(() -> opener.open("hash:" + src).lookup("a"))
                .hasMessageContaining("not a table in Tern's format (it is a Berkeley DB file");
    }

    @Test
    void damagedFilesAreErrorsNotWrongAnswers() throws Exception {
        Path src = source("dmg", "alpha one\nbeta two\n");
        build("hash", src);
        Path db = dir.resolve("dmg.db");
        byte[] good = Files.readAllBytes(db);
        Files.write(db, java.util.Arrays.copyOf(good, good.length - 5));
        assertThatThrownBy(() -> opener.open("hash:" + src).lookup("alpha")).hasMessageContaining("corrupt table");
        byte[] bad = good.clone();
        bad[20] ^= 1;
        Files.write(db, bad);
        assertThatThrownBy(() -> opener.open("hash:" + src).lookup("alpha"))
                .hasMessageContaining("header checksum mismatch");
        // Record offsets pointing outside the file: every slot's offset set to a huge value.
        bad = good.clone();
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(bad);
        long slotsOffset = bb.getLong(32);
        for (long at = slotsOffset; at < bad.length; at += 16) {
            if (bb.getLong((int) at + 8) != 0) {
                bb.putLong((int) at + 8, 1L << 40);
            }
        }
        Files.write(db, bad);
        TableOpener fresh = TableOpener.standalone(warnings::add);
        Table t = fresh.open("hash:" + src);
        for (String k : List.of("alpha", "beta")) {
            assertThatThrownBy(() -> t.lookup(k)).isInstanceOf(TableException.class);
        }
        Path cdbSrc = source("dmgcdb", "alpha one\n");
        build("cdb", cdbSrc);
        Path cdb = dir.resolve("dmgcdb.cdb");
        byte[] c = Files.readAllBytes(cdb);
        Files.write(cdb, java.util.Arrays.copyOf(c, c.length - 4));
        assertThatThrownBy(() -> opener.open("cdb:" + cdbSrc).lookup("alpha")).isInstanceOf(TableException.class);
    }

    @Test
    void caseFoldingOffKeepsKeysAsWritten() throws Exception {
        Path src = source("cased", "MixedCase value\n");
        TableBuilder.build("hash", src.toString(), TableBuilder.Format.MAP,
                new TableBuilder.Settings(false, TableBuilder.OnDuplicate.WARN, true, false, "h"), warnings::add);
        assertThat(opener.open("hash:" + src).lookup("MixedCase")).isNull();
        Table exact = opener.open("hash:" + src, new TableOpener.Options(false, true));
        assertThat(exact.lookup("MixedCase")).isEqualTo("value");
        assertThat(exact.lookup("mixedcase")).isNull();
    }

    @Test
    void incrementalAndDelete() throws Exception {
        Path src = source("inc", "a 1\nb 2\n");
        build("hash", src);
        TableBuilder.add("hash", src.toString(), TableBuilder.Format.MAP,
                List.of(new TableBuilder.Entry("C", "3", 1), new TableBuilder.Entry("a", "9", 2)),
                TableBuilder.Settings.DEFAULT, warnings::add);
        assertThat(warnings).containsExactly(src + ".db: duplicate entry: \"a\"");
        Table t = opener.open("hash:" + src);
        assertThat(dump(t)).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", "1", "b", "2", "c", "3")));
        assertThat(TableBuilder.delete("hash", src.toString(), List.of("A", "zz"), TableBuilder.Settings.DEFAULT))
                .isEqualTo(1);
        assertThat(t.lookup("a")).isNull();
        assertThat(t.lookup("b")).isEqualTo("2");
        assertThatThrownBy(() -> TableBuilder.delete("hash", dir.resolve("none").toString(), List.of("a"),
                TableBuilder.Settings.DEFAULT)).hasMessage("open database " + dir.resolve("none") + ".db: No such file or directory");
    }

    @Test
    void newFileInheritsReadPermissionsOfSource() throws Exception {
        Path src = source("perm", "a b\n");
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r-----"));
        build("hash", src);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("perm.db"))))
                .isEqualTo("rw-r-----");
        Files.setPosixFilePermissions(dir.resolve("perm.db"), PosixFilePermissions.fromString("rw-------"));
        build("hash", src);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("perm.db"))))
                .as("a rebuilt table keeps its mode").isEqualTo("rw-------");
        Path src2 = source("perm2", "a b\n");
        Files.setPosixFilePermissions(src2, PosixFilePermissions.fromString("rw-------"));
        TableBuilder.build("hash", src2.toString(), TableBuilder.Format.MAP,
                new TableBuilder.Settings(true, TableBuilder.OnDuplicate.WARN, false, false, "h"), warnings::add);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("perm2.db"))))
                .as("-p").isEqualTo("rw-r--r--");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void rebuiltTableIsPickedUpAfterTheCheckInterval() throws Exception {
        Path src = source("virtual", "someemail lucas\n");
        build("hash", src);
        TableOpener daemon = TableOpener.standalone(warnings::add);
        Table t = daemon.open("hash:" + src);
        assertThat(t.lookup("someemail")).isEqualTo("lucas");
        Files.writeString(src, "someemail root\n");
        build("hash", src);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String v = t.lookup("someemail");
        while (!"root".equals(v) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            v = t.lookup("someemail");
        }
        assertThat(v).isEqualTo("root");
    }

    @Test
    void readersNeverSeeAHalfWrittenTable() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            b.append("key").append(i).append(" value").append(i).append('\n');
        }
        Path src = source("busy", b.toString());
        build("hash", src);
        Table t = opener.open("hash:" + src);
        AtomicReference<Throwable> problem = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                for (int n = 0; n < 20000 && problem.get() == null; n++) {
                    int i = n % 3000;
                    String v = t.lookup("key" + i);
                    if (!("value" + i).equals(v) && !("other" + i).equals(v)) {
                        problem.set(new AssertionError("key" + i + " -> " + v));
                    }
                }
            } catch (Throwable e) {
                problem.set(e);
            }
        });
        for (int round = 0; round < 15 && reader.isAlive(); round++) {
            String text = round % 2 == 0 ? b.toString().replace(" value", " other") : b.toString();
            Files.writeString(src, text);
            build("hash", src);
        }
        reader.join(Duration.ofSeconds(60));
        assertThat(problem.get()).isNull();
    }

    @Test
    void cdbFilesAreByteForByteThoseOfRealPostmap() throws Exception {
        Path postmap = Path.of("/usr/sbin/postmap");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(postmap)
                && Files.exists(Path.of("/usr/lib/postfix/postfix-cdb.so")), "real Postfix with postfix-cdb");
        Path etc = Files.createDirectory(dir.resolve("etc"));
        Files.writeString(etc.resolve("main.cf"), "compatibility_level = 3.6\n");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            b.append("Key").append(i).append("@example.com value-").append(i).append(" ").append("x".repeat(i % 17))
                    .append('\n');
        }
        b.append("üser ünïcode\ndup first\ndup second\n");
        Path real = source("real", b.toString());
        Path ours = source("ours", b.toString());
        Process p = new ProcessBuilder(postmap.toString(), "-c", etc.toString(), "cdb:" + real)
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        build("cdb", ours);
        assertThat(Files.readAllBytes(dir.resolve("ours.cdb"))).isEqualTo(Files.readAllBytes(dir.resolve("real.cdb")));
        assertThat(opener.open("cdb:" + real).lookup("KEY7@EXAMPLE.COM")).isEqualTo("value-7 xxxxxxx");
    }

    @Test
    void cdbFormatIsStandard() throws Exception {
        // One record "a" -> "b": header 2048 bytes, record at 2048, the table for hash("a") at 2058.
        Path src = source("std", "a b\n");
        build("cdb", src);
        byte[] f = Files.readAllBytes(dir.resolve("std.cdb"));
        java.nio.ByteBuffer le = java.nio.ByteBuffer.wrap(f).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int h = CdbFile.hash("a".getBytes(StandardCharsets.US_ASCII));
        assertThat(h).isEqualTo(((5381 << 5) + 5381) ^ 'a');
        int slot = (h & 255) * 8;
        assertThat(le.getInt(slot + 4)).isEqualTo(2);
        int tpos = le.getInt(slot);
        assertThat(le.getInt(2048)).isEqualTo(1);
        assertThat(le.getInt(2052)).isEqualTo(1);
        assertThat(new String(f, 2056, 2, StandardCharsets.US_ASCII)).isEqualTo("ab");
        int start = (h >>> 8) % 2;
        assertThat(le.getInt(tpos + start * 8)).isEqualTo(h);
        assertThat(le.getInt(tpos + start * 8 + 4)).isEqualTo(2048);
        assertThat(f.length).isEqualTo(2048 + 10 + 2 * 8);
    }
}
