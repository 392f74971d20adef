package tern.cli;

/**
 * Mailq - the mailq command. Not implemented yet: it says so and exits non-zero.
 */
public final class Mailq {
    private Mailq() {
    }

    public static int run(String[] args) {
        return Main.notYet("mailq");
    }
}
