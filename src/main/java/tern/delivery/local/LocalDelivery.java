package tern.delivery.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import tern.cleanup.CleanupService;
import tern.config.Config;
import tern.config.ConfigException;
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
import tern.delivery.mailbox.Passwd;
import tern.delivery.mailbox.Privileges;
import tern.delivery.mailbox.SafePaths;
import tern.log.Logger;
import tern.queue.Envelope;
import tern.queue.Recipient;
import tern.tables.MatchList;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * LocalDelivery - the local(8) delivery agent: mail for users of this machine.
 *
 * For each recipient, in Postfix's order of precedence: alias_maps (the localpart, then the
 * localpart without its extension), the user's .forward file (forward_path), mailbox_transport,
 * mailbox_command, home_mailbox (a mbox file, or a maildir when it ends in "/"), the mbox in
 * mail_spool_directory; for names that are neither aliases nor users: fallback_transport,
 * luser_relay, else the bounce "unknown user: \"name\"" (5.1.1). Users come from the password
 * database through NSS ({@link Passwd}).
 *
 * Aliases that name local addresses are delivered here and now (the log shows the new address
 * with orig_to= the original); an alias to itself reaches the user's mailbox; addresses from
 * .forward and :include: files, remote addresses, and the members of an alias that has an
 * owner-alias are forwarded as one new message through cleanup ("forwarded as ID"). Commands
 * ("|cmd") and files ("/path") from aliases, .forward and :include: files obey
 * allow_mail_to_commands / allow_mail_to_files.
 *
 * Privileges: nothing is written and no command is run as root on a user's behalf. Mailbox
 * files and maildirs are written with the recipient's uid/gid ({@link Privileges}; a spool mbox
 * is created by root and given to the user), commands run under setpriv(1) as the recipient, as
 * the owner of the alias database or :include: file, or as default_privs (for root, and for
 * root-owned alias files). A daemon that does not run as root can deliver to its own user only;
 * other recipients are deferred with the reason.
 *
 * Loops: a recipient named in a Delivered-To: header of the message bounces with "mail forwarding
 * loop for ADDRESS" (5.4.6); aliases that expand to each other bounce with "alias database loop
 * for NAME" (5.4.6).
 *
 * Added headers, as Postfix 3.7: Return-Path:, X-Original-To: (the recipient as first given),
 * Delivered-To: (the recipient; always for mailboxes, per prepend_delivered_header for commands,
 * files and forwarding); a mbox gets the "From " line, "&gt;From " quoting and an empty line at the
 * end.
 *
 * Results: one per queue recipient, as the queue manager records them (see {@link Attempt}): a
 * deferred part defers the recipient, else a bounced part bounces it, else it is delivered; the
 * result names the address that part concerned ("to=&lt;lucas@...&gt;, orig_to=&lt;root@...&gt;").
 *
 * Failure: nothing here loses mail. A table or user database that cannot answer, a full disk, a
 * failed write, a path that is refused (symbolic link, wrong owner, a file where a directory
 * should be) defer the recipient; what bounces is what Postfix bounces (unknown users, loops,
 * restricted commands/files, command exit codes, mailboxes over mailbox_size_limit).
 */
public final class LocalDelivery implements DeliveryAgent {
    private static final int MAX_LEVEL = 100;
    private static final int MAX_INCLUDE_DEPTH = 10;
    private static final int MAX_FORWARD_FILE = 1024 * 1024;

    /** Kind - where a destination came from; the words of allow_mail_to_commands / _files. */
    private enum Kind {
        ALIAS("alias"), FORWARD("forward"), INCLUDE("include");

        final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    /** Privs - the identity for commands and files: uid, gid, and the user when there is one. */
    private record Privs(int uid, int gid, Passwd.Entry user) {
    }

    /**
     * Expansion - the context of destinations being expanded: their kind, the identity for
     * commands and files, the alias name (self-reference and loops), the .forward user, the chain
     * of alias names above, the owner-alias sender, and the :include: depth.
     */
    private record Expansion(Kind kind, Privs privs, String aliasName, Passwd.Entry user, Set<String> chain,
                             String ownerSender, int includeDepth) {
    }

    /** Req - one delivery request: the open queue file and what is read from it once. */
    private final class Req {
        final DeliveryRequest request;
        final FileChannel queue;
        final Envelope env;
        final byte[] buffer;
        private Set<String> deliveredTo;

        Req(DeliveryRequest request, FileChannel queue) {
            this.request = request;
            this.queue = queue;
            this.env = request.envelope();
            this.buffer = MessageText.bufferFor(env.contentLength());
        }

