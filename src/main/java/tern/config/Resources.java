package tern.config;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.security.CodeSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Resources - reading a resource that ships beside a class (the registry files), straight from the
 * jar or class directory the class came from.
 *
 * Why not Class.getResourceAsStream: it asks the boot loader first, whose first resource lookup
 * initialises the JDK's module image reader through reflection and method handles; on a CLI's
 * start-up path that costs tens of milliseconds. The plain lookup remains the fallback.
 *
 * Failure: an I/O error on a jar that the JVM itself is running from is a broken installation,
 * reported as UncheckedIOException; a resource that does not exist is null.
 */
final class Resources {
    private Resources() {
    }

    /**
     * readAll - the bytes of several resources in one directory ("/tern/config/parameters/"),
     * by name; absent ones are left out. A jar is opened once for all of them.
     */
    static Map<String, byte[]> readAll(Class<?> owner, String dir, List<String> names) {
        Map<String, byte[]> out = new HashMap<>();
        try {
            File home = codeHome(owner);
            String relative = dir.substring(1);
            if (home != null && home.isDirectory()) {
                for (String n : names) {
                    File f = new File(home, relative + n);
                    if (f.isFile()) {
                        try (InputStream in = new FileInputStream(f)) {
                            out.put(n, in.readAllBytes());
                        }
                    }
                }
                return out;
            }
            if (home != null && home.isFile()) {
                try (ZipFile zip = new ZipFile(home)) {
                    for (String n : names) {
                        ZipEntry e = zip.getEntry(relative + n);
                        if (e != null) {
                            try (InputStream in = zip.getInputStream(e)) {
                                out.put(n, in.readAllBytes());
                            }
                        }
                    }
                }
                return out;
            }
            for (String n : names) {
                try (InputStream in = owner.getResourceAsStream(dir + n)) {
                    if (in != null) {
                        out.put(n, in.readAllBytes());
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static File codeHome(Class<?> owner) {
        CodeSource cs = owner.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null || !"file".equals(cs.getLocation().getProtocol())) {
            return null;
        }
        try {
            return new File(cs.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
