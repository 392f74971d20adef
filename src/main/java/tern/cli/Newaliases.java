package tern.cli;

import tern.tables.TableCommand;

/**
 * Newaliases - the newaliases command, as Postfix's: see {@link TableCommand}, which holds its logic so that tests
 * can run it in-process. Exit status as Postfix's (0 success or found, 1 not found or fatal error, 75 when the configuration cannot be read).
 */
public final class Newaliases {
    private Newaliases() {
    }

    public static int run(String[] args) {
        return TableCommand.newaliases(args, System.in, System.out, System.err);
    }
}
