package tern.config;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * TextFile - reading and atomically replacing the configuration files (main.cf, master.cf), and the
 * character classes their syntax uses.
 *
 * Reading is bounded ({@link #MAX_BYTES}); text is UTF-8, or ISO-8859-1 when the bytes are not valid
 * UTF-8, so that an edit writes back every byte it did not change. Replacing writes NAME.tmp beside
 * the file, forces it to disk and renames it over the original, as postconf does; the original's
 * permissions are kept.
 *
 * Failure: a ConfigException with Postfix's wording ("open PATH: No such file or directory",
 * "open PATH: Permission denied", "PATH: Is a directory"); never an unchecked exception for I/O.
 */
final class TextFile {
    /** A configuration file larger than this is refused rather than read into memory. */
    static final long MAX_BYTES = 64L * 1024 * 1024;

    private TextFile() {
    }

    /**
     * readOrNull - the file's text, or null when it does not exist. java.io rather than
     * java.nio.file: the first use of the latter costs a command several milliseconds of start-up.
     */
    static String readOrNull(String path) throws ConfigException {
        File f = new File(path);
        if (f.isDirectory()) {
            throw new ConfigException("read " + path + ": Is a directory");
        }
        if (f.length() > MAX_BYTES) {
            throw new ConfigException(path + ": file too large (more than " + MAX_BYTES + " bytes)");
        }
        byte[] bytes;
        try (FileInputStream in = new FileInputStream(f)) {
            bytes = in.readAllBytes();
        } catch (FileNotFoundException e) {
            if (!f.exists()) {
                return null;
            }
            throw new ConfigException("open " + path + ": " + describe(e));
        } catch (IOException e) {
            throw new ConfigException("read " + path + ": " + describe(e));
        }
        return decode(bytes);
    }

    static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /** encodingOf - the charset that turns text back into the bytes it was decoded from. */
    static Charset encodingOf(byte[] original) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(original));
            return StandardCharsets.UTF_8;
        } catch (CharacterCodingException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    /**
     * rewrite - replace the file at path by edit(its text), as postconf does: PATH.tmp is opened
     * first (so an unwritable directory is reported as such), the original is read, the edited text
     * written in the file's own encoding, forced to disk and renamed over the original, whose
     * permissions it keeps.
     */
    static void rewrite(Path path, java.util.function.UnaryOperator<String> edit) throws ConfigException {
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            byte[] original;
            try {
                original = readBytes(path, "for reading");
            } catch (ConfigException e) {
                deleteQuietly(tmp);
                throw e;
            }
            Charset cs = encodingOf(original);
            ByteBuffer out = ByteBuffer.wrap(edit.apply(new String(original, cs)).getBytes(cs));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.force(true);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new ConfigException("open " + tmp + ": " + describe(e));
        }
        try {
            try {
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(path));
            } catch (UnsupportedOperationException e) {
                // no POSIX permissions here: the default mode is fine
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new ConfigException("rename " + tmp + " to " + path + ": " + describe(e));
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a stale .tmp is harmless: the next edit truncates it
        }
    }

    /** readBytes - the raw bytes of an existing file, bounded like readOrNull. */
    static byte[] readBytes(Path path, String what) throws ConfigException {
        try {
            if (Files.isDirectory(path)) {
                throw new ConfigException("read " + path + ": Is a directory");
            }
            if (Files.size(path) > MAX_BYTES) {
                throw new ConfigException(path + ": file too large (more than " + MAX_BYTES + " bytes)");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new ConfigException("open " + path + " " + what + ": " + describe(e));
        }
    }

    /** lines - text split at "\n"; a final line end does not make an empty last line. */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int n = text.length();
        while (start < n) {
            int nl = text.indexOf('\n', start);
            if (nl < 0) {
                out.add(text.substring(start));
                break;
            }
            out.add(text.substring(start, nl));
            start = nl + 1;
        }
        return out;
    }

    /** describe - the errno text Postfix would print for an I/O failure. */
    static String describe(IOException e) {
        if (e instanceof FileNotFoundException) {
            // java.io's message is "PATH (REASON)"
            String m = e.getMessage();
            int open = m == null ? -1 : m.lastIndexOf(" (");
            if (open >= 0 && m.endsWith(")")) {
                return m.substring(open + 2, m.length() - 1);
            }
            return m == null ? "No such file or directory" : m;
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** isSpace - C's isspace() in the POSIX locale, which is what Postfix's parsers use. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
    }

    static boolean startsWithSpace(String line) {
        return !line.isEmpty() && isSpace(line.charAt(0));
    }

    /** isCommentOrBlank - a line that is empty, all white space, or "#" after optional white space. */
    static boolean isCommentOrBlank(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (!isSpace(c)) {
                return c == '#';
            }
        }
        return true;
    }

    /** trim - text without leading and trailing white space (isSpace, not Character.isWhitespace). */
    static String trim(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isSpace(s.charAt(a))) {
            a++;
        }
        while (b > a && isSpace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    /** words - text split at white space (postconf prints values with single spaces between words). */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            int j = i;
            while (j < n && !isSpace(s.charAt(j))) {
                j++;
            }
            if (j > i) {
                out.add(s.substring(i, j));
            }
            i = j;
        }
        return out;
    }
}
