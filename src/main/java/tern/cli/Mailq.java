package tern.cli;

/**
 * Mailq - mailq(1): the same as "sendmail -bp" (which is postqueue -p), taking sendmail's options
 * (-C/-c config directory, -v).
 */
public final class Mailq {
    private Mailq() {
    }

    public static int run(String[] args) {
        String[] a = new String[args.length + 1];
        a[0] = "-bp";
        System.arraycopy(args, 0, a, 1, args.length);
        return Sendmail.run(a);
    }
}
