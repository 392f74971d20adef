package tern.delivery.virtual;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import tern.config.Config;
import tern.delivery.DeliveryAgent;
import tern.delivery.DeliveryContext;
import tern.delivery.DeliveryRequest;
import tern.delivery.RecipientResult;
import tern.delivery.ResultSink;
import tern.delivery.mailbox.DeliveryText;
import tern.delivery.mailbox.Failures;
import tern.delivery.mailbox.HeaderScan;
import tern.delivery.mailbox.Maildir;
import tern.delivery.mailbox.Mbox;
import tern.delivery.mailbox.MessageText;
import tern.delivery.mailbox.Privileges;
import tern.delivery.mailbox.SafePaths;
import tern.log.Logger;
import tern.queue.Envelope;
import tern.queue.Recipient;
import tern.tables.AddressLookup;
import tern.tables.Maps;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * VirtualDelivery - the virtual(8) delivery agent: mailboxes for addresses that are not UNIX
 * users. The full recipient address (folded to lower case) is looked up in virtual_mailbox_maps
 * (user+ext@domain, then user@domain, then @domain); the result, put after
 * virtual_mailbox_base, is a maildir when it ends in "/" and a UNIX mbox otherwise. The files are
 * written with the uid and gid that virtual_uid_maps and virtual_gid_maps give for the address
 * (numbers, e.g. "static:5000"), never below virtual_minimum_uid; directories that are missing
 * below the base are created (mode 0700) as that user. Mailbox and maildir files are limited to
 * virtual_mailbox_limit bytes; a mbox is locked per virtual_mailbox_lock.
 *
 * The hot path (issue 6): one open of the queue file per request, the content streamed from it
 * into the new file through one buffer (no lines, no strings), one fdatasync per delivered
 * file, no process started. When the daemon runs as root, the file work happens on a thread that
 * holds the mailbox owner's file system ids ({@link Privileges}).
 *
 * Outcomes, in Postfix's words: "delivered to maildir" / "delivered to mailbox"; an address
 * without a mailbox bounces "unknown user: \"address\"" (5.1.1); a message for an address
 * already in its Delivered-To: headers bounces "mail forwarding loop for ADDRESS" (5.4.6); a
 * table that fails or a bad uid/gid defers "mail system configuration error" (4.3.5) with a
 * warning; a mailbox over the limit bounces (5.2.2); a full disk, a failed write or a refused
 * path defers.
 */
public final class VirtualDelivery implements DeliveryAgent {
    private static final String RELAY = "virtual";

    private final Logger log;
    private final Privileges privileges;
    private final String base;
    private final AddressLookup mailboxMaps;
    private final AddressLookup uidMaps;
    private final AddressLookup gidMaps;
    private final long minimumUid;
    private final long limit;
    private final Mbox.Locking locking;
    private final boolean strictOwnership;
    private final Maildir maildir;
    private final Mbox mbox;

    /**
     * The constructor the daemon uses.
     *
     * @param ctx        the virtual service's configuration view and logger ("postfix/virtual")
     * @param tables     the daemon's table opener
     * @param privileges the daemon's identity switcher, shared with local(8)
     */
    public VirtualDelivery(DeliveryContext ctx, TableOpener tables, Privileges privileges) {
        this(ctx, tables, privileges, Failures.hostName());
    }

    /** The full constructor (tests give a host name for maildir file names). */
    public VirtualDelivery(DeliveryContext ctx, TableOpener tables, Privileges privileges, String hostName) {
        Config c = ctx.config();
        this.log = ctx.log();
        this.privileges = privileges;
        this.base = c.get("virtual_mailbox_base");
        String delimiter = c.get("recipient_delimiter");
        TableOpener.Options noSubstitution = new TableOpener.Options(true, false);
        this.mailboxMaps = new AddressLookup(Maps.open("virtual_mailbox_maps", c.get("virtual_mailbox_maps"), tables,
                noSubstitution), delimiter);
        this.uidMaps = new AddressLookup(Maps.open("virtual_uid_maps", c.get("virtual_uid_maps"), tables,
                noSubstitution), delimiter);
        this.gidMaps = new AddressLookup(Maps.open("virtual_gid_maps", c.get("virtual_gid_maps"), tables,
                noSubstitution), delimiter);
        this.minimumUid = c.integer("virtual_minimum_uid");
        this.limit = c.integer("virtual_mailbox_limit");
        this.locking = Mbox.Locking.of(c.list("virtual_mailbox_lock"), c.integer("deliver_lock_attempts"),
                c.seconds("deliver_lock_delay"), c.seconds("stale_lock_time"));
        this.strictOwnership = c.bool("strict_mailbox_ownership");
        this.maildir = new Maildir(hostName);
        this.mbox = new Mbox();
    }

    @Override
    public void deliver(DeliveryRequest request, ResultSink sink) {
        FileChannel q;
        try {
            q = request.channel();
        } catch (IOException e) {
            for (Recipient r : request.recipients()) {
                sink.result(RecipientResult.deferred(r, "4.3.0", RELAY,
                        "cannot open queue file: " + Failures.describe(e)));
            }
            return;
        }
        try {
            Envelope env = request.envelope();
            byte[] buffer = MessageText.bufferFor(env.contentLength());
            Set<String> delivered = null;
            for (Recipient r : request.recipients()) {
                RecipientResult result;
                try {
                    if (delivered == null) {
                        delivered = HeaderScan.deliveredTo(q, env);
                    }
                    result = one(q, env, r, delivered, buffer);
                } catch (IOException | RuntimeException e) {
                    log.warning(request.queueId() + ": " + r.address() + ": " + Failures.describe(e));
                    result = RecipientResult.deferred(r, "4.3.0", RELAY,
                            "virtual delivery failed: " + Failures.describe(e));
                }
                sink.result(result);
            }
        } finally {
            request.release(q);
        }
    }

