package tern.delivery.local;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import tern.config.Config;
import tern.delivery.mailbox.Mbox;

/**
 * LocalSettings - the main.cf values local(8) uses, read once per configuration snapshot.
 *
 * Values that local(8) expands itself with per-recipient names ($user, $home, $extension, ...)
 * are kept unexpanded: forward_path, luser_relay, command_execution_directory; mailbox_command is
 * not expanded at all (postconf(5): it is handed to the shell as written).
 */
record LocalSettings(
        String myhostname,
        String myorigin,
        String queueDirectory,
        String configDirectory,
        String homeMailbox,
        String mailSpoolDirectory,
        String mailboxCommand,
        String mailboxCommandMaps,
        String mailboxTransport,
        String mailboxTransportMaps,
        String fallbackTransport,
        String fallbackTransportMaps,
        String luserRelay,
        String forwardPath,
        String aliasMaps,
        Set<String> allowCommands,
        Set<String> allowFiles,
        String defaultPrivs,
        long mailboxSizeLimit,
        Mbox.Locking locking,
        long commandTimeLimitSeconds,
        String commandExecutionDirectory,
        String commandExpansionFilter,
        String forwardExpansionFilter,
        String executionDirectoryExpansionFilter,
        String localCommandShell,
        List<String> exportEnvironment,
        Set<String> prependDeliveredHeader,
        boolean strictMailboxOwnership,
        boolean requireHomeDirectory,
        String recipientDelimiter,
        boolean ownerRequestSpecial,
        boolean expandOwnerAlias,
        int duplicateFilterLimit,
        boolean enableOriginalRecipient,
        String mydestination) {

    static LocalSettings of(Config c) {
        return new LocalSettings(
                c.get("myhostname"),
                c.get("myorigin"),
                c.get("queue_directory"),
                c.configDirectory() == null ? "" : c.configDirectory().toString(),
                c.get("home_mailbox"),
                c.get("mail_spool_directory"),
                raw(c, "mailbox_command"),
                c.get("mailbox_command_maps"),
                c.get("mailbox_transport"),
                c.get("mailbox_transport_maps"),
                c.get("fallback_transport"),
                c.get("fallback_transport_maps"),
                raw(c, "luser_relay"),
                raw(c, "forward_path"),
                c.get("alias_maps"),
                lowerSet(c.list("allow_mail_to_commands")),
                lowerSet(c.list("allow_mail_to_files")),
                c.get("default_privs"),
                c.integer("mailbox_size_limit"),
                Mbox.Locking.of(c.list("mailbox_delivery_lock"), c.integer("deliver_lock_attempts"),
                        c.seconds("deliver_lock_delay"), c.seconds("stale_lock_time")),
                c.seconds("command_time_limit"),
                raw(c, "command_execution_directory"),
                c.get("command_expansion_filter"),
                c.get("forward_expansion_filter"),
                c.get("execution_directory_expansion_filter"),
                c.get("local_command_shell"),
                c.list("export_environment"),
                lowerSet(c.list("prepend_delivered_header")),
                c.bool("strict_mailbox_ownership"),
                c.bool("require_home_directory"),
                c.get("recipient_delimiter"),
                c.bool("owner_request_special"),
                c.bool("expand_owner_alias"),
                (int) Math.min(Integer.MAX_VALUE, Math.max(0, c.integer("duplicate_filter_limit"))),
                c.bool("enable_original_recipient"),
                c.get("mydestination"));
    }

    private static String raw(Config c, String name) {
        String v = c.raw(name);
        return v == null ? "" : v.strip();
    }

    private static Set<String> lowerSet(List<String> l) {
        Set<String> s = new HashSet<>();
        for (String x : l) {
            s.add(x.toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(s);
    }
}
