package tern.qmgr;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import tern.bounce.Bounce;
import tern.rewrite.Resolver;

/**
 * Routing - what the queue manager works with under one configuration snapshot: its settings, the
 * resolve step, the transports of master.cf, and the bounce service. A reload hands the queue
 * manager a new Routing; messages already in the active queue finish with the one they started
 * with (and its concurrency limits), new ones take the new one.
 *
 * @param settings   main.cf values
 * @param resolver   recipient to (transport, nexthop, recipient)
 * @param transports master.cf delivery services by name
 * @param bounce     where non-delivery, delay and success notices are made
 */
public record Routing(QmgrSettings settings, Resolver resolver, Map<String, Transport> transports, Bounce bounce) {

    public Routing {
        Map<String, Transport> byName = new HashMap<>();
        for (Map.Entry<String, Transport> e : transports.entrySet()) {
            byName.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
        }
        transports = Map.copyOf(byName);
    }

    /** transport - the transport with this name (any case), or null when master.cf has none. */
    public Transport transport(String name) {
        return transports.get(name.toLowerCase(Locale.ROOT));
    }
}
