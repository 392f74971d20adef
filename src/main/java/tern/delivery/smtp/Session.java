package tern.delivery.smtp;

/**
 * Session - one open SMTP/LMTP session with a server, after the greeting and EHLO/HELO/LHLO: the
 * connection, who the server is (for messages and relay=), what it offered, and how much it has
 * been used (for the connection cache's reuse limits).
 *
 * host[addr] is Postfix's "namaddr" (the server name as found in DNS or the next hop, and its
 * address); relay() adds ":port" for TCP. For a UNIX-domain socket the address is the socket path
 * and there is no port.
 */
final class Session {
    final Connection conn;
    final String host;
    final String addr;
    final int port;
    final String cacheKey;          // the endpoint: "addr:port" or "unix:path"
    final long createdNanos;
    int reuseCount;                 // completed transactions before the current one
    long idleSinceNanos;
    boolean esmtp;
    boolean pipelining;
    boolean eightBitMime;
    boolean dsn;
    boolean smtputf8;
    boolean size;                   // SIZE offered
    long sizeLimit;                 // 0: none announced
    boolean bestMx;

    Session(Connection conn, String host, String addr, int port, String cacheKey) {
        this.conn = conn;
        this.host = host;
        this.addr = addr;
        this.port = port;
        this.cacheKey = cacheKey;
        this.createdNanos = System.nanoTime();
    }

    /** namaddr - "host[addr]", as Postfix names a server in its messages. */
    String namaddr() {
        return host + "[" + addr + "]";
    }

    /** relay - what the log shows as relay=: "host[addr]:port", or "host[path]" for a UNIX socket. */
    String relay() {
        return port > 0 ? namaddr() + ":" + port : namaddr();
    }
}
