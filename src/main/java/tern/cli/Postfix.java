package tern.cli;

/**
 * Postfix - the postfix command. Not implemented yet: it says so and exits non-zero.
 */
public final class Postfix {
    private Postfix() {
    }

    public static int run(String[] args) {
        return Main.notYet("postfix");
    }
}
