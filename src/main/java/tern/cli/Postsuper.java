package tern.cli;

/**
 * Postsuper - the postsuper command. Not implemented yet: it says so and exits non-zero.
 */
public final class Postsuper {
    private Postsuper() {
    }

    public static int run(String[] args) {
        return Main.notYet("postsuper");
    }
}
