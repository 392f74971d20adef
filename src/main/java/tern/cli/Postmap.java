package tern.cli;

/**
 * Postmap - the postmap command. Not implemented yet: it says so and exits non-zero.
 */
public final class Postmap {
    private Postmap() {
    }

    public static int run(String[] args) {
        return Main.notYet("postmap");
    }
}
