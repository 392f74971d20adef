package tern.smtpd;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import tern.tables.TableException;

/**
 * RestrictionList - one smtpd_*_restrictions list, compiled once from its words, evaluated in
 * order: the first restriction that permits or rejects decides; when none does, the list has
 * nothing against the request (an implicit permit for this list; the next list still runs).
 *
 * {@link #compile} is the one place that knows restriction names: adding a restriction is one case
 * there (and, when it needs more than a line, one small class like {@link AccessRestriction}).
 * A name Postfix knows but Tern does not implement yet, or an unknown one, compiles to what Postfix
 * does with an unknown name at run time: a warning and "451 4.3.5 Server configuration error".
 */
final class RestrictionList {
    private static final int MAX_DEPTH = 10;

    private final ListKind kind;
    private final List<Restriction> restrictions;

    private RestrictionList(ListKind kind, List<Restriction> restrictions) {
        this.kind = kind;
        this.restrictions = restrictions;
    }

    boolean isEmpty() {
        return restrictions.isEmpty();
    }

    /** evaluate - PERMIT, REJECT, or DUNNO when no restriction decided. */
    Verdict evaluate(Checks checks, CheckState s) throws TableException {
        return evaluate(new Check(checks, s, kind));
    }

    Verdict evaluate(Check c) throws TableException {
        for (Restriction r : restrictions) {
            Verdict v = r.check(c);
            if (v.kind() != Verdict.Kind.DUNNO) {
                return v;
            }
        }
        return Verdict.DUNNO;
    }

    /** compile - the list for one parameter's words (restriction names and their arguments). */
    static RestrictionList compile(ListKind kind, List<String> words, Checks checks) throws TableException {
        return compile(kind, words, checks, 0);
    }