        /** deliveredTo - the Delivered-To: addresses of the message, lower case. */
        Set<String> deliveredTo() throws IOException {
            if (deliveredTo == null) {
                deliveredTo = HeaderScan.deliveredTo(queue, env);
            }
            return deliveredTo;
        }
    }

    private final LocalSettings s;
    private final Logger log;
    private final CleanupService cleanup;
    private final Privileges privileges;
    private final Passwd passwd;
    private final Function<String, DeliveryAgent> transports;
    private final TableList aliases;
    private final TableList mailboxCommandMaps;
    private final TableList mailboxTransportMaps;
    private final TableList fallbackTransportMaps;
    private final MatchList localDomains;
    private final TableException localDomainsBroken;
    private final Maildir maildir;
    private final Mbox mbox;

    /**
     * The constructor the daemon uses: the password database through NSS, the machine's host
     * name for maildir file names.
     *
     * @param ctx        the local service's configuration view, logger ("postfix/local") and cleanup
     *                   (for forwarding)
     * @param tables     the daemon's table opener (alias_maps and friends are opened through it)
     * @param privileges the daemon's identity switcher, shared with virtual(8)
     * @param transports master.cf service name to its agent, for mailbox_transport and
     *                   fallback_transport (null answers: "mail transport unavailable")
     */
    public LocalDelivery(DeliveryContext ctx, TableOpener tables, Privileges privileges,
                         Function<String, DeliveryAgent> transports) {
        this(ctx, tables, privileges, Passwd.system(), transports, Failures.hostName());
    }

