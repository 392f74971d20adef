package tern.cli;

import java.util.Arrays;

/**
 * Main - the entry point of every command in bin/: the launcher passes the name it was called by
 * (postconf, postfix, sendmail, ...) and that command's arguments. Dispatch is a plain switch so
 * that a CLI start loads only the classes of the command it runs. Each command is one class with
 * {@code static int run(String[] args)} returning the exit status.
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
        int status = run(command, Arrays.copyOfRange(argv, 1, argv.length));
        System.out.flush();
        if (status != 0) {
            System.exit(status);
        }
        // Status 0: return normally. System.exit() would also start the JDK's logging framework
        // (it logs Runtime.exit), which costs a CLI a noticeable part of its start-up time. So a
        // command must not leave a non-daemon thread running when it returns.
    }

    /** run - one command by name; the exit status. Training calls it too, so that it is in the AOT cache. */
    static int run(String command, String[] args) {
        int status;
        try {
            status = switch (command) {
                case "postfix" -> Postfix.run(args);
                case "postconf" -> Postconf.run(args);
                case "postmap" -> Postmap.run(args);
                case "postalias" -> Postalias.run(args);
                case "newaliases" -> Newaliases.run(args);
                case "postqueue" -> Postqueue.run(args);
                case "mailq" -> Mailq.run(args);
                case "postsuper" -> Postsuper.run(args);
                case "postcat" -> Postcat.run(args);
                case "qshape" -> Qshape.run(args);
                case "sendmail" -> Sendmail.run(args);
                default -> {
                    System.err.println("tern: unknown command: " + command);
                    yield 1;
                }
            };
        } catch (RuntimeException | Error e) {
            // A bug, not a user error: say so in one line, as Postfix's "panic:" would, and still exit non-zero.
            System.err.println(command + ": panic: " + e);
            status = 1;
        }
        return status;
    }

    /** notYet - the honest answer of a command a later version fills in. */
    static int notYet(String command) {
        System.err.println(command + ": fatal: not implemented yet in Tern");
        return 1;
    }
}
