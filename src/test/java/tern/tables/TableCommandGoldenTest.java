package tern.tables;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cases in src/test/resources/tern/tables/golden/cases, run in order with Tern's postmap,
 * postalias and newaliases in-process, compared with expected/ as real Postfix 3.7 produced it
 * (make-golden.sh): exit status, standard output (sorted where the case says so: Berkeley DB's hash
 * order is not ours) and standard error, exactly.
 */
class TableCommandGoldenTest {
    @TempDir
    Path dir;

    @Test
    void casesMatchRealPostfix() throws Exception {
        Path golden = Path.of(getClass().getResource("/tern/tables/golden/cases").toURI()).getParent();
        try (Stream<Path> files = Files.list(golden.resolve("in"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Path etc = Files.createDirectory(dir.resolve("etc"));
        Files.writeString(etc.resolve("main.cf"), "compatibility_level = 3.6\nmyhostname = mx.example.test\n"
                + "alias_database = hash:" + dir + "/al3\n");
        List<String> failures = new ArrayList<>();
        int count = 0;
        for (String line : Files.readAllLines(golden.resolve("cases"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\\|", 3);
            String id = f[0].strip();
            String opts = f[1].strip();
            String cmd = f[2].strip().replace("@DIR@", dir.toString());
            String expected = Files.readString(golden.resolve("expected").resolve(id));
            String actual = run(cmd, etc);
            if (opts.contains("sort")) {
                expected = sortStdout(expected);
                actual = sortStdout(actual);
            }
            count++;
            if (!expected.equals(actual)) {
                failures.add("case " + id + ": " + cmd + "\n--- expected\n" + expected + "--- actual\n" + actual);
            }
        }
        assertThat(count).isGreaterThan(80);
        assertThat(failures).isEmpty();
    }

    private String run(String cmd, Path etc) throws IOException {
        List<String> words = split(cmd);
        InputStream in = new ByteArrayInputStream(new byte[0]);
        int lt = words.indexOf("<");
        if (lt >= 0) {
            in = new ByteArrayInputStream(Files.readAllBytes(Path.of(words.get(lt + 1))));
            words = new ArrayList<>(words.subList(0, lt));
        }
        String prog = words.getFirst();
        List<String> args = new ArrayList<>();
        args.add(prog.equals("newaliases") ? "-C" : "-c");
        args.add(etc.toString());
        args.addAll(words.subList(1, words.size()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        String[] a = args.toArray(new String[0]);
        int rc = switch (prog) {
            case "postmap" -> TableCommand.postmap(a, in, o, e);
            case "postalias" -> TableCommand.postalias(a, in, o, e);
            case "newaliases" -> TableCommand.newaliases(a, in, o, e);
            default -> throw new IllegalArgumentException(prog);
        };
        String text = "rc=" + rc + "\n--- stdout\n" + out.toString(StandardCharsets.UTF_8) + "--- stderr\n"
                + err.toString(StandardCharsets.UTF_8);
        return text.replace(dir.toString(), "@DIR@")
                .replaceAll("YP_LAST_MODIFIED:\t[0-9]*", "YP_LAST_MODIFIED:\tNNNNNNNNNN");
    }

    private static String sortStdout(String text) {
        int a = text.indexOf("--- stdout\n") + "--- stdout\n".length();
        int b = text.indexOf("--- stderr\n");
        String[] lines = text.substring(a, b).split("\n");
        if (lines.length == 1 && lines[0].isEmpty()) {
            return text;
        }
        Arrays.sort(lines);
        return text.substring(0, a) + String.join("\n", lines) + "\n" + text.substring(b);
    }

    /** split - words of a command line with '...' and "..." quoting, as sh splits them. */
    static List<String> split(String cmd) {
        List<String> out = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (int i = 0; i < cmd.length(); i++) {
            char c = cmd.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                if (w == null) {
                    w = new StringBuilder();
                }
            } else if (c == ' ') {
                if (w != null) {
                    out.add(w.toString());
                    w = null;
                }
            } else {
                if (w == null) {
                    w = new StringBuilder();
                }
                w.append(c);
            }
        }
        if (w != null) {
            out.add(w.toString());
        }
        return out;
    }

    @SuppressWarnings("unused")
    private static Path resource(String name) throws URISyntaxException {
        return Path.of(TableCommandGoldenTest.class.getResource(name).toURI());
    }
}
