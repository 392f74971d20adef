package tern.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * SmtpdGoldenTest - every conversation script in src/test/resources/tern/smtpd/golden/NAME.in is
 * run against Tern's smtpd over a real socket by the same driver (chat.py) that made NAME.ref from
 * real Postfix 3.7 (regen.py); transcript and smtpd log lines must be the same, queue ids aside.
 * Each script gets a fresh server with golden/base.cf plus the script's "@cf" lines.
 */
class SmtpdGoldenTest {
    static final Path RES = Path.of("src/test/resources/tern/smtpd");
    private static final Pattern QUEUED_AS = Pattern.compile("(queued as )[0-9A-F]{6,20}\\b");
    private static final Pattern LOG_ID = Pattern.compile("^(L: (?:warning: )?)[0-9A-F]{6,20}:");

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> golden() throws IOException {
        List<Path> scripts;
        try (Stream<Path> s = Files.list(RES.resolve("golden"))) {
            String only = System.getProperty("golden", ""); // -Dgolden=NAME runs the scripts whose name has NAME
            scripts = s.filter(p -> p.toString().endsWith(".in") && p.getFileName().toString().contains(only))
                    .sorted().toList();
        }
        return scripts.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
    }

    private void run(Path script) throws Exception {
        String name = script.getFileName().toString().replaceFirst("\\.in$", "");
        String text = Files.readString(script, StandardCharsets.UTF_8);
        List<String> cf = new ArrayList<>();
        for (String l : Files.readAllLines(RES.resolve("golden/base.cf"))) {
            if (!l.startsWith("#") && !l.isBlank()) {
                cf.add(l);
            }
        }
        String source = null;
        ClientNames names = null;
        for (String l : text.split("\n")) {
            if (l.startsWith("@slowlookup")) {
                // a resolver as slow as Postfix's: the client's early input is there before the banner
                ClientNames system = ClientNames.system(java.time.Duration.ofSeconds(5));
                names = a -> {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return system.nameOf(a);
                };
            } else if (l.startsWith("@cf ")) {
                cf.add(l.substring(4).strip());
            } else if (l.startsWith("@client ")) {
                source = l.substring(8).strip();
            }
        }
        List<String> actual = new ArrayList<>();
        try (TestServer t = new TestServer(tmp.resolve(name), cf, names)) {
            List<String> cmd = new ArrayList<>(List.of(python(), RES.resolve("chat.py").toString(),
                    Integer.toString(t.port())));
            if (source != null) {
                cmd.add(source);
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            for (String l : new String(out, StandardCharsets.UTF_8).split("\n")) {
                if (!l.isEmpty()) {
                    actual.add(normalise(l));
                }
            }
            t.idle();
            for (String l : t.logLines()) {
                actual.add(normalise("L: " + l));
            }
            assertThat(t.cleanup.open()).as("messages left open").isZero();
        }
        List<String> expected = Files.readAllLines(RES.resolve("golden/" + name + ".ref"), StandardCharsets.UTF_8);
        Path dir = Path.of("target/golden-actual");
        Files.deleteIfExists(dir.resolve(name + ".out"));
        if (!actual.equals(expected)) {
            // left for a diff against the .ref when the test fails
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".out"), actual, StandardCharsets.UTF_8);
        }
        assertThat(String.join("\n", actual)).as(name).isEqualTo(String.join("\n", expected));
    }

    /** python - the system's python3 (a version manager's shim can take seconds to start). */
    static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    static String normalise(String line) {
        Matcher m = QUEUED_AS.matcher(line);
        String s = m.replaceAll("$1QUEUEID");
        return LOG_ID.matcher(s).replaceAll("$1QUEUEID:");
    }
}
