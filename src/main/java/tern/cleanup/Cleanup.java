package tern.cleanup;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

import tern.config.Config;
import tern.log.Logger;
import tern.queue.DirSync;
import tern.queue.Envelope;
import tern.queue.FilePool;
import tern.queue.Queue;
import tern.queue.QueueFileWriter;
import tern.queue.QueueId;

/**
 * Cleanup - the cleanup service: turns what a receiving service (smtpd, pickup, bounce) hands over
 * into a queue file in "incoming", and tells the queue manager. It rewrites envelope addresses
 * (through {@link AddressMapping}), drops duplicate recipients, adds the Received: header, removes
 * the headers named in message_drop_headers, and adds Message-Id:, Date: and From: when they are
 * missing and the message is local (or always_add_missing_headers = yes), and rewrites the
 * addresses in sender and recipient headers of local mail (or, with remote_header_rewrite_domain,
 * of all mail: {@link HeaderRewriter}), as Postfix's cleanup does. The work on one message is in {@link CleanupSession}.
 *
 * One instance per configuration snapshot; thread-safe (sessions share nothing but the queue id
 * source and the directory syncer).
 */
public final class Cleanup implements CleanupService {
    /** Settings - the main.cf values cleanup uses, read once per snapshot. */
    record Settings(String myhostname, String mailName, long messageSizeLimit, int headerSizeLimit, int hopcountLimit,
                    Set<String> dropHeaders, boolean alwaysAddMissing, int duplicateFilterLimit,
                    boolean enableOriginalRecipient, String remoteHeaderDomain) {
        static Settings of(Config c) {
            Set<String> drop = new java.util.HashSet<>();
            for (String h : c.list("message_drop_headers")) {
                drop.add(h.toLowerCase(Locale.ROOT));
            }
            return new Settings(c.get("myhostname"), c.get("mail_name"), c.integer("message_size_limit"),
                    (int) Math.min(Integer.MAX_VALUE, Math.max(1024, c.integer("header_size_limit"))),
                    (int) c.integer("hopcount_limit"), Set.copyOf(drop), c.bool("always_add_missing_headers"),
                    (int) c.integer("duplicate_filter_limit"), c.bool("enable_original_recipient"),
                    c.get("remote_header_rewrite_domain").strip());
        }
    }

    private final Settings settings;
    private final Queue queue;
    private final QueueId ids;
    private final FilePool pool;
    private final DirSync incomingSync;
    private final Logger log;
    private final AddressMapping mapping;
    private final Predicate<Origin> localClient;
    private final Consumer<Envelope> queued;

    /**
     * @param config       the cleanup service's view of the configuration
     * @param queue        the queue; files go to its incoming directory
     * @param ids          the daemon's queue id source
     * @param pool         prepared files in incoming (null: create each file)
     * @param incomingSync the shared directory syncer of queue/incoming
     * @param log          "postfix/cleanup[pid]" lines
     * @param mapping      envelope address rewriting
     * @param localClient  whether a message from this origin counts as local for adding missing
     *                     headers and rewriting addresses in headers (local_header_rewrite_clients)
     * @param queued       told of each message once it is durable in incoming (the queue manager)
     */
    public Cleanup(Config config, Queue queue, QueueId ids, FilePool pool, DirSync incomingSync, Logger log,
                   AddressMapping mapping, Predicate<Origin> localClient, Consumer<Envelope> queued) {
        this.settings = Settings.of(config);
        this.queue = queue;
        this.ids = ids;
        this.pool = pool;
        this.incomingSync = incomingSync;
        this.log = log;
        this.mapping = mapping;
        this.localClient = localClient;
        this.queued = queued;
    }

    @Override
    public CleanupStream begin(Origin origin) throws IOException {
        QueueFileWriter w = QueueFileWriter.create(pool, queue, Queue.Dir.INCOMING, ids);
        boolean local = localClient.test(origin);
        // headers are rewritten for local clients, for others only in remote_header_rewrite_domain
        HeaderRewriter headers = local ? new HeaderRewriter(mapping, false)
                : !settings.remoteHeaderDomain().isEmpty() ? new HeaderRewriter(mapping, true) : null;
        return new CleanupSession(settings, w, origin, mapping, log, settings.alwaysAddMissing() || local, headers,
                queued, incomingSync);
    }

    /** mappingOf - an AddressMapping that only puts addresses in canonical form (no tables). */
    public static AddressMapping canonicalOnly(java.util.function.UnaryOperator<String> canonical) {
        return new AddressMapping() {
            @Override
            public String sender(String address) {
                return address.isEmpty() ? address : canonical.apply(address);
            }

            @Override
            public List<String> recipients(String address) {
                return List.of(canonical.apply(address));
            }

            @Override
            public String headerAddress(String address, boolean sender, boolean remote) {
                return remote ? address : canonical.apply(address);
            }
        };
    }
}
