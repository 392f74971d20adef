package tern.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Service - one master.cf entry: its eight columns as written ("-" kept as "-"), the command's
 * arguments other than -o, its -o overrides in order, and the command line as master(5) tokens.
 *
 * @param name        service name ("smtp", "submission", "127.0.0.1:2525", "mailman")
 * @param type        inet, unix, unix-dgram, fifo or pass
 * @param privateCol  "y", "n" or "-"
 * @param unprivCol   "y", "n" or "-"
 * @param chrootCol   "y", "n" or "-"
 * @param wakeup      "-" or a time, possibly with "?"
 * @param maxproc     "-" or a number
 * @param command     the command name (smtpd, smtp, pipe, local, ...)
 * @param args        the command's remaining arguments other than -o (e.g. pipe's "flags=FR",
 *                    "user=list", "argv=..."); a "{ ... }" group is one argument without its braces
 * @param overrides   -o name=value pairs, unexpanded, in order
 * @param lineNumber  the line of master.cf where the entry starts
 * @param commandLine the command and every argument in file order, -o pairs as "-o", "name=value"
 */
public record Service(String name, String type, String privateCol, String unprivCol, String chrootCol,
                      String wakeup, String maxproc, String command, List<String> args,
                      Map<String, String> overrides, int lineNumber, List<String> commandLine) {

    /** Service - an entry without a recorded command line: -o settings first, then the arguments. */
    public Service(String name, String type, String privateCol, String unprivCol, String chrootCol,
                   String wakeup, String maxproc, String command, List<String> args,
                   Map<String, String> overrides, int lineNumber) {
        this(name, type, privateCol, unprivCol, chrootCol, wakeup, maxproc, command, args, overrides, lineNumber,
                defaultCommandLine(command, args, overrides));
    }

    private static List<String> defaultCommandLine(String command, List<String> args, Map<String, String> overrides) {
        List<String> l = new ArrayList<>();
        l.add(command);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            l.add("-o");
            l.add(e.getKey() + "=" + e.getValue());
        }
        l.addAll(args);
        return List.copyOf(l);
    }

    /** key - "name/type", the form postconf -M and Postfix's messages use. */
    public String key() {
        return name + "/" + type;
    }
}
