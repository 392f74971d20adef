package tern.delivery.mailbox;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Failures - what a failed mailbox write means for the mail, and how to say it in a status text:
 * the file system's error words as strerror(3) gives them ("Permission denied", "No space left
 * on device"), whatever exception type the JDK chose for them.
 *
 * Classes, as Postfix's mbox_dsn: TOO_LARGE (mailbox_size_limit, EFBIG) and QUOTA (EDQUOT)
 * bounce with 5.2.2; NO_SPACE (ENOSPC) defers with 4.3.1; NOT_PERMITTED (this daemon cannot act
 * as the user) and everything else defer. Tern defers where Postfix would bounce on a permission
 * or path error: such errors are configuration mistakes that an administrator can fix, and the
 * mail is kept meanwhile.
 */
public final class Failures {
    /** Kind - the classes above. */
    public enum Kind { TOO_LARGE, QUOTA, NO_SPACE, NOT_PERMITTED, OTHER }

    private Failures() {
    }

    public static Kind classify(Throwable e) {
        if (e instanceof ChannelSink.FileTooLargeException) {
            return Kind.TOO_LARGE;
        }
        if (e instanceof Privileges.NotPermittedException) {
            return Kind.NOT_PERMITTED;
        }
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (m.contains("file too large")) {
            return Kind.TOO_LARGE;
        }
        if (m.contains("quota exceeded")) {
            return Kind.QUOTA;
        }
        if (m.contains("no space left")) {
            return Kind.NO_SPACE;
        }
        return Kind.OTHER;
    }

    /** reason - the error's words without the file name ("Permission denied"). */
    public static String reason(Throwable e) {
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        if (e instanceof FileSystemLoopException) {
            return "Too many levels of symbolic links";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** describe - "FILE: reason" for file system errors, the message otherwise. */
    public static String describe(Throwable e) {
        if (e instanceof FileSystemException fse && fse.getFile() != null) {
            return fse.getFile() + ": " + reason(e);
        }
        return reason(e);
    }

    /** hostName - this machine's name as gethostname(2) gives it (for maildir file names). */
    public static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
