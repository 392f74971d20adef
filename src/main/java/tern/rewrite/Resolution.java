package tern.rewrite;

/**
 * Resolution - where one recipient goes, as the resolve step of trivial-rewrite(8) answers:
 * the master.cf transport, the next hop (its meaning is the transport's: a domain or [host]:port
 * for smtp, the reason text for error/retry/discard, the recipient domain for virtual), the
 * recipient as the delivery agent should see it, and the address class the domain fell in.
 *
 * @param transport    master.cf service name ("smtp", "local", "error", ...)
 * @param nexthop      transport-specific next hop, may be ""
 * @param recipient    the recipient to deliver to
 * @param addressClass the class of the recipient's domain (before transport_maps)
 */
public record Resolution(String transport, String nexthop, String recipient, AddressClass addressClass) {
}