    static RestrictionList compile(ListKind kind, List<String> words, Checks checks, int depth) throws TableException {
        List<Restriction> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String name = word.toLowerCase(Locale.ROOT);
            switch (name) {
                case "permit" -> out.add(c -> Verdict.PERMIT);
                case "dunno" -> out.add(c -> Verdict.DUNNO);
                case "reject" -> out.add(c -> c.reject(checks.code("reject_code"), "5.7.1", c.list, "Access denied"));
                case "defer" -> out.add(c -> c.reject(checks.code("defer_code"), "4.3.2", c.list, "Try again later"));
                case "permit_mynetworks" -> out.add(c -> c.inMynetworks() ? Verdict.PERMIT : Verdict.DUNNO);
                case "permit_sasl_authenticated" -> out.add(c -> c.s.saslUser != null ? Verdict.PERMIT : Verdict.DUNNO);
                case "permit_auth_destination" -> out.add(c -> c.s.recipient != null
                        && checks.authorizedDestination(c.s.recipient) ? Verdict.PERMIT : Verdict.DUNNO);
                case "reject_unauth_destination" -> out.add(c -> unauthorized(c, checks.code("relay_domains_reject_code"),
                        "5.7.1"));
                case "defer_unauth_destination" -> out.add(c -> unauthorized(c, 454, "4.7.1"));
                case "reject_unlisted_recipient", "check_recipient_maps" -> out.add(checks::unlistedRecipient);
                case "reject_non_fqdn_helo_hostname", "reject_non_fqdn_hostname" -> out.add(RestrictionList::nonFqdnHelo);
                case "reject_invalid_helo_hostname", "reject_invalid_hostname" -> out.add(RestrictionList::invalidHelo);
                case "reject_non_fqdn_sender" -> out.add(c -> nonFqdnAddress(c, c.s.sender, ListKind.SENDER));
                case "reject_non_fqdn_recipient" -> out.add(c -> nonFqdnAddress(c, c.s.recipient, ListKind.RECIPIENT));
                case "check_client_access", "check_helo_access", "check_sender_access", "check_recipient_access" -> {
                    if (i + 1 >= words.size()) {
                        out.add(missingArgument(word, "table name"));
                        continue;
                    }
                    String spec = words.get(++i);
                    AccessRestriction.Target t = switch (name) {
                        case "check_client_access" -> AccessRestriction.Target.CLIENT;
                        case "check_helo_access" -> AccessRestriction.Target.HELO;
                        case "check_sender_access" -> AccessRestriction.Target.SENDER;
                        default -> AccessRestriction.Target.RECIPIENT;
                    };
                    out.add(new AccessRestriction(t, checks.opener().open(spec), depth));
                }
                case "reject_rbl_client", "reject_rhsbl_client", "reject_rhsbl_sender", "reject_rhsbl_helo",
                     "reject_rhsbl_recipient", "reject_rhsbl_reverse_client", "permit_dnswl_client",
                     "permit_rhswl_client" -> {
                    if (i + 1 >= words.size() || isRestrictionName(words.get(i + 1))) {
                        // Postfix 3.7 ignores the bare form with a warning (the seed page uses it)
                        out.add(missingArgument(word, "domain name"));
                        continue;
                    }
                    i++;
                    out.add(unknown(word)); // DNS lists need the dns package
                }
                default -> {
                    List<String> classWords = checks.restrictionClass(word);
                    if (classWords != null && depth < MAX_DEPTH) {
                        RestrictionList nested = compile(kind, classWords, checks, depth + 1);
                        out.add(nested::evaluate);
                    } else {
                        out.add(unknown(word));
                    }
                }
            }
        }
        return new RestrictionList(kind, List.copyOf(out));
    }

    /** isRestrictionName - whether a word after a DNS list restriction is the next restriction, not a zone. */
    private static boolean isRestrictionName(String w) {
        String n = w.toLowerCase(Locale.ROOT);
        return n.startsWith("permit") || n.startsWith("reject") || n.startsWith("check_") || n.startsWith("defer")
                || n.equals("dunno") || n.startsWith("warn_");
    }

    private static Restriction missingArgument(String word, String what) {
        String text = "restriction " + word + " requires " + what + " argument";
        return c -> {
            c.warning(text);
            return Verdict.DUNNO;
        };
    }

    private static Restriction unknown(String word) {
        String text = "unknown smtpd restriction: \"" + word + "\"";
        return c -> {
            c.warning(text);
            return Verdict.reject("451 4.3.5 Server configuration error");
        };
    }

    private static Verdict unauthorized(Check c, int code, String dsn) throws TableException {
        String rcpt = c.s.recipient;
        if (rcpt == null || c.checks.authorizedDestination(rcpt)) {
            return Verdict.DUNNO;
        }
        return Verdict.reject(code + " " + dsn + " <" + rcpt + ">: Relay access denied");
    }

    private static Verdict nonFqdnHelo(Check c) {
        String h = c.s.helo;
        if (h == null || h.startsWith("[") || isFqdn(h)) {
            return Verdict.DUNNO;
        }
        return c.reject(c.checks.code("non_fqdn_reject_code"), "5.5.2", ListKind.HELO, "need fully-qualified hostname");
    }

    private static Verdict invalidHelo(Check c) {
        String h = c.s.helo;
        if (h == null) {
            return Verdict.DUNNO;
        }
        boolean valid = h.startsWith("[") ? SmtpAddress.validLiteral(h)
                : SmtpAddress.validHostname(h.endsWith(".") ? h.substring(0, h.length() - 1) : h, true)
                || SmtpAddress.validIpv4(h);
        if (valid) {
            return Verdict.DUNNO;
        }
        return c.reject(c.checks.code("invalid_hostname_reject_code"), "5.5.2", ListKind.HELO, "Invalid name");
    }

    private static Verdict nonFqdnAddress(Check c, String address, ListKind kind) {
        if (address == null || address.isEmpty()) {
            return Verdict.DUNNO;
        }
        String domain = SmtpAddress.domainOf(address);
        if (domain.startsWith("[") || isFqdn(domain)) {
            return Verdict.DUNNO;
        }
        return c.reject(c.checks.code("non_fqdn_reject_code"), "5.5.2", kind, "need fully-qualified address");
    }

    /** isFqdn - a name with a dot inside it ("a.b", "a.b."), as reject_non_fqdn_* wants it. */
    private static boolean isFqdn(String name) {
        int dot = name.indexOf('.');
        return dot > 0 && dot < name.length() - 1;
    }
}
