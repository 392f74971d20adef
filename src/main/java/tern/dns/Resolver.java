package tern.dns;

import java.io.IOException;
import java.net.IDN;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Resolver - DNS lookups for mail: MX, A/AAAA, TXT and PTR, through the name servers of
 * /etc/resolv.conf (see {@link ResolvConf}), with answers kept in a cache for as long as their
 * TTL says (negative answers for the SOA minimum, at most an hour; temporary failures are never
 * kept). Host name lookups can also consult /etc/hosts, as Postfix's smtp_host_lookup "native"
 * does; "localhost" and names under ".localhost" never go to DNS (RFC 6761).
 *
 * Every lookup returns a {@link DnsAnswer}: found, not found (NXDOMAIN), no data, a temporary
 * failure (timeouts after every server and attempt, SERVFAIL, REFUSED) or a permanent one (FORMERR,
 * NOTIMP, a name that is not a valid domain name). Nothing throws. CNAME chains are followed, to
 * a bounded depth.
 *
 * One instance is shared by every session and delivery of a configuration snapshot; it is
 * thread-safe and blocks only the calling (virtual) thread.
 */
public final class Resolver {
    private static final int MAX_CNAME_DEPTH = 8;
    private static final int MAX_CACHE = 20_000;
    private static final long MAX_TTL = 86_400;
    private static final long MAX_NEGATIVE_TTL = 3_600;

