package tern.cli;

/**
 * Postalias - the postalias command. Not implemented yet: it says so and exits non-zero.
 */
public final class Postalias {
    private Postalias() {
    }

    public static int run(String[] args) {
        return Main.notYet("postalias");
    }
}
