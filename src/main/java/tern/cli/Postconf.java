package tern.cli;

/**
 * Postconf - the postconf command. Not implemented yet: it says so and exits non-zero.
 */
public final class Postconf {
    private Postconf() {
    }

    public static int run(String[] args) {
        return Main.notYet("postconf");
    }
}
