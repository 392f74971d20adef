package tern.delivery.smtp;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

import tern.config.Config;
import tern.delivery.DeliveryAgent;
import tern.delivery.DeliveryContext;
import tern.delivery.DeliveryRequest;
import tern.delivery.RecipientResult;
import tern.delivery.ResultSink;
import tern.dns.Addresses;
import tern.dns.DnsAnswer;
import tern.dns.Resolver;
import tern.log.Logger;
import tern.queue.Recipient;

/**
 * SmtpAgent - the smtp(8) and lmtp(8) delivery agent: delivers one message to some of its
 * recipients at one next hop, over SMTP or LMTP, as Postfix's SMTP+LMTP client does.
 *
 * <h2>Where to</h2>
 * The next hop (see {@link Destination}) is resolved by {@link Router} to server addresses; the
 * client tries them in order until the recipients are done, within smtp_mx_address_limit addresses
 * and smtp_mx_session_limit sessions, then the smtp_fallback_relay destinations. A soft failure
 * (connect error, timeout, 4xx) at a server that is not the last one keeps the recipients for the
 * next server; at the last one it defers them; a 5xx bounces them at once.
 *
 * <h2>How</h2>
 * Greeting, EHLO (HELO when EHLO is refused; LHLO for LMTP), then MAIL FROM (SIZE, BODY, SMTPUTF8,
 * RET, ENVID when offered), RCPT TO (NOTIFY, ORCPT when DSN is offered) and DATA in one write when
 * the server offers PIPELINING, the content straight from the queue file, and ".". Each recipient's
 * outcome is reported as soon as it is known. A session that ends cleanly is kept open for the next
 * delivery to the same destination (smtp_connection_cache_*), and reused with an RSET probe that
 * travels in the same write as the next MAIL FROM.
 *
 * <h2>Failures</h2>
 * Failures are outcomes, in Postfix's words: "connect to host[addr]:port: Connection refused",
 * "host X said: 550 5.1.1 ... (in reply to RCPT TO command)", "lost connection with X while sending
 * message body", "conversation with X timed out while receiving the initial server greeting",
 * "message size N exceeds size limit L of server X", "mail for X loops back to myself". A recipient
 * is reported once: sent only after the server accepted the message for it; a connection lost
 * after "." but before its reply defers it (the message may then arrive twice, as in Postfix).
 *
 * The daemon builds one agent per master.cf service whose command is smtp or lmtp and calls
 * {@link #close} when the configuration is replaced. Thread-safe: deliveries run concurrently.
 */
public final class SmtpAgent implements DeliveryAgent, AutoCloseable {
    private static final int BATCH_BYTES = 16 * 1024;

    private final SmtpParams params;
    private final Logger log;
    private final Router router;
    private final Watchdog watchdog = new Watchdog();
    private final SessionCache cache;
    private final InetAddress bind4;
    private final InetAddress bind6;
    private final String serviceName;

    /**
     * SmtpAgent - an agent for one transport service.
     *
     * @param ctx       the service's context; its command (smtp or lmtp) selects the protocol and
     *                  the smtp_* or lmtp_* parameters
     * @param dns       the resolver shared by the daemon
     * @param listening the addresses and ports this instance listens on for SMTP (loop detection);
     *                  may be empty, then only inet_interfaces/proxy_interfaces on port 25 count
     */
    public SmtpAgent(DeliveryContext ctx, Resolver dns, List<InetSocketAddress> listening) {
        Config c = ctx.config();
        boolean lmtp = ctx.service() != null && ctx.service().command().equals("lmtp");
        this.params = SmtpParams.of(c, lmtp);
        this.log = ctx.log();
        this.serviceName = ctx.service() != null ? ctx.service().name() : params.command();
        this.router = new Router(params, dns, SelfAddresses.of(c, dns, listening), new Random());
        this.cache = new SessionCache(params.cacheTimeLimit(), watchdog);
        this.bind4 = bindAddress(params.bindAddress(), true, c, dns);
        this.bind6 = bindAddress(params.bindAddress6(), false, c, dns);
    }

