package tern.delivery.smtp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import tern.dns.DnsAnswer;
import tern.dns.Mx;
import tern.dns.Resolver;

/**
 * Router - turns one destination into the ordered list of server addresses to try, as Postfix's
 * smtp_addr does: MX lookup sorted by preference, addresses of each exchanger, equal-preference
 * entries shuffled, families ordered by smtp_address_preference (and interleaved when
 * smtp_balance_inet_protocols), the list cut where this mail system itself appears (mail loop
 * detection); without MX records, or for [host], the host's own addresses.
 *
 * Failures come back as a {@link Why} with Postfix's status and text: "Host or domain name not
 * found. Name service error for name=X type=A: Host not found" (5.4.4), "... try again" (4.4.3),
 * "mail for X loops back to myself" (5.4.6), "unable to find primary relay for X" (4.4.4).
 */
final class Router {
    private final SmtpParams params;
    private final Resolver dns;
    private final SelfAddresses self;
    private final Random random;

    /** Route - the servers to try, or why there are none; iAmMx when this system is an MX host. */
    record Route(List<Target> targets, Why why, boolean iAmMx) {
        boolean loops() {
            return why != null && why.dsn().equals("5.4.6");
        }
    }

    Router(SmtpParams params, Resolver dns, SelfAddresses self, Random random) {
        this.params = params;
        this.dns = dns;
        this.self = self;
        this.random = random;
    }

    Route route(Destination d) {
        boolean loopDetect = !params.lmtp();
        if (!d.mx()) {
            return hostRoute(d.host(), d.port(), loopDetect);
        }
        DnsAnswer<Mx> mx = dns.mx(d.host());
        switch (mx.status()) {
            case FOUND -> {
                return mxRoute(d, mx.records(), loopDetect);
            }
            case NOT_FOUND, NO_DATA -> {
                return hostRoute(d.host(), d.port(), loopDetect);
            }
            case TRY_AGAIN -> {
                if (params.ignoreMxLookupError()) {
                    return hostRoute(d.host(), d.port(), loopDetect);
                }
                return new Route(List.of(), new Why("4.4.3", notFound(mx)), false);
            }
            default -> {
                if (params.ignoreMxLookupError()) {
                    return hostRoute(d.host(), d.port(), loopDetect);
                }
                return new Route(List.of(), new Why("5.4.3", notFound(mx)), false);
            }
        }
    }

    private static String notFound(DnsAnswer<?> a) {
        return "Host or domain name not found. " + a.error();
    }

    private Route hostRoute(String host, int port, boolean loopDetect) {
        DnsAnswer<InetAddress> a = dns.host(host, params.hostLookupDns(), params.hostLookupNative(), params.v4(),
                params.v6());
        if (!a.found()) {
            return new Route(List.of(), hostFailure(a, false), false);
        }
        List<Target> l = new ArrayList<>();
        for (InetAddress addr : a.records()) {
            l.add(new Target(host, addr, port, 0));
        }
        if (loopDetect) {
            for (Target t : l) {
                if (self.isSelf(t.addr(), port)) {
                    return new Route(List.of(), new Why("5.4.6", "mail for " + host + " loops back to myself"), false);
                }
            }
        }
        if (l.size() > 1) {
            if (params.randomizeAddresses()) {
                Collections.shuffle(l, random);
            }
            l = order(l);
        }
        return new Route(List.copyOf(l), null, false);
    }

    private static Why hostFailure(DnsAnswer<?> a, boolean soft) {
        String dsn = switch (a.status()) {
            case TRY_AGAIN -> "4.4.3";
            case FAIL -> soft ? "4.4.3" : "5.4.3";
            default -> soft ? "4.4.4" : "5.4.4";
        };
        return new Why(dsn, notFound(a));
    }

