package tern.config;

import java.util.List;
import java.util.Map;

/**
 * Service - one master.cf entry, its eight columns as written ("-" kept as "-"), the command's
 * arguments other than -o, and its -o overrides in order.
 *
 * @param name      service name ("smtp", "submission", "127.0.0.1:2525", "mailman")
 * @param type      inet, unix, unix-dgram, fifo or pass
 * @param privateCol "y", "n" or "-"
 * @param unprivCol  "y", "n" or "-"
 * @param chrootCol  "y", "n" or "-"
 * @param wakeup     "-" or a time, possibly with "?"
 * @param maxproc    "-" or a number
 * @param command   the command name (smtpd, smtp, pipe, local, ...)
 * @param args      the command's remaining arguments (e.g. pipe's "flags=FR", "user=list", "argv=...")
 * @param overrides -o name=value pairs, unexpanded
 * @param lineNumber the line of master.cf where the entry starts
 */
public record Service(String name, String type, String privateCol, String unprivCol, String chrootCol,
                      String wakeup, String maxproc, String command, List<String> args,
                      Map<String, String> overrides, int lineNumber) {

    /** key - "name/type", the form postconf -M and Postfix's messages use. */
    public String key() {
        return name + "/" + type;
    }
}