    /**
     * bindAddress - smtp_bind_address(6) as an address; without one, the single non-loopback IPv4
     * address of inet_interfaces when there is exactly one (as Postfix's SMTP client does).
     */
    private InetAddress bindAddress(String text, boolean v4, Config c, Resolver dns) {
        if (!text.isEmpty()) {
            InetAddress a = Addresses.parseNumeric(text.startsWith("[") && text.endsWith("]")
                    ? text.substring(1, text.length() - 1) : text);
            if (a == null || (a instanceof Inet4Address) != v4) {
                log.warning("ignoring " + params.command() + "_bind_address" + (v4 ? "" : "6") + " = " + text
                        + ": not a numerical IPv" + (v4 ? "4" : "6") + " address");
                return null;
            }
            return a;
        }
        if (!v4 || params.lmtp()) {
            return null;
        }
        List<String> interfaces = c.lowerList("inet_interfaces");
        if (interfaces.size() != 1 || interfaces.get(0).equals("all") || interfaces.get(0).equals("loopback-only")) {
            return null;
        }
        DnsAnswer<InetAddress> a = dns.host(interfaces.get(0), false, true, true, false);
        if (a.found() && a.records().size() == 1 && !a.records().get(0).isLoopbackAddress()) {
            return a.records().get(0);
        }
        return null;
    }

    /** idleSessions - how many sessions wait in the connection cache (for tests and status). */
    public int idleSessions() {
        return cache.size();
    }

    @Override
    public void close() {
        cache.closeAll();
        watchdog.stop();
    }

    // ------------------------------------------------------------------------------------------
    // One delivery request

    /** Delivery - the state of one request: what is left to do and the last reason for failure. */
    private final class Delivery {
        final DeliveryRequest req;
        final ResultSink sink;
        final long startNanos = System.nanoTime();
        final List<Recipient> pending;
        final Set<String> triedEndpoints = new HashSet<>();
        FileChannel content;
        Why why;
        long setupMillis = -1;

        Delivery(DeliveryRequest req, ResultSink sink) {
            this.req = req;
            this.sink = sink;
            this.pending = new ArrayList<>(req.recipients());
        }

        String id() {
            return req.queueId();
        }

        void setupDone() {
            if (setupMillis < 0) {
                setupMillis = (System.nanoTime() - startNanos) / 1_000_000;
            }
        }

        void report(Recipient r, RecipientResult.Status status, String dsn, String relay, String text) {
            report(r, status, dsn, relay, text, false);
        }

        /** report - an outcome; dsnPassedOn when a server that announced DSN took the recipient (no success notice from us). */
        void report(Recipient r, RecipientResult.Status status, String dsn, String relay, String text,
                    boolean dsnPassedOn) {
            pending.remove(r);
            // before a session was set up, all the time so far was set-up time (the "c" of delays=)
            long setup = setupMillis >= 0 ? setupMillis : (System.nanoTime() - startNanos) / 1_000_000;
            sink.result(new RecipientResult(r, status, dsn, relay, text, setup, dsnPassedOn));
        }

        void fail(Recipient r, Why w, String relay) {
            report(r, w.soft() ? RecipientResult.Status.DEFERRED : RecipientResult.Status.BOUNCED, w.dsn(), relay,
                    w.text());
        }
    }

    @Override
    public void deliver(DeliveryRequest req, ResultSink sink) {
        Delivery d = new Delivery(req, sink);
        if (d.pending.isEmpty()) {
            return;
        }
        FileChannel content = null;
        try {
            content = req.channel();
            d.content = content;
            deliverAll(d);
        } catch (IOException e) {
            Why w = new Why("4.3.0", "mail system error: cannot read queue file: " + e.getMessage());
            for (Recipient r : List.copyOf(d.pending)) {
                d.fail(r, w, "none");
            }
            return;
        } catch (RuntimeException e) {
            log.warning(d.id() + ": " + params.command() + " delivery failed: " + e);
            Why w = new Why("4.3.0", "mail system error");
            for (Recipient r : List.copyOf(d.pending)) {
                d.fail(r, w, "none");
            }
            return;
        } finally {
            req.release(content);
        }
        // Whatever is left failed everywhere: report it with the last reason, as smtp_connect does.
        if (!d.pending.isEmpty()) {
            Why w = d.why != null ? d.why : new Why("4.3.0", "server unavailable or unable to receive mail");
            for (Recipient r : List.copyOf(d.pending)) {
                d.fail(r, w, "none");
            }
        }
    }

