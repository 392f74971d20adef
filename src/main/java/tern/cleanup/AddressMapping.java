package tern.cleanup;

import java.io.IOException;
import java.util.List;

/**
 * AddressMapping - how cleanup rewrites envelope addresses before they are queued: canonical form
 * (user -> user@$myorigin), canonical_maps, and virtual alias expansion for recipients. The rewrite
 * package provides it; a table that fails throws IOException, and the message is refused with a
 * temporary error rather than queued wrongly.
 *
 * Addresses in message headers go through {@link #headerAddress}: the same steps, for the classes
 * header_sender and header_recipient, without virtual aliases (cleanup(8) rewrites headers only
 * for the clients local_header_rewrite_clients names, or in remote_header_rewrite_domain).
 */
public interface AddressMapping {
    /** sender - the rewritten envelope sender ("" stays ""). */
    String sender(String address) throws IOException;

    /** recipients - what one envelope recipient becomes (usually itself; a virtual alias may give many). */
    List<String> recipients(String address) throws IOException;

    /**
     * headerAddress - what an address found in a sender header (From:, Sender:, Reply-To:, ...) or
     * a recipient header (To:, Cc:, ...) becomes: standard form in the local context (or, remote,
     * with remote_header_rewrite_domain), then canonical mapping and masquerading as the *_classes
     * allow. Never "" for a non-empty address. By default unchanged.
     */
    default String headerAddress(String address, boolean sender, boolean remote) throws IOException {
        return address;
    }
}