    private final ResolvConf conf;
    private final HostsFile hosts;
    private final List<SimpleResolver> servers;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Result result, long expiresNanos) {
    }

    /** Result - one query's outcome with the records of the asked type and the TTL to keep it for. */
    private record Result(DnsAnswer.Status status, List<Record> records, long ttlSeconds) {
    }

    public Resolver(ResolvConf conf, HostsFile hosts) {
        this.conf = conf;
        this.hosts = hosts;
        List<SimpleResolver> l = new ArrayList<>();
        for (InetSocketAddress a : conf.servers()) {
            SimpleResolver r = new SimpleResolver(a);
            r.setTimeout(conf.timeout());
            l.add(r);
        }
        this.servers = List.copyOf(l);
    }

    /** system - /etc/resolv.conf (or TERN_DNS_SERVERS, see ResolvConf) and /etc/hosts. */
    public static Resolver system() {
        return new Resolver(ResolvConf.system(), HostsFile.system());
    }

    public ResolvConf conf() {
        return conf;
    }

    /** mx - the MX records of domain, in the order received (the caller sorts and shuffles). */
    public DnsAnswer<Mx> mx(String domain) {
        Lookup q = lookup(domain, Type.MX);
        if (q.result.status() != DnsAnswer.Status.FOUND) {
            return DnsAnswer.of(q.result.status(), q.display, "MX");
        }
        List<Mx> out = new ArrayList<>();
        for (Record r : q.result.records()) {
            MXRecord mx = (MXRecord) r;
            out.add(new Mx(mx.getPriority(), bare(mx.getTarget())));
        }
        return DnsAnswer.found(out, q.display, "MX");
    }

    /** a - the IPv4 addresses of host (DNS only). */
    public DnsAnswer<InetAddress> a(String host) {
        return addressLookup(host, Type.A, "A");
    }

    /** aaaa - the IPv6 addresses of host (DNS only). */
    public DnsAnswer<InetAddress> aaaa(String host) {
        return addressLookup(host, Type.AAAA, "AAAA");
    }

    /**
     * addresses - the A and/or AAAA records of host (DNS only), IPv4 first. Found when either type
     * is found; otherwise a temporary failure of either wins, then "not found".
     */
    public DnsAnswer<InetAddress> addresses(String host, boolean v4, boolean v6) {
        InetAddress literal = Addresses.parseNumeric(host);
        if (literal != null) {
            return DnsAnswer.found(List.of(literal), host, literal instanceof Inet4Address ? "A" : "AAAA");
        }
        DnsAnswer<InetAddress> four = v4 ? a(host) : null;
        DnsAnswer<InetAddress> six = v6 ? aaaa(host) : null;
        List<InetAddress> all = new ArrayList<>();
        if (four != null && four.found()) {
            all.addAll(four.records());
        }
        if (six != null && six.found()) {
            all.addAll(six.records());
        }
        if (!all.isEmpty()) {
            return DnsAnswer.found(all, host, four != null ? "A" : "AAAA");
        }
        DnsAnswer<InetAddress> first = four != null ? four : six;
        if (first == null) {
            return DnsAnswer.of(DnsAnswer.Status.NO_DATA, host, "A");
        }
        if (six != null && !first.temporary() && (six.temporary() || six.status() == DnsAnswer.Status.FAIL)) {
            return six;
        }
        return first;
    }

    /**
     * host - the addresses of a mail server host name the way Postfix's SMTP client finds them:
     * a numeric address stands for itself; with useDns, DNS A/AAAA (a temporary failure ends the
     * search); with useNative, /etc/hosts, then DNS when DNS was not already asked. "localhost"
     * comes from /etc/hosts or is the loopback addresses, never from DNS.
     */
    public DnsAnswer<InetAddress> host(String host, boolean useDns, boolean useNative, boolean v4, boolean v6) {
        InetAddress literal = Addresses.parseNumeric(host);
        if (literal != null) {
            if ((literal instanceof Inet4Address && !v4) || (literal instanceof Inet6Address && !v6)) {
                return DnsAnswer.of(DnsAnswer.Status.NO_DATA, host, literal instanceof Inet4Address ? "A" : "AAAA");
            }
            return DnsAnswer.found(List.of(literal), host, literal instanceof Inet4Address ? "A" : "AAAA");
        }
        String lower = host.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".")) {
            lower = lower.substring(0, lower.length() - 1);
        }
        if (lower.equals("localhost") || lower.endsWith(".localhost")) {
            List<InetAddress> l = filter(hosts.lookup(lower), v4, v6);
            if (l.isEmpty()) {
                List<InetAddress> loop = new ArrayList<>();
                if (v4) {
                    loop.add(Addresses.parseNumeric("127.0.0.1"));
                }
                if (v6) {
                    loop.add(Addresses.parseNumeric("::1"));
                }
                l = loop;
            }
            return l.isEmpty() ? DnsAnswer.of(DnsAnswer.Status.NO_DATA, host, "A") : DnsAnswer.found(l, host, "A");
        }
        DnsAnswer<InetAddress> dns = null;
        if (useDns) {
            dns = addresses(host, v4, v6);
            if (!dns.notFound()) {
                return dns;
            }
        }
        if (useNative) {
            List<InetAddress> l = filter(hosts.lookup(lower), v4, v6);
            if (!l.isEmpty()) {
                return DnsAnswer.found(l, host, "A");
            }
            if (dns == null) {
                dns = addresses(host, v4, v6);
            }
        }
        return dns != null ? dns : DnsAnswer.of(DnsAnswer.Status.NOT_FOUND, host, "A");
    }

    /** ptr - the names that addr maps back to (without final dots). */
    public DnsAnswer<String> ptr(InetAddress addr) {
        Name n = ReverseMap.fromAddress(addr);
        Lookup q = lookup(n, n.toString(), Type.PTR);
        if (q.result.status() != DnsAnswer.Status.FOUND) {
            return DnsAnswer.of(q.result.status(), q.display, "PTR");
        }
        List<String> out = new ArrayList<>();
        for (Record r : q.result.records()) {
            out.add(bare(((PTRRecord) r).getTarget()));
        }
        return DnsAnswer.found(out, q.display, "PTR");
    }

    /** txt - the TXT records of name, each with its character-strings joined. */
    public DnsAnswer<String> txt(String name) {
        Lookup q = lookup(name, Type.TXT);
        if (q.result.status() != DnsAnswer.Status.FOUND) {
            return DnsAnswer.of(q.result.status(), q.display, "TXT");
        }
        List<String> out = new ArrayList<>();
        for (Record r : q.result.records()) {
            StringBuilder sb = new StringBuilder();
            for (String s : ((TXTRecord) r).getStrings()) {
                sb.append(s);
            }
            out.add(sb.toString());
        }
        return DnsAnswer.found(out, q.display, "TXT");
    }

    private DnsAnswer<InetAddress> addressLookup(String host, int type, String typeName) {
        Lookup q = lookup(host, type);
        if (q.result.status() != DnsAnswer.Status.FOUND) {
            return DnsAnswer.of(q.result.status(), q.display, typeName);
        }
        List<InetAddress> out = new ArrayList<>();
        for (Record r : q.result.records()) {
            out.add(r instanceof ARecord a ? a.getAddress() : ((AAAARecord) r).getAddress());
        }
        return DnsAnswer.found(out, q.display, typeName);
    }

    private static List<InetAddress> filter(List<InetAddress> l, boolean v4, boolean v6) {
        List<InetAddress> out = new ArrayList<>();
        for (InetAddress a : l) {
            if ((a instanceof Inet4Address && v4) || (a instanceof Inet6Address && v6)) {
                out.add(a);
            }
        }
        return out;
    }

    private record Lookup(String display, Result result) {
    }

    private Lookup lookup(String name, int type) {
        String display = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        Name n;
        try {
            String ascii = IDN.toASCII(display, IDN.ALLOW_UNASSIGNED);
            if (ascii.isEmpty()) {
                throw new TextParseException("empty name");
            }
            n = Name.fromString(ascii, Name.root);
        } catch (TextParseException | IllegalArgumentException e) {
            return new Lookup(display, new Result(DnsAnswer.Status.FAIL, List.of(), 0));
        }
        return lookup(n, display, type);
    }

    private Lookup lookup(Name n, String display, int type) {
        return new Lookup(display, cached(n, type, 0));
    }

    private Result cached(Name n, int type, int depth) {
        String key = n.toString().toLowerCase(Locale.ROOT) + "/" + type;
        long now = System.nanoTime();
        Cached c = cache.get(key);
        if (c != null && now - c.expiresNanos() < 0) {
            return c.result();
        }
        Result r = query(n, type, depth);
        if (r.status() != DnsAnswer.Status.TRY_AGAIN && r.status() != DnsAnswer.Status.FAIL && r.ttlSeconds() > 0) {
            if (cache.size() >= MAX_CACHE) {
                cache.values().removeIf(old -> now - old.expiresNanos() >= 0);
                if (cache.size() >= MAX_CACHE) {
                    cache.clear();
                }
            }
            cache.put(key, new Cached(r, now + r.ttlSeconds() * 1_000_000_000L));
        } else {
            cache.remove(key);
        }
        return r;
    }

    private Result query(Name n, int type, int depth) {
        Message response = null;
        boolean temporary = false;
        for (int attempt = 0; attempt < conf.attempts() && response == null; attempt++) {
            for (SimpleResolver server : servers) {
                Message query = Message.newQuery(Record.newRecord(n, type, DClass.IN));
                Message m;
                try {
                    m = server.send(query);
                } catch (IOException | RuntimeException e) {
                    temporary = true; // timeout, network error: the next server or attempt may answer
                    continue;
                }
                int rcode = m.getRcode();
                if (rcode == Rcode.SERVFAIL || rcode == Rcode.REFUSED) {
                    temporary = true;
                    continue;
                }
                response = m;
                break;
            }
        }
        if (response == null) {
            return new Result(temporary ? DnsAnswer.Status.TRY_AGAIN : DnsAnswer.Status.FAIL, List.of(), 0);
        }
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            return new Result(DnsAnswer.Status.NOT_FOUND, List.of(), negativeTtl(response));
        }
        if (rcode != Rcode.NOERROR) {
            return new Result(DnsAnswer.Status.FAIL, List.of(), 0);
        }
        // Follow CNAMEs inside the answer; records of the asked type for the final name are the answer.
        List<Record> answer = response.getSection(Section.ANSWER);
        Name current = n;
        long ttl = MAX_TTL;
        for (int hop = 0; hop <= MAX_CNAME_DEPTH; hop++) {
            List<Record> found = new ArrayList<>();
            Name alias = null;
            for (Record r : answer) {
                if (!r.getName().equals(current)) {
                    continue;
                }
                if (r.getType() == type) {
                    found.add(r);
                } else if (r.getType() == Type.CNAME && alias == null) {
                    alias = ((CNAMERecord) r).getTarget();
                    ttl = Math.min(ttl, r.getTTL());
                }
            }
            if (!found.isEmpty()) {
                for (Record r : found) {
                    ttl = Math.min(ttl, r.getTTL());
                }
                return new Result(DnsAnswer.Status.FOUND, List.copyOf(found), ttl);
            }
            if (alias == null) {
                break;
            }
            current = alias;
        }
        if (!current.equals(n)) {
            if (depth >= MAX_CNAME_DEPTH) {
                return new Result(DnsAnswer.Status.FAIL, List.of(), 0);
            }
            // the server gave the alias but not its records: ask for the alias itself
            Result r = cached(current, type, depth + 1);
            return new Result(r.status(), r.records(), Math.min(r.ttlSeconds(), ttl));
        }
        return new Result(DnsAnswer.Status.NO_DATA, List.of(), negativeTtl(response));
    }

    private static long negativeTtl(Message m) {
        for (Record r : m.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(MAX_NEGATIVE_TTL, Math.min(soa.getTTL(), soa.getMinimum()));
            }
        }
        return 0;
    }

    private static String bare(Name n) {
        String s = n.toString();
        return s.endsWith(".") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
    }
}
