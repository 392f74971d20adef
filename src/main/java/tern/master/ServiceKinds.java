package tern.master;

import java.util.Map;

/**
 * ServiceKinds - the one place that says what Tern does with each master.cf command.
 *
 * Postfix runs one program per service; Tern runs most of them inside the daemon. A stock Debian
 * master.cf names programs that Tern needs no process for (tlsmgr, anvil, scache, ...): they are
 * accepted as BUILT_IN, so that such a master.cf starts unchanged. Commands that deliver mail are
 * TRANSPORT: their service names (smtp, relay, local, mailman, ...) are usable as transports.
 * A command Tern does not have is UNSUPPORTED: the daemon logs a warning and does not run it.
 */
public final class ServiceKinds {
    /** What the daemon does with a service. */
    public enum Kind {
        /** An SMTP server on an inet socket. */
        SMTPD,
        /** Local submission: moves maildrop files through cleanup. */
        PICKUP,
        /** The queue manager. */
        QMGR,
        /** A delivery agent, usable by its service name in transport_maps and *_transport. */
        TRANSPORT,
        /** Done inside the daemon without a service of its own; nothing to start. */
        BUILT_IN,
        /** Not implemented by Tern. */
        UNSUPPORTED
    }

    private static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("smtpd", Kind.SMTPD),
            Map.entry("pickup", Kind.PICKUP),
            Map.entry("qmgr", Kind.QMGR),
            Map.entry("oqmgr", Kind.QMGR),
            Map.entry("smtp", Kind.TRANSPORT),
            Map.entry("lmtp", Kind.TRANSPORT),
            Map.entry("local", Kind.TRANSPORT),
            Map.entry("virtual", Kind.TRANSPORT),
            Map.entry("pipe", Kind.TRANSPORT),
            Map.entry("error", Kind.TRANSPORT),
            Map.entry("discard", Kind.TRANSPORT),
            Map.entry("retry", Kind.TRANSPORT),
            // Postfix's helpers that Tern's single daemon does not need as services
            Map.entry("cleanup", Kind.BUILT_IN),       // in-process, called by smtpd/pickup/bounce
            Map.entry("trivial-rewrite", Kind.BUILT_IN), // the rewrite package, called directly
            Map.entry("bounce", Kind.BUILT_IN),        // bounce, defer and trace services
            Map.entry("tlsmgr", Kind.BUILT_IN),
            Map.entry("anvil", Kind.BUILT_IN),         // client connection counts live in smtpd
            Map.entry("scache", Kind.BUILT_IN),        // the smtp client keeps its own connection cache
            Map.entry("proxymap", Kind.BUILT_IN),      // tables are opened in-process
            Map.entry("postlogd", Kind.BUILT_IN),      // the daemon writes maillog_file itself
            Map.entry("showq", Kind.BUILT_IN),         // mailq reads the queue directly
            Map.entry("flush", Kind.BUILT_IN));        // flush requests go over the control socket

    private ServiceKinds() {
    }

    /** notStarted - the warning about a service that Tern does not run (UNSUPPORTED). */
    public static String notStarted(tern.config.Service s) {
        if (KINDS.get(s.command()) == Kind.SMTPD) {
            return "master.cf: service " + s.key() + ": smtpd on a " + s.type()
                    + " socket is not implemented by Tern; service not started";
        }
        return "master.cf: service " + s.key() + ": command " + s.command()
                + " is not implemented by Tern; service not started";
    }

    /**
     * kindOf - what the daemon does with a master.cf service: by its command, except that smtpd runs
     * only on inet sockets (a "pass" entry behind postscreen, or smtpd on a unix socket, is not run).
     */
    public static Kind kindOf(tern.config.Service s) {
        Kind k = kindOf(s.command());
        return k == Kind.SMTPD && !s.type().equals("inet") ? Kind.UNSUPPORTED : k;
    }

    /** kindOf - what the daemon does with a master.cf command name. */
    public static Kind kindOf(String command) {
        Kind k = KINDS.get(command);
        return k == null ? Kind.UNSUPPORTED : k;
    }
}
