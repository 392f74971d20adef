package tern.cli;

/**
 * Newaliases - the newaliases command. Not implemented yet: it says so and exits non-zero.
 */
public final class Newaliases {
    private Newaliases() {
    }

    public static int run(String[] args) {
        return Main.notYet("newaliases");
    }
}
