package tern.smtpd;

import tern.cleanup.CleanupService;
import tern.config.Config;
import tern.config.Service;
import tern.log.Logger;

/**
 * SmtpdContext - what one smtpd service (one inet entry of master.cf) gets from the daemon, fixed for
 * the life of one configuration snapshot. A reload builds a new context for new connections;
 * sessions in progress keep the one they started with.
 *
 * @param config  the service's view of the configuration: main.cf plus its master.cf -o overrides
 * @param service the master.cf entry ("smtp inet ... smtpd", "submission inet ... smtpd -o ...")
 * @param log     lines as "syslog_name/smtpd[pid]: ..."
 * @param cleanup where accepted mail goes (cleanup writes the queue file)
 */
public record SmtpdContext(Config config, Service service, Logger log, CleanupService cleanup) {
}
