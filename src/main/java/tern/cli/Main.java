package tern.cli;

import java.util.Arrays;

/**
 * Main - the entry point of every command in bin/: the launcher passes the name it was called by
 * (postconf, postfix, sendmail, ...) and that command's arguments. Dispatch is a plain switch so
 * that a CLI start loads only the classes of the command it runs.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] argv) {
        if (argv.length == 0) {
            System.err.println("tern: usage: tern COMMAND [ARGS...]");
            System.exit(1);
        }
        String command = argv[0];
        String[] args = Arrays.copyOfRange(argv, 1, argv.length);
        int status = switch (command) {
            case "postfix" -> notYet(command);
            case "postconf" -> notYet(command);
            default -> notYet(command);
        };
        System.out.flush();
        System.exit(status);
    }

    /** notYet - the honest answer of a command a later version fills in. */
    static int notYet(String command) {
        System.err.println(command + ": fatal: not implemented yet in Tern");
        return 1;
    }
}
