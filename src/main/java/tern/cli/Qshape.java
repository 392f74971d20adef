package tern.cli;

/**
 * Qshape - the qshape command. Not implemented yet: it says so and exits non-zero.
 */
public final class Qshape {
    private Qshape() {
    }

    public static int run(String[] args) {
        return Main.notYet("qshape");
    }
}
