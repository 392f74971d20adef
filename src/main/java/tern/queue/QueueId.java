package tern.queue;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * QueueId - queue ids in Postfix's short form: upper-case hexadecimal, 5 digits of the current
 * microsecond followed by 6 digits of a per-process counter that starts at a random value
 * ("B312520C121"). Postfix takes the second part from the file's inode; a counter does the same job
 * without a rename, and the random start keeps two processes (daemon, sendmail) apart. A clash is
 * still caught: writers create files with CREATE_NEW and take another id.
 *
 * Ids are also used as file names, so {@link #isValid} is the gate for any id that a person or a
 * file name supplies: nothing but [0-9A-F], 6 to 20 characters.
 */
public final class QueueId {
    private final AtomicLong counter = new AtomicLong(new SecureRandom().nextInt(1 << 24));

    /** next - a fresh id. */
    public String next() {
        long micros = (System.currentTimeMillis() % 1000) * 1000 + (System.nanoTime() / 1000) % 1000;
        long seq = counter.getAndIncrement() & 0xFFFFFF;
        char[] c = new char[11];
        hex(c, 0, micros & 0xFFFFF, 5);
        hex(c, 5, seq, 6);
        return new String(c);
    }

    private static void hex(char[] out, int at, long v, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            int d = (int) (v & 0xF);
            out[at + i] = (char) (d < 10 ? '0' + d : 'A' + d - 10);
            v >>>= 4;
        }
    }

    /** isValid - whether text has the shape of a queue id (and so is safe as a file name). */
    public static boolean isValid(String text) {
        if (text == null || text.length() < 6 || text.length() > 20) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F'))) {
                return false;
            }
        }
        return true;
    }
}
