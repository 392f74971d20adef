package tern.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.time.ZoneId;

import tern.master.ControlClient;
import tern.queue.QueueId;
import tern.showq.Showq;


/**
 * Postqueue - postqueue(1): list the queue (-p, the mailq format; -j, one JSON object per
 * message) and ask the daemon to flush it (-f all deferred mail, -s SITE mail for one
 * destination, -i ID one message). Output and exit status are Postfix 3.7's; see
 * src/test/resources/tern/cli/ for the formats as pinned against the real program.
 *
 * Listing (tern.showq.Showq) reads the queue directly when this user may, so that it works while
 * the daemon is stopped; then it first warns, as Postfix does, that the mail system is down. Any
 * other user gets the listing from the daemon (control request "showq"), as Postfix's postqueue
 * gets it from the showq service, and with the daemon down only "Queue report unavailable - mail
 * system is down". Flushing needs the
 * daemon: control requests "flush", "flush site SITE", "flush id ID" (see Master), answered by the
 * queue manager.
 *
 * Exit status: 0, or 69 (EX_UNAVAILABLE) for a usage error, a daemon that is down or refuses.
 */
public final class Postqueue {
    static final int EX_UNAVAILABLE = 69;
    private static final String USAGE =
            "usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site";

    private Postqueue() {
    }

    public static int run(String[] args) {
        String configDir = null;
        char mode = 0;
        String modeArg = null;
        boolean tooMany = false;
        Getopt g = new Getopt(args, "c:fi:jps:v");
        for (char c = g.next(); c != Getopt.END; c = g.next()) {
            switch (c) {
                case 'c' -> configDir = g.arg();
                case 'v' -> {
                }
                case 'f', 'i', 'j', 'p', 's' -> {
                    tooMany |= mode != 0;
                    mode = c;
                    modeArg = g.arg();
                }
                default -> {
                    System.err.println("postqueue: " + g.error());
                    return usage(configDir);
                }
            }
        }
        if (mode == 0 || tooMany || g.rest().length > 0) {
            return usage(configDir);
        }
        Tool t;
        try {
            t = Tool.open("postqueue", configDir);
        } catch (Tool.Unusable e) {
            System.err.println("postqueue: fatal: " + e.getMessage());
            return 1;
        }
        try {
            return switch (mode) {
                case 'p' -> list(t, false, System.out);
                case 'j' -> list(t, true, System.out);
                case 'f' -> flush(t, "flush");
                case 's' -> flush(t, "flush site " + modeArg);
                default -> flushId(t, modeArg);
            };
        } finally {
            t.close();
        }
    }

    private static int usage(String configDir) {
        System.err.println("postqueue: fatal: " + USAGE);
        try {
            Tool t = Tool.open("postqueue", configDir);
            t.log.fatal(USAGE);
            t.close();
        } catch (Tool.Unusable e) {
            // no maillog to tell
        }
        return EX_UNAVAILABLE;
    }

    /**
     * list - the queue in the mailq format or as JSON lines; also sendmail -bp and mailq. A user
     * who may read the queue (root, the mail system's owner) reads it here, daemon or not; any
     * other user asks the daemon, which answers with the same text, and finds nothing to list
     * while the mail system is down.
     */
    static int list(Tool t, boolean json, PrintStream out) {
        if (!Showq.readable(t.queue)) {
            return listByDaemon(t, json, out);
        }
        if (!t.daemonRunning()) {
            t.warning("Mail system is down -- accessing queue directly (Connect to the Postfix showq service: "
                    + t.whyDown() + ")");
        }
        try {
            Showq.report(t.queue, json, ZoneId.systemDefault(), t.log, out);
        } catch (AccessDeniedException e) {
            out.flush();
            return t.fatal(EX_UNAVAILABLE, "scan_dir_push: open directory " + t.queue.root().relativize(
                    java.nio.file.Path.of(e.getFile())) + ": Permission denied");
        } catch (IOException e) {
            out.flush();
            return t.fatal(EX_UNAVAILABLE, "queue listing: " + e.getMessage());
        }
        out.flush();
        return 0;
    }

    /** listByDaemon - the listing from the daemon's showq request, in this user's time zone. */
    private static int listByDaemon(Tool t, boolean json, PrintStream out) {
        String end;
        try {
            end = ControlClient.showq(t.controlSocket(), (json ? "-j " : "-p ") + ZoneId.systemDefault().getId(), out);
        } catch (IOException e) {
            String why = e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : t.whyDown();
            return t.fatal(EX_UNAVAILABLE, "Queue report unavailable - mail system is down (Connect to the Postfix showq service: "
                    + why + ")");
        }
        out.flush();
        if (!end.equals("ok")) {
            return t.fatal(EX_UNAVAILABLE, end.replaceFirst("^error ?", ""));
        }
        return 0;
    }

    /** flush - ask the daemon for a flush; the daemon says whether it could. */
    static int flush(Tool t, String request) {
        if (!t.daemonRunning()) {
            return t.fatal(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
        }
        try {
            String r = t.request(request);
            if (r.startsWith("ok")) {
                return 0;
            }
            return t.fatal(EX_UNAVAILABLE, r.replaceFirst("^error ?", ""));
        } catch (IOException e) {
            return t.fatal(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
        }
    }

    private static int flushId(Tool t, String id) {
        if (!Tool.idOk(id)) {
            return t.fatal(EX_UNAVAILABLE, "Cannot flush queue ID - invalid name: \"" + id + "\"");
        }
        if (!t.daemonRunning()) {
            t.warning("connect to public/flush: " + t.whyDown());
            return t.fatal(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
        }
        if (!QueueId.isValid(id)) {
            return 0; // no such message can exist; Postfix's flush server says nothing either
        }
        try {
            String r = t.request("flush id " + id);
            if (r.startsWith("ok") || r.endsWith("no such deferred message")) {
                return 0; // as Postfix: asking for a message that is not deferred is no error
            }
            return t.fatal(EX_UNAVAILABLE, r.replaceFirst("^error ?", ""));
        } catch (IOException e) {
            return t.fatal(EX_UNAVAILABLE, "Cannot flush mail queue - mail system is down");
        }
    }
}
