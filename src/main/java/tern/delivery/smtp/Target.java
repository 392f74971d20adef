package tern.delivery.smtp;

import java.net.InetAddress;

import tern.dns.Addresses;

/**
 * Target - one server address to try: the host name it was found under (an MX host, the next hop
 * itself, or the address), its address and port, and the MX preference (0 without MX lookup).
 */
record Target(String host, InetAddress addr, int port, int pref) {

    String addrText() {
        return Addresses.text(addr);
    }

    /** endpoint - the connection cache key of this server: "addr:port". */
    String endpoint() {
        return addrText() + ":" + port;
    }
}
