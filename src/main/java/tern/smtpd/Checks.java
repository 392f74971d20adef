package tern.smtpd;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tern.config.Config;
import tern.log.Logger;
import tern.tables.MatchList;
import tern.tables.TableException;
import tern.tables.TableOpener;

/**
 * Checks - smtpd's access policy for one service (Postfix's smtpd_check): the compiled restriction
 * lists and what they consult (mynetworks, the destination classes, local recipients), and the
 * order in which a request meets them:
 * <ul>
 * <li>with smtpd_delay_reject = yes (the default) the client, helo and sender lists are evaluated at
 *     RCPT time, before the relay and recipient lists; otherwise each at its own command;</li>
 * <li>after the recipient lists, smtpd_reject_unlisted_recipient rejects unknown local
 *     recipients;</li>
 * <li>the data, end-of-data and etrn lists at their commands.</li>
 * </ul>
 * Each stage method returns null (go on) or the complete reply; soft_bounce turns a 5xx reply
 * into 4xx. A table that cannot answer makes the reply "451 4.3.0 &lt;what&gt;: Temporary lookup
 * failure", with a warning.
 *
 * Built once per service and shared by its sessions (read-only after construction). Construction
 * fails with TableException for what Postfix would refuse to start with (an unsupported table type)
 * and with IllegalArgumentException for a configuration that would make an open relay.
 */
final class Checks {
    private final Settings settings;
    private final Config config;
    private final Logger log;
    private final TableOpener opener;
    private final MatchList mynetworks;
    private final Destinations destinations;
    private final RecipientValidation recipients;
    private final Map<String, Integer> codes = new HashMap<>();
    private final Map<String, List<String>> classes = new HashMap<>();
    private final String nullAccessLookupKey;
    private final RestrictionList client;
    private final RestrictionList helo;
    private final RestrictionList sender;
    private final RestrictionList relay;
    private final RestrictionList recipient;
    private final RestrictionList data;
    private final RestrictionList endOfData;
    private final RestrictionList etrn;

    Checks(Settings settings, Config config, Logger log, TableOpener opener, RecipientValidation recipients)
            throws TableException {
        this.settings = settings;
        this.config = config;
        this.log = log;
        this.opener = opener;
        this.recipients = recipients;
        for (String p : List.of("reject_code", "defer_code", "access_map_reject_code", "access_map_defer_code",
                "relay_domains_reject_code", "non_fqdn_reject_code", "invalid_hostname_reject_code")) {
            codes.put(p, (int) config.integer(p));
        }
        for (String name : config.list("smtpd_restriction_classes")) {
            classes.put(name.toLowerCase(Locale.ROOT), config.list(name));
        }
        nullAccessLookupKey = config.get("smtpd_null_access_lookup_key");
        mynetworks = MatchList.hosts("mynetworks", config.get("mynetworks"), opener);
        destinations = new Destinations(config, opener);
        client = compile(ListKind.CLIENT);
        helo = compile(ListKind.HELO);
        sender = compile(ListKind.SENDER);
        relay = compile(ListKind.RELAY);
        recipient = compile(ListKind.RECIPIENT);
        data = compile(ListKind.DATA);
        endOfData = compile(ListKind.END_OF_DATA);
        etrn = compile(ListKind.ETRN);
        if (!stopsRelaying(ListKind.RELAY) && !stopsRelaying(ListKind.RECIPIENT)) {
            throw new IllegalArgumentException("in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions,"
                    + " specify at least one working instance of: reject_unauth_destination, defer_unauth_destination,"
                    + " reject, defer, defer_if_permit or check_relay_domains");
        }
    }

    private RestrictionList compile(ListKind kind) throws TableException {
        return RestrictionList.compile(kind, config.list(kind.parameter), this);
    }

    /** stopsRelaying - whether a list has something that can refuse mail to other destinations. */
    private boolean stopsRelaying(ListKind kind) {
        for (String w : config.list(kind.parameter)) {
            switch (w.toLowerCase(Locale.ROOT)) {
                case "reject_unauth_destination", "defer_unauth_destination", "reject", "defer", "defer_if_permit",
                     "check_relay_domains" -> {
                    return true;
                }
                default -> {
                }
            }
        }
        return false;
    }

    Settings settings() {
        return settings;
    }

    Logger log() {
        return log;
    }

    TableOpener opener() {
        return opener;
    }

    MatchList mynetworks() {
        return mynetworks;
    }

    int code(String parameter) {
        return codes.get(parameter);
    }

    String nullAccessLookupKey() {
        return nullAccessLookupKey;
    }

    /** restrictionClass - the words of a smtpd_restriction_classes name, or null. */
    List<String> restrictionClass(String name) {
        return classes.get(name.toLowerCase(Locale.ROOT));
    }

