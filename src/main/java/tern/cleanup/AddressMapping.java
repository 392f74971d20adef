package tern.cleanup;

import java.io.IOException;
import java.util.List;

/**
 * AddressMapping - how cleanup rewrites envelope addresses before they are queued: canonical form
 * (user -> user@$myorigin), canonical_maps, and virtual alias expansion for recipients. The rewrite
 * package provides it; a table that fails throws IOException, and the message is refused with a
 * temporary error rather than queued wrongly.
 */
public interface AddressMapping {
    /** sender - the rewritten envelope sender ("" stays ""). */
    String sender(String address) throws IOException;

    /** recipients - what one envelope recipient becomes (usually itself; a virtual alias may give many). */
    List<String> recipients(String address) throws IOException;
}