    private RecipientResult one(FileChannel q, Envelope env, Recipient r, Set<String> delivered, byte[] buffer) {
        String address = r.address().toLowerCase(Locale.ROOT);
        if (delivered.contains(address)) {
            return RecipientResult.bounced(r, "5.4.6", RELAY, "mail forwarding loop for " + r.address());
        }
        String mailbox;
        String uidText;
        String gidText;
        String stage = "virtual_mailbox_maps";
        try {
            mailbox = find(mailboxMaps, address);
            if (mailbox == null) {
                return RecipientResult.bounced(r, "5.1.1", RELAY, "unknown user: \"" + address + "\"");
            }
            stage = "virtual_uid_maps";
            uidText = find(uidMaps, address);
            stage = "virtual_gid_maps";
            gidText = find(gidMaps, address);
        } catch (TableException e) {
            log.warning(e.getMessage());
            log.warning("table " + stage + ": lookup " + address + ": Application error");
            return configError(r);
        }
        if (uidText == null) {
            log.warning("recipient " + address + ": uid not found in virtual_uid_maps");
            return configError(r);
        }
        if (gidText == null) {
            log.warning("recipient " + address + ": gid not found in virtual_gid_maps");
            return configError(r);
        }
        long uid = number(uidText);
        if (uid < minimumUid || uid < 0 || uid > 0xFFFFFFFEL) {
            log.warning("recipient " + address + ": bad uid " + uidText.strip() + " in virtual_uid_maps");
            return configError(r);
        }
        long gid = number(gidText);
        if (gid <= 0 || gid > 0xFFFFFFFEL) {
            log.warning("recipient " + address + ": bad gid " + gidText.strip() + " in virtual_gid_maps");
            return configError(r);
        }
        String m = mailbox.strip();
        Path root = Path.of(base.isEmpty() ? "/" : base).normalize();
        Path target = Path.of(base + "/" + m).normalize();
        if (!target.startsWith(root) || m.isEmpty()) {
            log.warning("recipient " + address + ": bad mailbox " + m + " in virtual_mailbox_maps");
            return configError(r);
        }
        int u = (int) uid;
        int g = (int) gid;
        String originalTo = r.original().isEmpty() ? r.address() : r.original();
        DeliveryText text = new DeliveryText(q, env, originalTo, r.address(), buffer);
        int bufferSize = (int) Math.min(64 * 1024, text.sizeHint());
        boolean isMaildir = m.endsWith("/");
        List<String> warnings = new ArrayList<>();
        try {
            if (isMaildir) {
                privileges.as(u, g, () -> maildir.deliver(root, target, u, limit, bufferSize,
                        sink -> text.writeTo(sink, DeliveryText.Format.MAILDIR)));
                return RecipientResult.sent(r, "2.0.0", RELAY, "delivered to maildir");
            }
            privileges.as(u, g, () -> {
                SafePaths.directories(root, target.getParent(), u, true);
                mbox.deliver(new Mbox.Target(target, strictOwnership ? u : -1, -1, -1), locking, limit, bufferSize,
                        sink -> text.writeTo(sink, DeliveryText.Format.MBOX), warnings);
                return null;
            });
            return RecipientResult.sent(r, "2.0.0", RELAY, "delivered to mailbox");
        } catch (IOException e) {
            Failures.Kind k = Failures.classify(e);
            String prefix = isMaildir ? "maildir delivery failed: " : "cannot update mailbox " + target + " for user "
                    + address + ". ";
            String why = prefix + (k == Failures.Kind.TOO_LARGE ? "error writing message: File too large"
                    : Failures.describe(e));
            if (k == Failures.Kind.OTHER) {
                log.warning((isMaildir ? "maildir" : "mailbox") + " access problem for UID/GID=" + u + "/" + g + ": "
                        + Failures.describe(e));
            }
            return switch (k) {
                case TOO_LARGE, QUOTA -> RecipientResult.bounced(r, "5.2.2", RELAY, why);
                case NO_SPACE -> RecipientResult.deferred(r, "4.3.1", RELAY, why);
                case NOT_PERMITTED -> RecipientResult.deferred(r, "4.3.0", RELAY, Failures.describe(e));
                default -> RecipientResult.deferred(r, "4.2.0", RELAY, why);
            };
        } finally {
            warnings.forEach(log::warning);
        }
    }

    private static RecipientResult configError(Recipient r) {
        return RecipientResult.deferred(r, "4.3.5", RELAY, "mail system configuration error");
    }

    /**
     * find - virtual(8)'s search order: user+ext@domain, user@domain, @domain (no domain of a
     * virtual mailbox is local: the bare user is never asked).
     */
    private static String find(AddressLookup maps, String address) throws TableException {
        return maps.lookup(address, domain -> false);
    }

    private static long number(String s) {
        String t = s.strip();
        if (t.isEmpty() || t.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
