package tern.rewrite;

import java.io.IOException;

import tern.tables.TableException;

/**
 * RecipientValidator - the recipient check that smtpd runs at RCPT TO time (Postfix's
 * reject_unlisted_recipient, on by default through smtpd_reject_unlisted_recipient): is this an
 * address the mail system will take, according to its address class?
 * <ol>
 * <li>An address that canonical_maps, recipient_canonical_maps or virtual_alias_maps know is
 *     accepted, whatever its class (cleanup will rewrite it).</li>
 * <li>An address that resolves to the error transport (transport_maps "error:...", or a virtual
 *     alias domain) is rejected with that reason, and one that resolves to the retry transport is
 *     refused for now: "550 5.1.2 &lt;a@b&gt;: Recipient address rejected: no such domain here".</li>
 * <li>Local class: local_recipient_maps, when not empty, must know it ("User unknown in local
 *     recipient table", unknown_local_recipient_reject_code). Virtual mailbox class:
 *     virtual_mailbox_maps, when not empty ("... in virtual mailbox table"). Relay class:
 *     relay_recipient_maps, when not empty ("... in relay recipient table"). The default class
 *     has no table: accepted here (relay permission is smtpd's reject_unauth_destination).</li>
 * </ol>
 * Use: {@code Rejection r = validator.check(address); if (r != null) reply(r.reply(address));}.
 * A table that cannot answer throws IOException: smtpd then answers "451 4.3.0 &lt;address&gt;:
 * Temporary lookup failure", as Postfix does, never accepting or rejecting on a guess.
 */
public final class RecipientValidator {
    /** Rejection - why the recipient is refused; reply() gives the SMTP reply line. */
    public record Rejection(int code, String dsn, String text) {
        /** reply - "550 5.1.1 &lt;address&gt;: Recipient address rejected: TEXT". */
        public String reply(String address) {
            return code + " " + dsn + " <" + address + ">: Recipient address rejected: " + text;
        }
    }

    private final TrivialRewrite rewrite;

    RecipientValidator(TrivialRewrite rewrite) {
        this.rewrite = rewrite;
    }

    /** check - null when the recipient is acceptable, else the rejection. */
    public Rejection check(String address) throws IOException {
        try {
            return checkChecked(address);
        } catch (TableException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private Rejection checkChecked(String address) throws TableException {
        String a = rewrite.canonical(address);
        if (rewrite.knownByMapping(a)) {
            return null;
        }
        Resolution r = rewrite.resolveChecked(a);
        if (r.addressClass() == AddressClass.VIRTUAL_ALIAS) {
            return rejection("unknown_virtual_alias_reject_code", rewrite.unknown(AddressClass.VIRTUAL_ALIAS));
        }
        if (r.transport().equalsIgnoreCase("error") || r.transport().equalsIgnoreCase("retry")) {
            boolean retry = r.transport().equalsIgnoreCase("retry");
            String reason = r.nexthop().strip();
            String dsn = retry ? "4.1.1" : "5.1.1";
            int sp = reason.indexOf(' ');
            String first = sp < 0 ? reason : reason.substring(0, sp);
            if (isDsn(first)) {
                dsn = (retry ? "4" : "5") + first.substring(1);
                reason = sp < 0 ? "" : reason.substring(sp + 1).strip();
            }
            if (reason.isEmpty()) {
                reason = "Address is undeliverable";
            }
            return new Rejection(retry ? 450 : 550, dsn, reason);
        }
        AddressMaps maps = rewrite.recipientMaps(r.addressClass());
        if (maps == null || maps.isEmpty()) {
            return null;
        }
        if (maps.find(r.recipient(), rewrite.local()) != null) {
            return null;
        }
        String param = switch (r.addressClass()) {
            case LOCAL -> "unknown_local_recipient_reject_code";
            case VIRTUAL_MAILBOX -> "unknown_virtual_mailbox_reject_code";
            default -> "unknown_relay_recipient_reject_code";
        };
        return rejection(param, rewrite.unknown(r.addressClass()));
    }

    private Rejection rejection(String codeParameter, String text) {
        long code = rewrite.config().integer(codeParameter);
        if (code < 400 || code > 599) {
            code = 550;
        }
        return new Rejection((int) code, code >= 500 ? "5.1.1" : "4.1.1", text);
    }

    private static boolean isDsn(String s) {
        return s.matches("[245]\\.\\d{1,3}\\.\\d{1,3}");
    }
}
