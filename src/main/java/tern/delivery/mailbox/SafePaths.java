package tern.delivery.mailbox;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * SafePaths - the checks that keep a delivery from being led astray inside a directory tree that
 * a user controls (a home directory, a virtual mailbox tree): every component below the trusted
 * root is looked at without following symbolic links, must be a directory and must belong to the
 * user or to root. Missing directories are created (mode 0700) when asked to.
 *
 * These checks run as the user (see {@link Privileges}), so a race that swaps a checked directory
 * for a link after the check can only lead to where the user could write anyway.
 *
 * Failure: {@link UnsafePathException} names the offending path ("is a symbolic link", "is not a
 * directory", "is owned by user ID N"); other I/O errors pass through.
 */
public final class SafePaths {
    /** UnsafePathException - a path component that delivery must not use. */
    public static final class UnsafePathException extends IOException {
        private static final long serialVersionUID = 1L;

        public UnsafePathException(String message) {
            super(message);
        }
    }

    static final FileAttribute<Set<PosixFilePermission>> DIR_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private SafePaths() {
    }

    /**
     * directories - make sure every directory from below root down to dir is a real directory
     * owned by uid (or root), creating missing ones when create is set. dir must lie below root
     * (or be root); root itself is trusted and not checked. uid &lt; 0 skips the owner check.
     */
    public static void directories(Path root, Path dir, int uid, boolean create) throws IOException {
        Path r = root.normalize();
        Path d = dir.normalize();
        if (!d.startsWith(r)) {
            throw new UnsafePathException(d + " is not below " + r);
        }
        Path p = r;
        for (Path name : r.relativize(d)) {
            if (name.toString().isEmpty()) {
                continue;
            }
            if (name.toString().equals("..")) {
                throw new UnsafePathException(d + ": \"..\" in path");
            }
            p = p.resolve(name);
            directory(p, uid, create);
        }
    }

    /** directory - one directory: exists (or is created) as a real directory owned by uid or root. */
    public static void directory(Path p, int uid, boolean create) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(p, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            if (!create) {
                throw e;
            }
            try {
                Files.createDirectory(p, DIR_MODE);
                return;
            } catch (FileAlreadyExistsException raced) {
                a = Files.readAttributes(p, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
            }
        }
        check(p, (Integer) a.get("mode"), (Integer) a.get("uid"), uid, true);
    }

    /** check - a looked-at (not followed) path is of the wanted kind and owned by uid or root. */
    static void check(Path p, int mode, int owner, int uid, boolean wantDirectory) throws UnsafePathException {
        int type = mode & 0170000;
        if (type == 0120000) {
            throw new UnsafePathException(p + " is a symbolic link");
        }
        if (wantDirectory && type != 0040000) {
            throw new UnsafePathException(p + " is not a directory");
        }
        if (uid >= 0 && owner != uid && owner != 0) {
            throw new UnsafePathException(p + " is owned by user ID " + Integer.toUnsignedString(owner));
        }
    }
}
