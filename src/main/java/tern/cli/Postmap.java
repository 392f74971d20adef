package tern.cli;

import tern.tables.TableCommand;

/**
 * Postmap - the postmap command, as Postfix's: see {@link TableCommand}, which holds its logic so that tests
 * can run it in-process. Exit status as Postfix's (0 success or found, 1 not found or fatal error).
 */
public final class Postmap {
    private Postmap() {
    }

    public static int run(String[] args) {
        return TableCommand.postmap(args, System.in, System.out, System.err);
    }
}
