package tern.rewrite;

import java.io.IOException;

/**
 * Resolver - the resolve step: recipient address to (transport, nexthop, recipient). The queue
 * manager calls it for every recipient it schedules. A lookup table that cannot answer makes it
 * throw IOException, and the recipient is deferred ("address resolver failure"), never bounced.
 */
@FunctionalInterface
public interface Resolver {
    Resolution resolve(String recipient) throws IOException;
}
