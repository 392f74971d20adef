package tern.cli;

/**
 * Postcat - the postcat command. Not implemented yet: it says so and exits non-zero.
 */
public final class Postcat {
    private Postcat() {
    }

    public static int run(String[] args) {
        return Main.notYet("postcat");
    }
}