    private void deliverAll(Delivery d) {
        String nexthop = d.req.nexthop();
        if (nexthop == null || nexthop.isBlank()) {
            nexthop = domainOf(d.pending.get(0).address());
        }
        List<String> sites = Destination.split(nexthop);
        int primary = sites.size();
        sites.addAll(params.fallbackRelay());
        for (int si = 0; si < sites.size() && !d.pending.isEmpty(); si++) {
            boolean lastSite = si == sites.size() - 1;
            boolean first = si == 0;
            Destination dest = Destination.parse(sites.get(si), params.lmtp(), params.defaultPort(), params.useDns());
            if (dest == null) {
                log.warning("malformed destination \"" + sites.get(si) + "\" in " + (si < primary ? "next hop"
                        : "smtp_fallback_relay"));
                d.why = new Why("4.3.5", "mail system configuration error");
                continue;
            }
            if (dest.unix() != null) {
                deliverUnix(d, dest);
                continue;
            }
            boolean finalNexthop = lastSite;
            boolean caching = cacheWanted(dest);
            String destKey = first && caching ? dest.cacheKey() : null;

            // A session cached for this destination skips DNS altogether when it does all the work.
            int sessions = 0;
            if (destKey != null) {
                Session s = cache.takeDestination(destKey);
                if (s != null) {
                    sessions = 1;
                    d.triedEndpoints.add(s.cacheKey);
                    runSession(d, s, false, caching, destKey);
                    if (d.pending.isEmpty()) {
                        return;
                    }
                }
            }
            Router.Route route = router.route(dest);
            if (route.why() != null) {
                d.why = route.why();
                if (route.loops()) {
                    finalNexthop = true;
                }
            }
            if (route.iAmMx()) {
                finalNexthop = true;
            }
            List<Target> targets = route.targets();
            int bestPref = targets.isEmpty() ? 0 : targets.get(0).pref();
            int addresses = sessions;
            for (int ti = 0; ti < targets.size() && !d.pending.isEmpty(); ti++) {
                Target t = targets.get(ti);
                if (params.mxAddressLimit() > 0 && addresses >= params.mxAddressLimit()) {
                    break;
                }
                if (!d.triedEndpoints.add(t.endpoint())) {
                    continue;
                }
                addresses++;
                boolean lastTarget = ti == targets.size() - 1
                        || (params.mxAddressLimit() > 0 && addresses >= params.mxAddressLimit());
                Session s = cache.takeEndpoint(t.endpoint());
                boolean fresh = s == null;
                if (fresh) {
                    s = connect(d, t.host(), t.addr(), t.port());
                    if (s == null) {
                        continue;
                    }
                    s.bestMx = t.pref() == bestPref;
                    boolean finalServer = finalNexthop && lastTarget;
                    if (!handshake(d, s, finalServer)) {
                        continue; // handshake failures do not count towards the session limit
                    }
                }
                sessions++;
                boolean finalServer = finalNexthop && (lastTarget
                        || (params.mxSessionLimit() > 0 && sessions >= params.mxSessionLimit()));
                runSession(d, s, finalServer, caching, destKey);
                if (params.mxSessionLimit() > 0 && sessions >= params.mxSessionLimit()) {
                    break;
                }
            }
            if (finalNexthop && si < sites.size() - 1 && !d.pending.isEmpty()) {
                break; // mail loops, or we are MX host: no fallback relay
            }
        }
        // Configuration problems are reported as temporary, not bounced (smtp_connect's policy).
        if (!d.pending.isEmpty() && d.why != null && !d.why.soft() && !params.lmtp()) {
            String last = sites.get(sites.size() - 1);
            if (sites.size() > primary) {
                log.warning("smtp_fallback_relay configuration problem");
                d.why = d.why.soft("4.3.5");
            } else if (!params.relayhost().isEmpty() && sites.size() == 1 && last.equals(params.relayhost())) {
                log.warning("relayhost configuration problem");
                d.why = d.why.soft("4.3.5");
            }
        }
    }

    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at >= 0 ? address.substring(at + 1) : address;
    }

    private boolean cacheWanted(Destination dest) {
        if (params.cacheOnDemand()) {
            return true;
        }
        String h = dest.host().toLowerCase(Locale.ROOT);
        return params.cacheDestinations().contains(h) || params.cacheDestinations().contains("[" + h + "]")
                || params.cacheDestinations().contains(dest.text().toLowerCase(Locale.ROOT));
    }

    /** deliverUnix - LMTP over a UNIX-domain socket: one server, always the final one. */
    private void deliverUnix(Delivery d, Destination dest) {
        String key = "unix:" + dest.unix();
        Session s = cache.takeEndpoint(key);
        if (s == null) {
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(dest.unix()));
            } catch (IOException | RuntimeException e) {
                closeQuietly(ch);
                d.why = new Why("4.4.1", "connect to " + dest.unix() + ": " + reason(e));
                log.info(d.why.text());
                return;
            }
            s = new Session(new Connection(ch, watchdog), params.myhostname(), dest.unix(), 0, key);
            if (!handshake(d, s, true)) {
                return;
            }
        }
        boolean caching = cacheWanted(dest);
        runSession(d, s, true, caching, caching ? dest.cacheKey() : null);
    }

    // ------------------------------------------------------------------------------------------
    // Connections and the handshake

    private Session connect(Delivery d, String host, InetAddress addr, int port) {
        boolean v4 = addr instanceof Inet4Address;
        String addrText = Addresses.text(addr);
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(v4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            InetAddress source = v4 ? bind4 : bind6;
            if (source != null) {
                try {
                    ch.bind(new InetSocketAddress(source, 0));
                } catch (IOException e) {
                    log.warning(params.command() + "_connect_addr: bind " + Addresses.text(source) + ": " + reason(e));
                    if (params.bindEnforce()) {
                        closeQuietly(ch);
                        d.why = new Why("4.4.0", "unable to bind to " + Addresses.text(source) + ": " + reason(e));
                        return null;
                    }
                }
            }
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            long timeout = params.connectTimeout();
            ch.socket().connect(new InetSocketAddress(addr, port), (int) Math.min(Integer.MAX_VALUE, timeout * 1000));
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            d.why = new Why("4.4.1", "connect to " + host + "[" + addrText + "]:" + port + ": " + reason(e));
            log.info(d.why.text()); // the reason already names the address and port
            return null;
        }
        return new Session(new Connection(ch, watchdog), host, addrText, port, addrText + ":" + port);
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }

    /** reason - an exception as the C library would word it ("Connection refused"). */
    private static String reason(Throwable e) {
        if (e instanceof SocketTimeoutException) {
            return "Connection timed out";
        }
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        String l = m.toLowerCase(Locale.ROOT);
        if (l.contains("refused")) {
            return "Connection refused";
        }
        if (l.contains("timed out")) {
            return "Connection timed out";
        }
        if (l.contains("no route")) {
            return "No route to host";
        }
        if (l.contains("unreachable")) {
            return "Network is unreachable";
        }
        if (l.contains("no such file")) {
            return "No such file or directory";
        }
        if (l.contains("cannot assign")) {
            return "Cannot assign requested address";
        }
        return m;
    }

    /**
     * handshake - greeting and EHLO/HELO/LHLO; on failure the session is closed, the recipients are
     * kept or failed (per finalServer) and false is returned.
     */
    private boolean handshake(Delivery d, Session s, boolean finalServer) {
        String stage = "receiving the initial server greeting";
        Connection c = s.conn;
        try {
            Reply greeting = c.reply(params.heloTimeout());
            if (greeting.kind() != 2) {
                String dsn = greeting.dsn();
                if (greeting.kind() == 5 && params.skip5xxGreeting()) {
                    dsn = "4" + dsn.substring(1);
                }
                siteFail(d, s, remote(dsn, "host " + s.namaddr() + " refused to talk to me: " + greeting.oneLine()),
                        finalServer);
                quitAndClose(s);
                return false;
            }
            boolean loopDetect = !params.lmtp() && s.port == 25;
            String[] words = greeting.text().split("\n", 2)[0].split("[ \t]+");
            s.esmtp = false;
            for (int i = 1; i < words.length; i++) {
                if (i == 1 && words[i].equalsIgnoreCase(params.myhostname()) && loopDetect) {
                    log.warning("host " + s.relay() + " greeted me with my own hostname " + params.myhostname());
                } else if (words[i].equalsIgnoreCase("ESMTP")) {
                    s.esmtp = true;
                }
            }
            if (params.alwaysEhlo()) {
                s.esmtp = true;
            }
            if (params.neverEhlo()) {
                s.esmtp = false;
            }
            Reply r = null;
            if (params.lmtp()) {
                stage = "performing the LHLO handshake";
                c.command("LHLO " + params.heloName());
                r = c.reply(params.heloTimeout());
                if (r.kind() != 2) {
                    siteFail(d, s, remote(r.dsn(), "host " + s.namaddr() + " refused to talk to me: " + r.oneLine()),
                            finalServer);
                    quitAndClose(s);
                    return false;
                }
                s.esmtp = true;
            } else {
                if (s.esmtp) {
                    stage = "performing the EHLO handshake";
                    c.command("EHLO " + params.heloName());
                    r = c.reply(params.heloTimeout());
                    if (r.kind() != 2) {
                        if (r.code() == 421) {
                            siteFail(d, s, remote(r.dsn(), "host " + s.namaddr() + " refused to talk to me: "
                                    + r.oneLine()), finalServer);
                            quitAndClose(s);
                            return false;
                        }
                        s.esmtp = false;
                    }
                }
                if (!s.esmtp) {
                    stage = "performing the HELO handshake";
                    c.command("HELO " + params.heloName());
                    Reply h = c.reply(params.heloTimeout());
                    if (h.kind() != 2) {
                        siteFail(d, s, remote(h.dsn(), "host " + s.namaddr() + " refused to talk to me: "
                                + h.oneLine()), finalServer);
                        quitAndClose(s);
                        return false;
                    }
                    r = null;
                }
            }
            if (r != null && s.esmtp) {
                String[] lines = r.text().split("\n");
                for (int i = 0; i < lines.length; i++) {
                    String l = lines[i];
                    if (l.length() < 4) {
                        continue;
                    }
                    String[] w = l.substring(4).strip().split("[ \t=]+");
                    if (w.length == 0 || w[0].isEmpty()) {
                        continue;
                    }
                    if (i == 0) {
                        if (w[0].equalsIgnoreCase(params.myhostname()) && loopDetect) {
                            log.warning("host " + s.relay() + " replied to HELO/EHLO with my own hostname "
                                    + params.myhostname());
                            String nexthop = d.req.nexthop();
                            siteFail(d, s, new Why(s.bestMx ? "5.4.6" : "4.4.6", "mail for " + nexthop
                                    + " loops back to myself"), finalServer);
                            quitAndClose(s);
                            return false;
                        }
                        continue;
                    }
                    switch (w[0].toUpperCase(Locale.ROOT)) {
                        case "PIPELINING" -> s.pipelining = true;
                        case "8BITMIME" -> s.eightBitMime = true;
                        case "DSN" -> s.dsn = true;
                        case "SMTPUTF8" -> s.smtputf8 = true;
                        case "SIZE" -> {
                            s.size = true;
                            if (w.length > 1) {
                                String n = w[1];
                                if (n.length() <= 18 && n.chars().allMatch(Character::isDigit) && !n.isEmpty()) {
                                    s.sizeLimit = Long.parseLong(n);
                                } else {
                                    log.warning("bad EHLO SIZE limit \"" + n + "\" from " + s.relay());
                                }
                            }
                        }
                        default -> {
                        }
                    }
                }
            }
            return true;
        } catch (Connection.SmtpIoException e) {
            streamFail(d, s, e, stage, finalServer);
            s.conn.close();
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------
    // The mail transaction

    /** ProbeFailed - a cached session turned out dead before anything was delivered on it. */
    private static final class ProbeFailed extends Exception {
        ProbeFailed() {
            super(null, null, false, false);
        }
    }

    /**
     * runSession - deliver on a session (fresh or from the cache) and then cache or close it. A
     * cached session that fails its RSET probe is replaced by a fresh connection to the same server.
     */
    private void runSession(Delivery d, Session s, boolean finalServer, boolean caching, String destKey) {
        boolean keep;
        try {
            keep = transaction(d, s, finalServer);
        } catch (ProbeFailed e) {
            s.conn.close();
            InetAddress a = s.port > 0 ? Addresses.parseNumeric(s.addr) : null;
            Session fresh;
            if (s.port > 0) {
                fresh = a == null ? null : connect(d, s.host, a, s.port);
            } else {
                fresh = reconnectUnix(d, s);
            }
            if (fresh == null) {
                return;
            }
            fresh.bestMx = s.bestMx;
            if (!handshake(d, fresh, finalServer)) {
                return;
            }
            try {
                keep = transaction(d, fresh, finalServer);
            } catch (ProbeFailed impossible) {
                keep = false;
            }
            s = fresh;
        }
        release(s, keep && caching, destKey);
    }

    private Session reconnectUnix(Delivery d, Session old) {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(old.addr));
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            d.why = new Why("4.4.1", "connect to " + old.addr + ": " + reason(e));
            log.info(d.why.text());
            return null;
        }
        return new Session(new Connection(ch, watchdog), old.host, old.addr, 0, old.cacheKey);
    }

    /** release - put a clean session in the cache, or say goodbye. */
    private void release(Session s, boolean keep, String destKey) {
        if (!s.conn.isOpen()) {
            s.conn.close();
            return;
        }
        s.reuseCount++;
        long ageSeconds = (System.nanoTime() - s.createdNanos) / 1_000_000_000L;
        boolean reusable = keep
                && (params.reuseCountLimit() <= 0 || s.reuseCount < params.reuseCountLimit())
                && (params.reuseTimeLimit() <= 0 || ageSeconds < params.reuseTimeLimit());
        if (reusable) {
            cache.put(s, destKey);
            return;
        }
        quitAndClose(s);
    }

    private void quitAndClose(Session s) {
        try {
            if (s.conn.isOpen()) {
                s.conn.command("QUIT");
                if (params.skipQuitResponse()) {
                    s.conn.flush(params.quitTimeout());
                } else {
                    s.conn.reply(params.quitTimeout());
                }
            }
        } catch (Connection.SmtpIoException e) {
            // the session is over either way
        } finally {
            s.conn.close();
        }
    }

    /** Expect - what the next pipelined reply answers. */
    private enum Expect {
        RSET("sending RSET probe", "RSET probe"),
        MAIL("sending MAIL FROM", "MAIL FROM command"),
        RCPT("sending RCPT TO", "RCPT TO command"),
        DATA("sending DATA command", "DATA command"),
        DOT("sending end of data -- message may be sent more than once", "end of DATA command"),
        ABORT("sending final RSET", "final RSET command");

        final String stage;
        final String request;

        Expect(String stage, String request) {
            this.stage = stage;
            this.request = request;
        }
    }

    /** Transaction - the replies awaited and what is known so far, for one message on one session. */
    private final class Transaction {
        final Delivery d;
        final Session s;
        final boolean finalServer;
        final List<Recipient> rcpts;
        final ArrayDeque<Expect> expect = new ArrayDeque<>();
        int rcptSent;           // RCPT commands sent
        int rcptRead;           // RCPT replies processed
        final List<Recipient> accepted = new ArrayList<>();
        boolean mailRejected;
        boolean dataAccepted;
        boolean dataRejected;
        String stage = Expect.MAIL.stage;

        Transaction(Delivery d, Session s, boolean finalServer) {
            this.d = d;
            this.s = s;
            this.finalServer = finalServer;
            this.rcpts = List.copyOf(d.pending);
        }

        long timeout(Expect e) {
            return switch (e) {
                case RSET, ABORT -> params.rsetTimeout();
                case MAIL -> params.mailTimeout();
                case RCPT -> params.rcptTimeout();
                case DATA -> params.dataInitTimeout();
                case DOT -> params.dataDoneTimeout();
            };
        }

        void send(Expect e, String command) throws Connection.SmtpIoException, ProbeFailed {
            s.conn.command(command);
            expect.addLast(e);
            if (!s.pipelining || s.conn.pending() > BATCH_BYTES) {
                readAll();
            }
        }

        void readAll() throws Connection.SmtpIoException, ProbeFailed {
            while (!expect.isEmpty()) {
                Expect e = expect.peekFirst();
                stage = e.stage;
                Reply r = s.conn.reply(timeout(e));
                expect.removeFirst();
                handle(e, r);
            }
        }

        void handle(Expect e, Reply r) throws ProbeFailed {
            switch (e) {
                case RSET -> {
                    if (r.kind() != 2) {
                        throw new ProbeFailed();
                    }
                }
                case MAIL -> {
                    if (r.kind() != 2) {
                        mailRejected = true;
                        mesgFail(d, s, rcpts, said(s, r, e), finalServer);
                    }
                }
                case RCPT -> {
                    Recipient rc = rcpts.get(rcptRead++);
                    if (mailRejected) {
                        return;
                    }
                    if (r.kind() == 2) {
                        accepted.add(rc);
                    } else {
                        rcptFail(d, s, rc, said(s, r, e), finalServer);
                    }
                }
                case DATA -> {
                    if (r.code() == 354) {
                        dataAccepted = true;
                    } else {
                        dataRejected = true;
                        if (!mailRejected && !accepted.isEmpty()) {
                            mesgFail(d, s, accepted, said(s, r, e), finalServer);
                        }
                    }
                }
                case DOT, ABORT -> {
                    // handled by the caller, which reads these replies itself
                }
            }
        }
    }

    /**
     * transaction - one message over one session; returns whether the session is clean for reuse.
     * Every recipient of the attempt ends reported (sent, bounced, deferred) or kept in d.pending
     * for the next server.
     */
    private boolean transaction(Delivery d, Session s, boolean finalServer) throws ProbeFailed {
        boolean reused = s.reuseCount > 0;
        Transaction t = new Transaction(d, s, finalServer);
        long size = d.req.envelope().contentLength();
        if (s.sizeLimit > 0 && size > s.sizeLimit) {
            if (reused && !probe(s)) {
                throw new ProbeFailed();
            }
            mesgFail(d, s, t.rcpts, new Why("5.3.4", "message size " + size + " exceeds size limit " + s.sizeLimit
                    + " of server " + s.namaddr()), finalServer);
            return true;
        }
        boolean utf8 = d.req.envelope().attribute("smtputf8").equalsIgnoreCase("yes") && needsUtf8(d);
        if (utf8 && !s.smtputf8) {
            if (reused && !probe(s)) {
                throw new ProbeFailed();
            }
            mesgFail(d, s, t.rcpts, new Why("5.6.7", "SMTPUTF8 is required, but was not offered by host "
                    + s.namaddr()), finalServer);
            return true;
        }
        try {
            if (reused) {
                t.stage = Expect.RSET.stage;
                t.send(Expect.RSET, "RSET");
            }
            d.setupDone();
            t.send(Expect.MAIL, mailCommand(d, s, utf8));
            if (!s.pipelining && t.mailRejected) {
                return abort(t);
            }
            for (Recipient r : t.rcpts) {
                t.rcptSent++;
                t.send(Expect.RCPT, rcptCommand(s, r));
            }
            if (!s.pipelining && t.accepted.isEmpty()) {
                return abort(t);
            }
            t.send(Expect.DATA, "DATA");
            t.readAll();
            if (t.mailRejected || t.accepted.isEmpty()) {
                if (t.dataAccepted) {
                    // the server took DATA although no recipient was accepted: end the data at once
                    t.stage = Expect.DOT.stage;
                    s.conn.command(".");
                    s.conn.reply(params.dataDoneTimeout());
                }
                return abort(t);
            }
            if (!t.dataAccepted) {
                return abort(t);
            }
            t.stage = "sending message body";
            try {
                s.conn.content(d.content, d.req.envelope().contentOffset(), size, d.req.envelope().longestLine(),
                        params.lineLimit(), params.dataXferTimeout());
            } catch (Connection.SmtpIoException e) {
                throw e;
            } catch (IOException e) {
                // the queue file, not the server, failed: give up on this session and defer
                Why w = new Why("4.3.0", "local data error while talking to " + s.namaddr());
                bulkFail(d, s, t.accepted, w, true);
                s.conn.close();
                return false;
            }
            t.stage = Expect.DOT.stage;
            if (!params.lmtp()) {
                Reply r = s.conn.reply(params.dataDoneTimeout());
                if (r.kind() == 2) {
                    for (Recipient rc : t.accepted) {
                        if (d.pending.contains(rc)) {
                            d.report(rc, RecipientResult.Status.SENT, r.dsn(), s.relay(), r.oneLine(), s.dsn);
                        }
                    }
                } else {
                    mesgFail(d, s, t.accepted, said(s, r, Expect.DOT), finalServer);
                }
            } else {
                // one reply per accepted recipient, in RCPT order
                for (int i = 0; i < t.accepted.size(); i++) {
                    Recipient rc = t.accepted.get(i);
                    Reply r;
                    try {
                        r = s.conn.reply(params.dataDoneTimeout());
                    } catch (Connection.SmtpIoException e) {
                        List<Recipient> rest = new ArrayList<>(t.accepted.subList(i, t.accepted.size()));
                        streamFail(d, s, e, t.stage, finalServer, rest);
                        s.conn.close();
                        return false;
                    }
                    if (r.kind() == 2) {
                        d.report(rc, RecipientResult.Status.SENT, r.dsn(), s.relay(), r.oneLine(), s.dsn);
                    } else {
                        rcptFail(d, s, rc, said(s, r, Expect.DOT), finalServer);
                    }
                }
            }
            return true;
        } catch (Connection.SmtpIoException e) {
            if (reused && t.stage.equals(Expect.RSET.stage)) {
                throw new ProbeFailed(); // the cached connection was dead: nothing was sent on it
            }
            streamFail(d, s, e, t.stage, finalServer, unmarked(d, t.rcpts));
            s.conn.close();
            return false;
        }
    }

    /** probe - a lone RSET on a reused session, true when the server answered 2xx. */
    private boolean probe(Session s) {
        try {
            s.conn.command("RSET");
            return s.conn.reply(params.rsetTimeout()).kind() == 2;
        } catch (Connection.SmtpIoException e) {
            return false;
        }
    }

    /** abort - end a transaction that will not deliver, keeping the session when RSET works. */
    private boolean abort(Transaction t) {
        Session s = t.s;
        try {
            t.stage = Expect.ABORT.stage;
            s.conn.command("RSET");
            Reply r = s.conn.reply(params.rsetTimeout());
            return r.kind() == 2;
        } catch (Connection.SmtpIoException e) {
            s.conn.close();
            return false;
        }
    }

    private static List<Recipient> unmarked(Delivery d, List<Recipient> rcpts) {
        List<Recipient> out = new ArrayList<>();
        for (Recipient r : rcpts) {
            if (d.pending.contains(r)) {
                out.add(r);
            }
        }
        return out;
    }

    private boolean needsUtf8(Delivery d) {
        if (!EnvelopeText.isAscii(d.req.envelope().sender())) {
            return true;
        }
        for (Recipient r : d.pending) {
            if (!EnvelopeText.isAscii(r.address())) {
                return true;
            }
        }
        return false;
    }

    private String mailCommand(Delivery d, Session s, boolean utf8) {
        var env = d.req.envelope();
        String sender = params.quoteEnvelope() ? EnvelopeText.quote(env.sender()) : env.sender();
        StringBuilder sb = new StringBuilder(80).append("MAIL FROM:<").append(sender).append('>');
        if (s.size) {
            sb.append(" SIZE=").append(env.contentLength());
        }
        if (s.eightBitMime) {
            String body = env.attribute("body").toUpperCase(Locale.ROOT);
            if (body.equals("8BITMIME")) {
                sb.append(" BODY=8BITMIME");
            } else if (body.equals("7BIT")) {
                sb.append(" BODY=7BIT");
            }
        }
        if (utf8 && s.smtputf8) {
            sb.append(" SMTPUTF8");
        }
        if (s.dsn) {
            String envid = env.attribute("envid");
            if (!envid.isEmpty()) {
                sb.append(" ENVID=").append(EnvelopeText.xtext(envid));
            }
            String ret = env.attribute("ret").toUpperCase(Locale.ROOT);
            if (ret.equals("FULL") || ret.equals("HDRS")) {
                sb.append(" RET=").append(ret);
            }
        }
        return sb.toString();
    }

    private String rcptCommand(Session s, Recipient r) {
        String addr = params.quoteEnvelope() ? EnvelopeText.quote(r.address()) : r.address();
        StringBuilder sb = new StringBuilder(64).append("RCPT TO:<").append(addr).append('>');
        if (s.dsn) {
            if (!r.orcpt().isEmpty()) {
                sb.append(" ORCPT=").append(EnvelopeText.xtext(r.orcpt()));
            } else if (!r.original().isEmpty()) {
                sb.append(" ORCPT=").append(EnvelopeText.xtext("rfc822;" + r.original()));
            }
            String notify = notify(r.notifyBits());
            if (notify != null) {
                sb.append(" NOTIFY=").append(notify);
            }
        }
        return sb.toString();
    }

    /** notify - the NOTIFY value for DSN bits (see CleanupStream), null when none was given. */
    static String notify(int bits) {
        if (bits == 0) {
            return null;
        }
        if ((bits & 1) != 0) {
            return "NEVER";
        }
        StringBuilder sb = new StringBuilder();
        if ((bits & 2) != 0) {
            sb.append("SUCCESS");
        }
        if ((bits & 4) != 0) {
            sb.append(sb.isEmpty() ? "" : ",").append("FAILURE");
        }
        if ((bits & 8) != 0) {
            sb.append(sb.isEmpty() ? "" : ",").append("DELAY");
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    // ------------------------------------------------------------------------------------------
    // Failure policy (Postfix's smtp_trouble)

    /** said - "host X said: REPLY (in reply to COMMAND)" with the reply's status. */
    private static Why said(Session s, Reply r, Expect e) {
        return remote(r.dsn(), "host " + s.namaddr() + " said: " + r.oneLine() + " (in reply to " + e.request + ")");
    }

    private static Why remote(String dsn, String text) {
        if (dsn.charAt(0) != '4' && dsn.charAt(0) != '5') {
            return new Why("5.5.0", "Protocol error: " + text);
        }
        return new Why(dsn, text);
    }

    private void rcptFail(Delivery d, Session s, Recipient r, Why w, boolean finalServer) {
        if (w.soft() && !finalServer) {
            log.info(d.id() + ": " + w.text());
            d.why = w;
            return;
        }
        d.fail(r, w, s.relay());
    }

    private void mesgFail(Delivery d, Session s, List<Recipient> rcpts, Why w, boolean finalServer) {
        bulkFail(d, s, unmarked(d, rcpts), w, finalServer);
    }

    private void siteFail(Delivery d, Session s, Why w, boolean finalServer) {
        bulkFail(d, s, new ArrayList<>(d.pending), w, finalServer);
    }

    private void bulkFail(Delivery d, Session s, List<Recipient> rcpts, Why w, boolean finalServer) {
        d.why = w;
        if (w.soft() && !finalServer) {
            log.info(d.id() + ": " + w.text());
            return;
        }
        for (Recipient r : rcpts) {
            d.fail(r, w, s != null ? s.relay() : "none");
        }
    }

    private void streamFail(Delivery d, Session s, Connection.SmtpIoException e, String stage, boolean finalServer) {
        streamFail(d, s, e, stage, finalServer, new ArrayList<>(d.pending));
    }

    private void streamFail(Delivery d, Session s, Connection.SmtpIoException e, String stage, boolean finalServer,
                            List<Recipient> rcpts) {
        String text = e.timedOut()
                ? "conversation with " + s.namaddr() + " timed out while " + stage
                : "lost connection with " + s.namaddr() + " while " + stage;
        bulkFail(d, s, rcpts, new Why("4.4.2", text), finalServer);
    }
}
