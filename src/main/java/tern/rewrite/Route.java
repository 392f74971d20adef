package tern.rewrite;

/**
 * Route - a "transport:nexthop" value (local_transport, default_transport, a transport_maps
 * result). Either part may be empty: an empty part means "keep the default" (transport(5)).
 *
 * @param transport the master.cf service name, "" when not given
 * @param nexthop   the next hop, "" when not given
 */
record Route(String transport, String nexthop) {

    /** parse - "smtp:[relay.example]:587" is (smtp, [relay.example]:587); "smtp" is (smtp, ""). */
    static Route parse(String value) {
        String v = value == null ? "" : value.strip();
        int colon = v.indexOf(':');
        if (colon < 0) {
            return new Route(v, "");
        }
        return new Route(v.substring(0, colon).strip(), v.substring(colon + 1).strip());
    }
}
