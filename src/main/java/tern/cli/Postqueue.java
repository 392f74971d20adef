package tern.cli;

/**
 * Postqueue - the postqueue command. Not implemented yet: it says so and exits non-zero.
 */
public final class Postqueue {
    private Postqueue() {
    }

    public static int run(String[] args) {
        return Main.notYet("postqueue");
    }
}
