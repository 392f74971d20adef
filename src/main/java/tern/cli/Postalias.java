package tern.cli;

import tern.tables.TableCommand;

/**
 * Postalias - the postalias command, as Postfix's: see {@link TableCommand}, which holds its logic so that tests
 * can run it in-process. Exit status as Postfix's (0 success or found, 1 not found or fatal error).
 */
public final class Postalias {
    private Postalias() {
    }

    public static int run(String[] args) {
        return TableCommand.postalias(args, System.in, System.out, System.err);
    }
}