    /** connect - smtpd_client_restrictions at connect time (only without smtpd_delay_reject). */
    String connect(CheckState s) {
        return settings.delayReject() ? null : run(s, ListKind.CLIENT, client);
    }

    /** helo - smtpd_helo_restrictions at HELO/EHLO time (only without smtpd_delay_reject). */
    String helo(CheckState s) {
        return settings.delayReject() ? null : run(s, ListKind.HELO, helo);
    }

    /** mail - smtpd_sender_restrictions at MAIL time (only without smtpd_delay_reject). */
    String mail(CheckState s) {
        return settings.delayReject() ? null : run(s, ListKind.SENDER, sender);
    }

    /** rcpt - everything a recipient must pass (also used for VRFY). */
    String rcpt(CheckState s) {
        String r;
        if (settings.delayReject()) {
            if ((r = run(s, ListKind.CLIENT, client)) != null
                    || (r = run(s, ListKind.HELO, helo)) != null
                    || (r = run(s, ListKind.SENDER, sender)) != null) {
                return r;
            }
        }
        if ((r = run(s, ListKind.RELAY, relay)) != null || (r = run(s, ListKind.RECIPIENT, recipient)) != null) {
            return r;
        }
        if (settings.rejectUnlistedRecipient()) {
            try {
                Verdict v = unlistedRecipient(new Check(this, s, ListKind.RECIPIENT));
                if (v.isReject()) {
                    return soften(v.reply());
                }
            } catch (TableException e) {
                return lookupFailure(ListKind.RECIPIENT, s, e);
            }
        }
        return null;
    }

    String data(CheckState s) {
        return run(s, ListKind.DATA, data);
    }

    String endOfData(CheckState s) {
        return run(s, ListKind.END_OF_DATA, endOfData);
    }

    String etrn(CheckState s) {
        return run(s, ListKind.ETRN, etrn);
    }

    private String run(CheckState s, ListKind kind, RestrictionList list) {
        if (list.isEmpty()) {
            return null;
        }
        try {
            Verdict v = list.evaluate(this, s);
            return v.isReject() ? soften(v.reply()) : null;
        } catch (TableException e) {
            return lookupFailure(kind, s, e);
        }
    }

    private String lookupFailure(ListKind kind, CheckState s, TableException e) {
        log.warning(e.getMessage());
        return "451 4.3.0 <" + kind.what(s) + ">: Temporary lookup failure";
    }

    /** soften - soft_bounce: a 5xx reply becomes 4xx, its enhanced code too. */
    private String soften(String reply) {
        if (!settings.softBounce() || reply.isEmpty() || reply.charAt(0) != '5') {
            return reply;
        }
        StringBuilder b = new StringBuilder(reply);
        b.setCharAt(0, '4');
        if (b.length() > 5 && b.charAt(4) == '5' && b.charAt(5) == '.') {
            b.setCharAt(4, '4');
        }
        return b.toString();
    }

    /**
     * authorizedDestination - whether mail to this recipient needs no relay permission: its domain
     * is one of ours (local, virtual, relay_domains) and its local part does no routing of its own
     * (user@elsewhere@domain, user%elsewhere@domain, elsewhere!user@domain).
     */
    boolean authorizedDestination(String recipient) throws TableException {
        String local = SmtpAddress.localPartOf(recipient);
        if (recipient.indexOf('@') >= 0
                && (local.indexOf('@') >= 0 || local.indexOf('%') >= 0 || local.indexOf('!') >= 0)) {
            return false;
        }
        return destinations.classify(SmtpAddress.domainOf(recipient)) != Destinations.AddressClass.DEFAULT;
    }

    /**
     * unlistedRecipient - reject_unlisted_recipient: the {@link RecipientValidation} hook decides;
     * postmaster, MAILER-DAEMON and the double-bounce address always pass (Postfix's smtpd never
     * refuses them, so that bounces and complaints get through).
     */
    Verdict unlistedRecipient(Check c) throws TableException {
        String rcpt = c.s.recipient;
        if (rcpt == null || recipients == null) {
            return Verdict.DUNNO;
        }
        String local = SmtpAddress.localPartOf(rcpt);
        if (local.equalsIgnoreCase("postmaster") || local.equalsIgnoreCase("mailer-daemon")
                || local.equalsIgnoreCase(settings.doubleBounceSender())) {
            return Verdict.DUNNO;
        }
        String reply;
        try {
            reply = recipients.reject(rcpt);
        } catch (IOException e) {
            throw new TableException(e.getMessage(), e);
        }
        return reply == null ? Verdict.DUNNO : Verdict.reject(reply);
    }
}
