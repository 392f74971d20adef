package tern.smtpd;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

import tern.cleanup.CleanupService;
import tern.config.Config;
import tern.log.Logger;
import tern.tables.MatchList;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * SmtpServer - the ESMTP server of one smtpd service, as Postfix's smtpd(8): built once per
 * configuration snapshot from an {@link SmtpdContext}, then {@link #serve} runs one whole session per
 * accepted connection on the caller's (virtual) thread. Sessions share only what this object holds:
 * settings, the compiled restrictions, the per-client connection counts and the write watchdog.
 *
 * It does not listen: the daemon accepts connections and calls serve (and keeps the process limit).
 * sendmail -bs runs one session over its standard input and output on a {@link #standAlone} server.
 *
 * Failure: the constructor throws IllegalArgumentException for a configuration Postfix's smtpd would
 * refuse to start with (an unsupported lookup table type; relay restrictions that let everything
 * through), with Postfix's wording as the message. serve never throws.
 */
public final class SmtpServer {
    /** How long a reverse lookup of the client may take before the client is "unknown". */
    private static final Duration NAME_LOOKUP_LIMIT = Duration.ofSeconds(10);

    private final SmtpdContext context;
    private final Settings settings;
    private final Checks checks;
    private final ConnectionCounter connections;
    private final ClientNames clientNames;
    private final MatchList limitExceptions;
    private final MatchList bareNewlineExclusions;
    private final WriteDeadlines deadlines = new WriteDeadlines();

    public SmtpServer(SmtpdContext context) {
        this.context = context;
        this.settings = Settings.of(context.config(), context.service() == null ? "smtp" : context.service().name());
        TableOpener opener = context.tables() != null ? context.tables()
                : TableOpener.fromConfig(context.config(), context.log()::warning);
        try {
            this.checks = new Checks(settings, context.config(), context.log(), opener, context.recipients());
            this.limitExceptions = MatchList.hosts("smtpd_client_event_limit_exceptions",
                    context.config().get("smtpd_client_event_limit_exceptions"), opener);
            this.bareNewlineExclusions = MatchList.hosts("smtpd_forbid_bare_newline_exclusions",
                    context.config().get("smtpd_forbid_bare_newline_exclusions"), opener);
        } catch (TableException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        this.connections = context.connections() != null ? context.connections() : new ConnectionCounter();
        this.clientNames = context.clientNames() != null ? context.clientNames() : ClientNames.system(NAME_LOOKUP_LIMIT);
    }

    /**
     * SmtpServer - the stand-alone server of sendmail -bs: no restrictions (none apply to a local
     * user's submission, as in Postfix), so no tables are opened and no daemon state is needed.
     */
    private SmtpServer(Config config, Logger log, CleanupService cleanup) {
        this.context = new SmtpdContext(config, null, log, cleanup);
        this.settings = Settings.of(config, "sendmail");
        this.checks = null;
        this.limitExceptions = null;
        this.bareNewlineExclusions = null;
        this.connections = null;
        this.clientNames = null;
    }

    /**
     * standAlone - the server for one session over standard input and output, as Postfix's sendmail
     * -bs runs smtpd: the client is "localhost[127.0.0.1]"; the smtpd_*_restrictions, relay control,
     * recipient validation, pipelining and bare-newline checks do not apply (a local user may submit
     * anything sendmail takes); ETRN is refused; smtpd_helo_required, disable_vrfy_command, the size
     * and error limits do. Mail goes to the given cleanup (sendmail's writes maildrop files).
     */
    public static SmtpServer standAlone(Config config, Logger log, CleanupService cleanup) {
        return new SmtpServer(config, log, cleanup);
    }

    /** serve - one whole SMTP session on the calling (virtual) thread; closes the socket. */
    public void serve(Socket socket) {
        new SmtpSession(this, socket, null, null).run();
    }

    /**
     * serve - one whole session over a pair of streams (sendmail -bs: standard input and output),
     * until QUIT or the end of the input; the streams are left open. smtpd_timeout applies when a
     * read of in throws SocketTimeoutException (a plain stream never does: give it one that can).
     */
    public void serve(InputStream in, OutputStream out) {
        new SmtpSession(this, null, in, out).run();
    }

    /** standAlone - whether this server runs sendmail -bs sessions (see {@link #standAlone(Config, Logger, CleanupService)}). */
    boolean isStandAlone() {
        return checks == null;
    }

    Settings settings() {
        return settings;
    }

    Logger log() {
        return context.log();
    }

    CleanupService cleanup() {
        return context.cleanup();
    }

    EtrnService etrn() {
        return context.etrn();
    }

    Checks checks() {
        return checks;
    }

    ConnectionCounter connections() {
        return connections;
    }

    ClientNames clientNames() {
        return clientNames;
    }

    WriteDeadlines deadlines() {
        return deadlines;
    }

    /** exemptFromLimits - smtpd_client_event_limit_exceptions (by default $mynetworks). */
    boolean exemptFromLimits(String name, String address) {
        return matches(limitExceptions, name, address);
    }

    /** bareNewline - smtpd_forbid_bare_newline for this client (its exclusions are by default $mynetworks). */
    int bareNewline(String name, String address) {
        if (settings.bareNewline() == Settings.BARE_LF_ALLOWED || matches(bareNewlineExclusions, name, address)) {
            return Settings.BARE_LF_ALLOWED;
        }
        return settings.bareNewline();
    }

    private boolean matches(MatchList list, String name, String address) {
        if (list == null) {
            return false;
        }
        try {
            return list.matchesClient(name, address);
        } catch (TableException e) {
            context.log().warning(e.getMessage());
            return false;
        }
    }
}
