package tern.smtpd;

import tern.cleanup.CleanupService;
import tern.config.Config;
import tern.config.Service;
import tern.log.Logger;
import tern.tables.TableOpener;

/**
 * SmtpdContext - what one smtpd service (one inet entry of master.cf) gets from the daemon, fixed for
 * the life of one configuration snapshot. A reload builds a new context for new connections;
 * sessions in progress keep the one they started with.
 *
 * The last five fields are hooks and shared state that the daemon wires; each may be null, and then
 * smtpd uses the stand-alone behaviour named below.
 *
 * @param config          the service's view of the configuration: main.cf plus its master.cf -o overrides
 * @param service         the master.cf entry ("smtp inet ... smtpd", "submission inet ... smtpd -o ...")
 * @param log             lines as "syslog_name/smtpd[pid]: ..."
 * @param cleanup         where accepted mail goes (cleanup writes the queue file)
 * @param recipients      reject_unlisted_recipient: whether the mail system knows a recipient
 *                        (null: every recipient is known, as with empty *_recipient_maps)
 * @param etrn            the queue flush behind ETRN (null: every ETRN gets "250 Queuing started")
 * @param clientNames     reverse lookup of client addresses (null: the system resolver, see
 *                        {@link ClientNames#system})
 * @param connections     per-client connection counts for smtpd_client_connection_count_limit; give the
 *                        same instance to the contexts of one service across reloads (null: a counter
 *                        private to the {@link SmtpServer} built from this context)
 * @param tables          opens the type:table lookups of access restrictions and match lists; share one
 *                        per daemon (null: one private to the server, warnings to log)
 */
public record SmtpdContext(Config config, Service service, Logger log, CleanupService cleanup,
                           RecipientValidation recipients, EtrnService etrn, ClientNames clientNames,
                           ConnectionCounter connections, TableOpener tables) {

    /** SmtpdContext - the contract's first form: every hook takes its stand-alone behaviour. */
    public SmtpdContext(Config config, Service service, Logger log, CleanupService cleanup) {
        this(config, service, log, cleanup, null, null, null, null, null);
    }
}
