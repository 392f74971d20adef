package tern.delivery.local;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tern.delivery.RecipientResult;
import tern.queue.Recipient;

/**
 * Attempt - one queue recipient on its way through local(8): the outcomes of the deliveries its
 * aliases and .forward file fan out to, the addresses to forward, and the duplicate filter.
 *
 * How the outcomes become the one result per queue recipient that the queue manager takes
 * (see {@link #result}): if any part was deferred, that deferral, and nothing is forwarded, so the
 * whole recipient is tried again later (parts already delivered may be delivered again, as with
 * Postfix); else, if any part bounced, the first bounce (so that the sender hears of it); else the
 * first delivery, the forwarded message (made by the caller) counting as one ("forwarded as ID").
 * The result names the address that the part concerned (the alias's target, with the queue
 * recipient as its original), as Postfix's log does; its index is the queue recipient's.
 */
final class Attempt {
    static final String RELAY = "local";

    final Recipient top;
    /** The X-Original-To: value and the original recipient kept when forwarding. */
    final String originalTo;
    /** The Delivered-To: value (frozen_delivered_to: the recipient as the queue manager gave it). */
    final String deliveredTo;
    private final int seenLimit;
    private final Set<String> seen = new HashSet<>();
    private final List<RecipientResult> sent = new ArrayList<>();
    private final List<RecipientResult> bounced = new ArrayList<>();
    private RecipientResult deferred;
    /** sender to the addresses to forward with that sender (the envelope sender, or owner-alias). */
    final Map<String, List<Forwarder.Target>> forwards = new LinkedHashMap<>();

    Attempt(Recipient top, int duplicateFilterLimit) {
        this.top = top;
        this.originalTo = top.original().isEmpty() ? top.address() : top.original();
        this.deliveredTo = top.address();
        this.seenLimit = duplicateFilterLimit;
    }

    /** recipientFor - the recipient as results name it: the expanded address, the original kept. */
    Recipient recipientFor(String address) {
        if (address.equals(top.address())) {
            return top;
        }
        return new Recipient(top.index(), address, originalTo, top.orcpt(), top.notifyBits());
    }

    /** firstTime - false when this destination was already handled for this recipient. */
    boolean firstTime(String key) {
        if (seenLimit > 0 && seen.size() >= seenLimit) {
            return true; // the filter is full: deliver rather than risk dropping
        }
        return seen.add(key);
    }

    boolean isDeferred() {
        return deferred != null;
    }

    void sent(Recipient r, String text) {
        sent.add(RecipientResult.sent(r, "2.0.0", RELAY, text));
    }

    void bounce(Recipient r, String dsn, String text) {
        bounced.add(RecipientResult.bounced(r, dsn, RELAY, text));
    }

    void defer(Recipient r, String dsn, String text) {
        if (deferred == null) {
            deferred = RecipientResult.deferred(r, dsn, RELAY, text);
        }
    }

    /** add - an outcome that another transport reported (mailbox_transport, fallback_transport). */
    void add(RecipientResult r) {
        switch (r.status()) {
            case SENT -> sent.add(r);
            case BOUNCED -> bounced.add(r);
            case DEFERRED -> {
                if (deferred == null) {
                    deferred = r;
                }
            }
        }
    }

    void forward(String sender, String address, String original) {
        forwards.computeIfAbsent(sender, k -> new ArrayList<>()).add(new Forwarder.Target(address, original, top));
    }

    /** result - the one result to report (see the class comment), or null when there is none. */
    RecipientResult result() {
        if (deferred != null) {
            return deferred;
        }
        if (!bounced.isEmpty()) {
            return bounced.get(0);
        }
        return sent.isEmpty() ? null : sent.get(0);
    }

    /** parts - every destination's outcome (sent, bounced, then the deferral), for one log line each. */
    List<RecipientResult> parts() {
        List<RecipientResult> all = new ArrayList<>(sent);
        all.addAll(bounced);
        if (deferred != null) {
            all.add(deferred);
        }
        return all;
    }

    boolean isEmpty() {
        return deferred == null && sent.isEmpty() && bounced.isEmpty() && forwards.isEmpty();
    }
}