    private Route mxRoute(Destination d, List<Mx> records, boolean loopDetect) {
        List<Mx> mxs = new ArrayList<>(records);
        mxs.sort(Comparator.comparingInt(Mx::preference));
        int bestPref = mxs.get(0).preference();
        List<Target> all = new ArrayList<>();
        Why why = null;
        for (Mx mx : mxs) {
            String host = mx.host();
            if (host.isEmpty() || host.equals(".")) {
                continue; // a "null MX" (RFC 7505) names no server
            }
            DnsAnswer<InetAddress> a = dns.host(host, params.hostLookupDns(), params.hostLookupNative(), params.v4(),
                    params.v6());
            if (!a.found()) {
                // a temporary failure dominates earlier and later permanent ones
                if (why == null || !why.soft()) {
                    why = hostFailure(a, why != null && why.soft());
                }
                continue;
            }
            for (InetAddress addr : a.records()) {
                all.add(new Target(host, addr, d.port(), mx.preference()));
            }
        }
        if (all.isEmpty()) {
            if (why == null) {
                why = new Why("5.4.4", "Host or domain name not found. Name service error for name=" + d.host()
                        + " type=MX: Host found but no data record of requested type");
            }
            if (params.deferIfNoMxAddress() && !why.soft()) {
                why = why.soft("4" + why.dsn().substring(1));
            }
            return new Route(List.of(), why, false);
        }
        boolean iAmMx = false;
        if (loopDetect) {
            Target me = null;
            for (Target t : all) {
                if (self.isSelf(t.addr(), t.port())) {
                    me = t;
                    break;
                }
            }
            if (me != null) {
                iAmMx = true;
                int bestFound = all.get(0).pref();
                List<Target> better = new ArrayList<>();
                for (Target t : all) {
                    if (t.pref() < me.pref()) {
                        better.add(t);
                    }
                }
                if (better.isEmpty()) {
                    Why loop = bestPref != bestFound
                            ? new Why("4.4.4", "unable to find primary relay for " + d.host())
                            : new Why("5.4.6", "mail for " + d.host() + " loops back to myself");
                    return new Route(List.of(), loop, true);
                }
                all = better;
            }
        }
        if (all.size() > 1 && params.randomizeAddresses()) {
            Collections.shuffle(all, random);
        }
        all.sort(Comparator.comparingInt(Target::pref)); // stable: shuffled within each preference
        return new Route(List.copyOf(order(all)), null, iAmMx);
    }

    /**
     * order - within each preference, put the preferred address family first, or (for "any" with
     * smtp_balance_inet_protocols) alternate the families so both are tried within the limits.
     */
    private List<Target> order(List<Target> l) {
        if (!(params.v4() && params.v6())) {
            return l;
        }
        List<Target> out = new ArrayList<>(l.size());
        int i = 0;
        while (i < l.size()) {
            int j = i;
            while (j < l.size() && l.get(j).pref() == l.get(i).pref()) {
                j++;
            }
            List<Target> four = new ArrayList<>();
            List<Target> six = new ArrayList<>();
            for (Target t : l.subList(i, j)) {
                (t.addr() instanceof Inet4Address ? four : six).add(t);
            }
            String pref = params.addressPreference();
            if (pref.equals("ipv4")) {
                out.addAll(four);
                out.addAll(six);
            } else if (pref.equals("ipv6")) {
                out.addAll(six);
                out.addAll(four);
            } else if (params.balanceProtocols() && !four.isEmpty() && !six.isEmpty()) {
                boolean fourFirst = l.get(i).addr() instanceof Inet4Address;
                List<Target> a = fourFirst ? four : six;
                List<Target> b = fourFirst ? six : four;
                for (int k = 0; k < Math.max(a.size(), b.size()); k++) {
                    if (k < a.size()) {
                        out.add(a.get(k));
                    }
                    if (k < b.size()) {
                        out.add(b.get(k));
                    }
                }
            } else {
                out.addAll(l.subList(i, j));
            }
            i = j;
        }
        return out;
    }
}
