package tern.cli;

/**
 * Sendmail - the sendmail command. Not implemented yet: it says so and exits non-zero.
 */
public final class Sendmail {
    private Sendmail() {
    }

    public static int run(String[] args) {
        return Main.notYet("sendmail");
    }
}