    /** The full constructor (tests give their own password file and host name). */
    public LocalDelivery(DeliveryContext ctx, TableOpener tables, Privileges privileges, Passwd passwd,
                         Function<String, DeliveryAgent> transports, String hostName) {
        Config c = ctx.config();
        this.s = LocalSettings.of(c);
        this.log = ctx.log();
        this.cleanup = ctx.cleanup();
        this.privileges = privileges;
        this.passwd = passwd;
        this.transports = transports;
        this.aliases = TableList.open("alias_maps", s.aliasMaps(), tables);
        this.mailboxCommandMaps = TableList.open("mailbox_command_maps", s.mailboxCommandMaps(), tables);
        this.mailboxTransportMaps = TableList.open("mailbox_transport_maps", s.mailboxTransportMaps(), tables);
        this.fallbackTransportMaps = TableList.open("fallback_transport_maps", s.fallbackTransportMaps(), tables);
        MatchList domains = null;
        TableException broken = null;
        try {
            domains = MatchList.domains("mydestination", s.mydestination(), tables);
        } catch (TableException e) {
            broken = e;
        }
        this.localDomains = domains;
        this.localDomainsBroken = broken;
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
                sink.result(RecipientResult.deferred(r, "4.3.0", Attempt.RELAY,
                        "cannot open queue file: " + Failures.describe(e)));
            }
            return;
        }
        try {
            Req req = new Req(request, q);
            for (Recipient r : request.recipients()) {
                Attempt a = new Attempt(r, s.duplicateFilterLimit());
                try {
                    recipient(req, a, r.address(), Set.of(), false, false, 0);
                } catch (IOException | RuntimeException e) {
                    log.warning(request.queueId() + ": " + r.address() + ": " + Failures.describe(e));
                    a.defer(r, "4.3.0", "local delivery failed: " + Failures.describe(e));
                }
                report(req, a, sink);
            }
        } finally {
            request.release(q);
        }
    }

    private void report(Req req, Attempt a, ResultSink sink) {
        if (!a.isDeferred()) {
            String sender = req.env.sender();
            for (Map.Entry<String, List<Forwarder.Target>> f : a.forwards.entrySet()) {
                try {
                    String deliveredTo = s.prependDeliveredHeader().contains("forward") ? a.deliveredTo : null;
                    String id = Forwarder.forward(cleanup, req.queue, req.env, f.getKey(), f.getValue(), deliveredTo,
                            req.buffer);
                    a.sent(a.top, "forwarded as " + id);
                } catch (IOException | RuntimeException e) {
                    log.warning(req.request.queueId() + ": cannot forward mail for " + a.top.address() + " from <"
                            + sender + ">: " + Failures.describe(e));
                    a.defer(a.top, "4.3.0", "cannot forward mail: " + Failures.describe(e));
                    break;
                }
            }
        }
        if (a.isEmpty()) {
            log.warning(req.request.queueId() + ": no delivery for " + a.top.address() + ": empty expansion");
            a.defer(a.top, "4.3.5", "mail system configuration error");
        }
        List<RecipientResult> parts = a.parts();
        if (parts.size() > 1) {
            for (RecipientResult p : parts) {
                sink.expansion(p); // one log line per destination, as Postfix's local logs them
            }
        }
        sink.result(a.result());
    }

    /** recipient - deliver to one address (the queue's recipient, or one its aliases lead to). */
    private void recipient(Req r, Attempt a, String address, Set<String> chain, boolean noAlias, boolean noForward,
                           int level) throws IOException {
        Recipient rcpt = a.recipientFor(address);
        if (level > MAX_LEVEL) {
            a.bounce(rcpt, "5.4.6", "mail forwarding loop for " + address);
            return;
        }
        if (level > 0 && !a.firstTime("recipient " + level + " " + address.toLowerCase(Locale.ROOT))) {
            return; // the same address twice in one expansion: once is enough
        }
        if (r.deliveredTo().contains(address.toLowerCase(Locale.ROOT))) {
            a.bounce(rcpt, "5.4.6", "mail forwarding loop for " + address);
            return;
        }
        LocalAddress la = LocalAddress.parse(address, s.recipientDelimiter(), s.ownerRequestSpecial());

        if (!noAlias && !aliases.isEmpty()) {
            String name = la.local();
            TableList.Hit hit;
            try {
                hit = aliases.find(name);
                if (hit == null && la.hasExtension()) {
                    name = la.user();
                    hit = aliases.findFixed(name);
                }
            } catch (TableException e) {
                log.warning(e.getMessage());
                log.warning(s.aliasMaps() + ": lookup of '" + name + "' failed");
                a.defer(rcpt, "4.3.0", "alias database unavailable");
                return;
            }
            if (hit != null) {
                alias(r, a, rcpt, la, name, hit, chain, level);
                return;
            }
        }

        Passwd.Entry user;
        try {
            user = passwd.lookup(la.user());
        } catch (IOException e) {
            log.warning("cannot look up user " + la.user() + ": " + e.getMessage());
            a.defer(rcpt, "4.3.0", "user lookup error");
            return;
        }
        if (user != null && !noForward && forwardFile(r, a, rcpt, la, user, chain, level)) {
            return;
        }
        String transport = transportFor(mailboxTransportMaps, s.mailboxTransport(), la, a, rcpt);
        if (transport == null) {
            return; // deferred
        }
        if (!transport.isEmpty()) {
            pass(r, a, rcpt, transport);
            return;
        }
        if (user != null) {
            mailbox(r, a, rcpt, la, user);
            return;
        }
        transport = transportFor(fallbackTransportMaps, s.fallbackTransport(), la, a, rcpt);
        if (transport == null) {
            return;
        }
        if (!transport.isEmpty()) {
            pass(r, a, rcpt, transport);
            return;
        }
        if (!s.luserRelay().isEmpty()) {
            luserRelay(r, a, rcpt, la, chain, level);
            return;
        }
        a.bounce(rcpt, "5.1.1", "unknown user: \"" + la.user() + "\"");
    }

    /** alias - expand an alias found in alias_maps. */
    private void alias(Req r, Attempt a, Recipient rcpt, LocalAddress la, String name, TableList.Hit hit,
                       Set<String> chain, int level) throws IOException {
        String owner = null;
        if (!name.startsWith("owner-")) {
            try {
                if (aliases.findFixed("owner-" + name) != null) {
                    owner = "owner-" + name + "@" + s.myorigin();
                }
            } catch (TableException e) {
                log.warning(e.getMessage());
                a.defer(rcpt, "4.3.0", "alias database unavailable");
                return;
            }
        }
        int[] own = TableList.owner(hit.table());
        Privs privs;
        if (own == null || own[0] == 0) {
            privs = defaultPrivs(a, rcpt);
            if (privs == null) {
                return;
            }
        } else {
            privs = new Privs(own[0], own[1], null);
        }
        Set<String> newChain = new HashSet<>(chain);
        newChain.add(name);
        List<Destination> ds = Destination.parse(hit.value());
        if (ds.isEmpty()) {
            log.warning("alias " + name + " in " + hit.table().spec() + " has an empty expansion");
            a.defer(rcpt, "4.3.5", "mail system configuration error");
            return;
        }
        Expansion x = new Expansion(Kind.ALIAS, privs, name, null, Set.copyOf(newChain), owner, 0);
        for (Destination d : ds) {
            destination(r, a, rcpt, la, d, x, level);
        }
    }

    /** forwardFile - use the user's .forward file; false when there is none (or it is empty). */
    private boolean forwardFile(Req r, Attempt a, Recipient rcpt, LocalAddress la, Passwd.Entry user,
                                Set<String> chain, int level) throws IOException {
        if (s.forwardPath().isEmpty()) {
            return false;
        }
        String paths;
        try {
            paths = LocalExpansion.expand(s.forwardPath(), names(la, user), s.forwardExpansionFilter());
        } catch (ConfigException e) {
            log.warning("forward_path: " + e.getMessage());
            a.defer(rcpt, "4.3.5", "mail system configuration error");
            return true;
        }
        for (String p : Config.splitList(paths)) {
            Path path = Path.of(p);
            if (!path.isAbsolute()) {
                continue;
            }
            String text;
            try {
                text = privileges.as(user.uid(), user.gid(), () -> readSmallFile(path));
            } catch (Privileges.NotPermittedException e) {
                a.defer(rcpt, "4.3.0", e.getMessage());
                return true;
            } catch (IOException e) {
                log.warning("cannot read " + path + ": " + Failures.describe(e));
                continue;
            }
            if (text == null) {
                continue;
            }
            List<Destination> ds = fileDestinations(text);
            if (ds.isEmpty()) {
                return false; // an empty .forward means: no forwarding
            }
            Expansion x = new Expansion(Kind.FORWARD, new Privs(user.uid(), user.gid(), user), null, user, chain,
                    null, 0);
            for (Destination d : ds) {
                destination(r, a, rcpt, la, d, x, level);
            }
            return true;
        }
        return false;
    }

    /** destination - one alias, .forward or :include: item. */
    private void destination(Req r, Attempt a, Recipient rcpt, LocalAddress la, Destination d, Expansion x, int level)
            throws IOException {
        switch (d.kind()) {
            case COMMAND -> {
                if (!s.allowCommands().contains(x.kind().word)) {
                    a.bounce(rcpt, "5.7.1", "mail to command is restricted");
                    return;
                }
                Privs p = x.privs().uid() == 0 ? defaultPrivs(a, rcpt) : x.privs();
                if (p != null && a.firstTime("command " + p.uid() + " " + d.text())) {
                    command(r, a, rcpt, la, d.text(), p, x.user(), deliveredToFor("command", a));
                }
            }
            case FILE -> {
                if (!s.allowFiles().contains(x.kind().word)) {
                    a.bounce(rcpt, "5.7.1", "mail to file is restricted");
                    return;
                }
                Privs p = x.privs().uid() == 0 ? defaultPrivs(a, rcpt) : x.privs();
                if (p != null && a.firstTime("file " + p.uid() + " " + d.text())) {
                    file(r, a, rcpt, d.text(), p);
                }
            }
            case INCLUDE -> include(r, a, rcpt, la, d.text(), x, level);
            case ADDRESS -> address(r, a, rcpt, d, x, level);
        }
    }

    private void include(Req r, Attempt a, Recipient rcpt, LocalAddress la, String file, Expansion x, int level)
            throws IOException {
        if (x.includeDepth() >= MAX_INCLUDE_DEPTH) {
            a.bounce(rcpt, "5.4.6", "mail forwarding loop for " + rcpt.address());
            return;
        }
        Path path = Path.of(file);
        if (!path.isAbsolute()) {
            log.warning(":include: file " + file + " is not an absolute path");
            a.bounce(rcpt, "5.3.5", "mail system configuration error");
            return;
        }
        String text;
        int[] owner;
        try {
            text = privileges.as(x.privs().uid(), x.privs().gid(), () -> readSmallFile(path));
            if (text == null) {
                throw new NoSuchFileException(file);
            }
            Map<String, Object> st = Files.readAttributes(path, "unix:uid,gid");
            owner = new int[]{(Integer) st.get("uid"), (Integer) st.get("gid")};
        } catch (Privileges.NotPermittedException e) {
            a.defer(rcpt, "4.3.0", e.getMessage());
            return;
        } catch (IOException e) {
            log.warning("unable to lookup :include: file " + file + ": " + Failures.reason(e));
            a.bounce(rcpt, "5.3.5", "mail system configuration error");
            return;
        }
        // Without a user context (aliases), the include file's owner is who its commands run as.
        Privs privs = x.privs();
        if (x.user() == null && owner[0] != 0) {
            privs = new Privs(owner[0], owner[1], null);
        }
        Expansion ix = new Expansion(Kind.INCLUDE, privs, null, x.user(), x.chain(), x.ownerSender(),
                x.includeDepth() + 1);
        for (Destination d : fileDestinations(text)) {
            destination(r, a, rcpt, la, d, ix, level);
        }
    }

    /** address - an address item: delivered here (local aliases) or forwarded. */
    private void address(Req r, Attempt a, Recipient rcpt, Destination d, Expansion x, int level) throws IOException {
        String addr = d.text();
        if (addr.indexOf('@') < 0) {
            addr = addr + "@" + s.myorigin();
        }
        LocalAddress t = LocalAddress.parse(addr, s.recipientDelimiter(), s.ownerRequestSpecial());
        boolean local;
        try {
            local = isLocalDomain(t.domain());
        } catch (TableException e) {
            log.warning("mydestination: " + e.getMessage());
            a.defer(rcpt, "4.3.0", "mail system configuration error");
            return;
        }
        String sender = x.ownerSender() != null ? x.ownerSender() : r.env.sender();
        String original = x.ownerSender() != null ? null : a.originalTo;
        boolean self = x.kind() != Kind.ALIAS && local && x.user() != null && t.user().equals(x.user().name());
        if (d.backslash() || self) {
            // a backslash before the name, or the user in their own .forward: that user's mailbox,
            // no further aliasing
            if (local) {
                recipient(r, a, addr, x.chain(), true, true, level + 1);
            } else {
                a.forward(sender, addr, original);
            }
            return;
        }
        if (x.kind() == Kind.ALIAS && x.ownerSender() == null && local) {
            if (t.local().equals(x.aliasName())) {
                recipient(r, a, addr, x.chain(), true, false, level + 1); // an alias to itself: the user
                return;
            }
            if (x.chain().contains(t.local())) {
                log.warning("alias database loop for " + x.aliasName());
                a.bounce(rcpt, "5.4.6", "alias database loop for " + x.aliasName());
                return;
            }
            recipient(r, a, addr, x.chain(), false, false, level + 1);
            return;
        }
        a.forward(sender, addr, original);
    }

    /** mailbox - the user's own mailbox: mailbox_command, home_mailbox or the spool. */
    private void mailbox(Req r, Attempt a, Recipient rcpt, LocalAddress la, Passwd.Entry u) throws IOException {
        if (!a.firstTime("mailbox " + u.name())) {
            return; // reached twice through aliases: one copy
        }
        String cmd = null;
        if (!mailboxCommandMaps.isEmpty()) {
            try {
                TableList.Hit h = mailboxCommandMaps.find(la.user());
                cmd = h == null ? null : h.value();
            } catch (TableException e) {
                log.warning(e.getMessage());
                a.defer(rcpt, "4.3.0", "mailbox_command_maps lookup failure");
                return;
            }
        }
        if (cmd == null && !s.mailboxCommand().isEmpty()) {
            cmd = s.mailboxCommand();
        }
        if (cmd != null) {
            Privs p = u.uid() == 0 ? defaultPrivs(a, rcpt) : new Privs(u.uid(), u.gid(), u);
            if (p != null) {
                command(r, a, rcpt, la, cmd, p, u, deliveredToFor("command", a));
            }
            return;
        }
        Path home = Path.of(u.home().isEmpty() ? "/" : u.home());
        if (s.requireHomeDirectory() && !homeExists(u, home)) {
            a.defer(rcpt, "4.3.0", "user home directory not found: " + home);
            return;
        }
        DeliveryText text = new DeliveryText(r.queue, r.env, a.originalTo, a.deliveredTo, r.buffer);
        int bufferSize = (int) Math.min(64 * 1024, text.sizeHint());
        long limit = s.mailboxSizeLimit();
        String hm = s.homeMailbox();
        if (!hm.isEmpty()) {
            Path target = home.resolve(hm);
            if (hm.endsWith("/")) {
                maildir(a, rcpt, u, home, target, text, bufferSize, limit);
                return;
            }
            List<String> warnings = new ArrayList<>();
            try {
                privileges.as(u.uid(), u.gid(), () -> {
                    SafePaths.directories(home, target.getParent(), u.uid(), false);
                    mbox.deliver(new Mbox.Target(target, s.strictMailboxOwnership() ? u.uid() : -1, -1, -1),
                            s.locking(), limit, bufferSize, sink -> text.writeTo(sink, DeliveryText.Format.MBOX),
                            warnings);
                    return null;
                });
                a.sent(rcpt, "delivered to mailbox");
            } catch (IOException e) {
                failed(a, rcpt, "cannot update mailbox " + target + " for user " + u.name() + ". ", e);
            } finally {
                warnings.forEach(log::warning);
            }
            return;
        }
        String spool = s.mailSpoolDirectory();
        if (spool.endsWith("/")) {
            Path root = Path.of(spool);
            maildir(a, rcpt, u, root, root.resolve(u.name()), text, bufferSize, limit);
            return;
        }
        Path target = Path.of(spool).resolve(u.name());
        List<String> warnings = new ArrayList<>();
        Privileges.Work<Void> work = () -> {
            mbox.deliver(new Mbox.Target(target, s.strictMailboxOwnership() ? u.uid() : -1, u.uid(), u.gid()),
                    s.locking(), limit, bufferSize, sink -> text.writeTo(sink, DeliveryText.Format.MBOX), warnings);
            return null;
        };
        try {
            if (privileges.isRoot()) {
                work.run(); // the spool belongs to root: create as root, then give the file to the user
            } else {
                privileges.as(u.uid(), u.gid(), work);
            }
            a.sent(rcpt, "delivered to mailbox");
        } catch (IOException e) {
            failed(a, rcpt, "cannot update mailbox " + target + " for user " + u.name() + ". ", e);
        } finally {
            warnings.forEach(log::warning);
        }
    }

    private boolean homeExists(Passwd.Entry u, Path home) {
        try {
            return privileges.as(u.uid(), u.gid(), () -> Files.isDirectory(home));
        } catch (IOException e) {
            return false;
        }
    }

    private void maildir(Attempt a, Recipient rcpt, Passwd.Entry u, Path root, Path dir, DeliveryText text,
                         int bufferSize, long limit) {
        try {
            privileges.as(u.uid(), u.gid(), () -> maildir.deliver(root, dir, u.uid(), limit, bufferSize,
                    sink -> text.writeTo(sink, DeliveryText.Format.MAILDIR)));
            a.sent(rcpt, "delivered to maildir");
        } catch (IOException e) {
            if (Failures.classify(e) != Failures.Kind.TOO_LARGE) {
                log.warning("maildir access problem for UID/GID=" + u.uid() + "/" + u.gid() + ": "
                        + Failures.describe(e));
            }
            failed(a, rcpt, "maildir delivery failed: ", e);
        }
    }

    /** file - a "/file" destination (a maildir when it ends in "/"). */
    private void file(Req r, Attempt a, Recipient rcpt, String file, Privs p) {
        String deliveredTo = deliveredToFor("file", a);
        DeliveryText text = new DeliveryText(r.queue, r.env, a.originalTo, deliveredTo, r.buffer);
        int bufferSize = (int) Math.min(64 * 1024, text.sizeHint());
        long limit = s.mailboxSizeLimit();
        Path path = Path.of(file).normalize();
        List<String> warnings = new ArrayList<>();
        try {
            if (file.endsWith("/")) {
                privileges.as(p.uid(), p.gid(), () -> {
                    if (path.getParent() != null) {
                        Files.createDirectories(path.getParent());
                    }
                    return maildir.deliver(path.getParent() == null ? path : path.getParent(), path, -1, limit,
                            bufferSize, sink -> text.writeTo(sink, DeliveryText.Format.MAILDIR));
                });
            } else {
                privileges.as(p.uid(), p.gid(), () -> {
                    mbox.deliver(new Mbox.Target(path, -1, -1, -1), s.locking(), limit, bufferSize,
                            sink -> text.writeTo(sink, DeliveryText.Format.MBOX), warnings);
                    return null;
                });
            }
            a.sent(rcpt, "delivered to file: " + file);
        } catch (IOException e) {
            failed(a, rcpt, "cannot append message to file " + file + ": ", e);
        } finally {
            warnings.forEach(log::warning);
        }
    }

    /** command - a "|command" destination or mailbox_command. */
    private void command(Req r, Attempt a, Recipient rcpt, LocalAddress la, String command, Privs p,
                         Passwd.Entry user, String deliveredTo) {
        String[] prefix;
        try {
            prefix = privileges.commandPrefix(p.uid(), p.gid());
        } catch (IOException e) {
            a.defer(rcpt, "4.3.0", e.getMessage());
            return;
        }
        Path cwd;
        if (!s.commandExecutionDirectory().isEmpty()) {
            try {
                cwd = Path.of(LocalExpansion.expand(s.commandExecutionDirectory(), names(la, user),
                        s.executionDirectoryExpansionFilter()));
            } catch (ConfigException e) {
                log.warning("command_execution_directory: " + e.getMessage());
                a.defer(rcpt, "4.3.5", "mail system configuration error");
                return;
            }
            if (!Files.isDirectory(cwd)) {
                log.warning("cannot change to directory " + cwd + ": No such file or directory");
                a.defer(rcpt, "4.3.0", "mail system configuration error");
                return;
            }
        } else {
            cwd = Path.of(s.queueDirectory().isEmpty() ? "/" : s.queueDirectory());
            if (!Files.isDirectory(cwd)) {
                cwd = Path.of("/");
            }
        }
        DeliveryText text = new DeliveryText(r.queue, r.env, a.originalTo, deliveredTo, r.buffer);
        int bufferSize = (int) Math.min(64 * 1024, text.sizeHint());
        CommandRunner.Outcome o = CommandRunner.run(command, s.localCommandShell(), prefix,
                environment(r, a, la, user), cwd, s.commandTimeLimitSeconds(), bufferSize,
                sink -> text.writeTo(sink, DeliveryText.Format.COMMAND), log::warning);
        switch (o.status()) {
            case '2' -> a.sent(rcpt, o.text());
            case '4' -> a.defer(rcpt, o.dsn(), o.text());
            default -> a.bounce(rcpt, o.dsn(), o.text());
        }
    }

    private void luserRelay(Req r, Attempt a, Recipient rcpt, LocalAddress la, Set<String> chain, int level)
            throws IOException {
        String dest;
        try {
            dest = LocalExpansion.expand(s.luserRelay(), names(la, null), "");
        } catch (ConfigException e) {
            log.warning("luser_relay: " + e.getMessage());
            a.defer(rcpt, "4.3.5", "mail system configuration error");
            return;
        }
        Privs privs = defaultPrivs(a, rcpt);
        if (privs == null) {
            return;
        }
        Expansion x = new Expansion(Kind.ALIAS, privs, null, null, chain, null, 0);
        for (Destination d : Destination.parse(dest)) {
            destination(r, a, rcpt, la, d, x, level);
        }
    }

    /** transportFor - the transport from the maps or the parameter; "" for none, null when deferred. */
    private String transportFor(TableList maps, String parameter, LocalAddress la, Attempt a, Recipient rcpt) {
        if (!maps.isEmpty()) {
            try {
                TableList.Hit h = maps.find(la.address());
                if (h == null) {
                    h = maps.findFixed(la.user() + (la.domain().isEmpty() ? "" : "@" + la.domain()));
                }
                if (h == null) {
                    h = maps.findFixed(la.user());
                }
                if (h == null && !la.domain().isEmpty()) {
                    h = maps.findFixed("@" + la.domain());
                }
                if (h != null) {
                    return h.value().strip();
                }
            } catch (TableException e) {
                log.warning(e.getMessage());
                a.defer(rcpt, "4.3.0", maps.parameter() + " lookup failure");
                return null;
            }
        }
        return parameter;
    }

    /** pass - hand the recipient to another transport (mailbox_transport, fallback_transport). */
    private void pass(Req r, Attempt a, Recipient rcpt, String spec) {
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        String nexthop = colon < 0 || colon == spec.length() - 1 ? r.request.nexthop() : spec.substring(colon + 1);
        DeliveryAgent agent = transports == null ? null : transports.apply(name);
        if (agent == null) {
            log.warning("unknown mail transport: " + name);
            a.defer(rcpt, "4.3.0", "mail transport unavailable");
            return;
        }
        DeliveryRequest pass = new DeliveryRequest(r.request.queueFile(), r.env, List.of(rcpt), name, nexthop,
                r.request.activeMillis(), r.request.content());
        agent.deliver(pass, a::add);
    }

    private Privs defaultPrivs(Attempt a, Recipient rcpt) {
        try {
            Passwd.Entry e = passwd.lookup(s.defaultPrivs());
            if (e == null || e.uid() == 0) {
                log.warning("default_privs: unknown or privileged user: " + s.defaultPrivs());
                a.defer(rcpt, "4.3.5", "mail system configuration error");
                return null;
            }
            return new Privs(e.uid(), e.gid(), null);
        } catch (IOException e) {
            log.warning("default_privs " + s.defaultPrivs() + ": " + e.getMessage());
            a.defer(rcpt, "4.3.0", "user lookup error");
            return null;
        }
    }

    private String deliveredToFor(String context, Attempt a) {
        return s.prependDeliveredHeader().contains(context) ? a.deliveredTo : null;
    }

    private boolean isLocalDomain(String domain) throws TableException {
        if (domain.isEmpty()) {
            return true;
        }
        if (localDomainsBroken != null) {
            throw localDomainsBroken;
        }
        return localDomains.matchesDomain(domain.toLowerCase(Locale.ROOT));
    }

    /** failed - a mailbox, maildir or file delivery failed: bounce over quota, else defer. */
    private void failed(Attempt a, Recipient rcpt, String prefix, IOException e) {
        Failures.Kind k = Failures.classify(e);
        String text = prefix + (k == Failures.Kind.TOO_LARGE ? "error writing message: File too large"
                : Failures.describe(e));
        switch (k) {
            case TOO_LARGE, QUOTA -> a.bounce(rcpt, "5.2.2", text);
            case NO_SPACE -> a.defer(rcpt, "4.3.1", text);
            case NOT_PERMITTED -> a.defer(rcpt, "4.3.0", Failures.describe(e));
            default -> a.defer(rcpt, "4.2.0", text);
        }
    }

    /** names - the $names of forward_path, luser_relay and command_execution_directory. */
    private Map<String, String> names(LocalAddress la, Passwd.Entry u) {
        Map<String, String> m = new HashMap<>();
        m.put("user", u != null ? u.name() : la.user());
        if (u != null) {
            m.put("home", u.home());
            m.put("shell", u.shell());
        }
        m.put("recipient", la.address());
        m.put("extension", la.extension());
        m.put("domain", la.domain());
        m.put("local", la.local());
        String d = la.delimiter();
        if (d.isEmpty() && !s.recipientDelimiter().isEmpty()) {
            d = s.recipientDelimiter().substring(0, 1);
        }
        m.put("recipient_delimiter", d);
        return m;
    }

    /** environment - what a command gets, as local(8) documents it. */
    private Map<String, String> environment(Req r, Attempt a, LocalAddress la, Passwd.Entry u) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        for (String name : s.exportEnvironment()) {
            int eq = name.indexOf('=');
            if (eq > 0) {
                env.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (name.equals("MAIL_CONFIG")) {
                env.put(name, s.configDirectory());
            } else if (name.equals("LANG")) {
                env.put(name, "C"); // import_environment sets LANG=C for every Postfix process
            } else {
                String v = System.getenv(name);
                if (v != null) {
                    env.put(name, v);
                }
            }
        }
        String f = s.commandExpansionFilter();
        if (u != null) {
            env.put("SHELL", LocalExpansion.filter(u.shell(), f));
            env.put("HOME", LocalExpansion.filter(u.home(), f));
        }
        String user = u != null ? u.name() : la.user();
        env.put("USER", LocalExpansion.filter(user, f));
        env.put("LOGNAME", LocalExpansion.filter(user, f));
        if (!la.extension().isEmpty()) {
            env.put("EXTENSION", LocalExpansion.filter(la.extension(), f));
        }
        env.put("DOMAIN", LocalExpansion.filter(la.domain(), f));
        env.put("LOCAL", LocalExpansion.filter(la.local(), f));
        env.put("RECIPIENT", LocalExpansion.filter(la.address(), f));
        env.put("SENDER", LocalExpansion.filter(r.env.sender(), f));
        env.put("ORIGINAL_RECIPIENT", LocalExpansion.filter(a.originalTo, f));
        putAttribute(env, "CLIENT_ADDRESS", r.env.attribute("client_address"), f);
        putAttribute(env, "CLIENT_HELO", r.env.attribute("helo_name"), f);
        putAttribute(env, "CLIENT_HOSTNAME", r.env.attribute("client_name"), f);
        putAttribute(env, "CLIENT_PROTOCOL", r.env.attribute("protocol_name"), f);
        putAttribute(env, "SASL_METHOD", r.env.attribute("sasl_method"), f);
        putAttribute(env, "SASL_SENDER", r.env.attribute("sasl_sender"), f);
        putAttribute(env, "SASL_USERNAME", r.env.attribute("sasl_username"), f);
        return env;
    }

    private static void putAttribute(Map<String, String> env, String name, String value, String filter) {
        if (!value.isEmpty()) {
            env.put(name, LocalExpansion.filter(value, filter));
        }
    }

    /** fileDestinations - the items of a .forward or :include: file: every line, '#' lines skipped. */
    private static List<Destination> fileDestinations(String text) {
        List<Destination> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            out.addAll(Destination.parse(l));
        }
        return out;
    }

    /** readSmallFile - a .forward or :include: file (at most 1 MiB is read), or null when absent. */
    private static String readSmallFile(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes(MAX_FORWARD_FILE);
            return new String(b, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
