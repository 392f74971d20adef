package tern.delivery;

import tern.cleanup.CleanupService;
import tern.config.Config;
import tern.config.Service;
import tern.log.Logger;

/**
 * DeliveryContext - what the daemon gives a delivery agent when it builds it for one transport
 * service under one configuration snapshot.
 *
 * @param config  the transport service's view: main.cf plus its master.cf -o overrides
 * @param service the master.cf entry (pipe reads flags=, user=, argv= from its arguments)
 * @param log     "syslog_name/COMMAND[pid]" lines ("postfix/smtp", "postfix/local")
 * @param cleanup for agents that make new messages (local forwarding to other addresses)
 */
public record DeliveryContext(Config config, Service service, Logger log, CleanupService cleanup) {
}
