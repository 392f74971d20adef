package tern.qmgr;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import tern.config.Config;

/**
 * QmgrSettings - the main.cf values the queue manager works with, read once per configuration
 * snapshot. Times are in milliseconds.
 *
 * @param minimalBackoff     minimal_backoff_time
 * @param maximalBackoff     maximal_backoff_time
 * @param queueRunDelay      queue_run_delay: how often the deferred queue is scanned
 * @param maximalLifetime    maximal_queue_lifetime
 * @param bounceLifetime     bounce_queue_lifetime (messages with the null sender)
 * @param delayWarning       delay_warning_time, 0 when off
 * @param activeLimit        qmgr_message_active_limit: messages in the active queue at once
 * @param deferTransports    defer_transports: transports used only when the queue is flushed
 * @param doubleBounceSender double_bounce_sender (its local part: mail to it is discarded)
 * @param delayResolution    delay_logging_resolution_limit (digits after the point in delay=)
 */
public record QmgrSettings(long minimalBackoff, long maximalBackoff, long queueRunDelay, long maximalLifetime,
                           long bounceLifetime, long delayWarning, int activeLimit, Set<String> deferTransports,
                           String doubleBounceSender, int delayResolution) {

    /** of - the settings of a configuration snapshot. */
    public static QmgrSettings of(Config c) {
        Set<String> defer = new TreeSet<>();
        for (String t : c.list("defer_transports")) {
            defer.add(t.toLowerCase(Locale.ROOT));
        }
        long minimal = Math.max(1, c.seconds("minimal_backoff_time")) * 1000;
        long maximal = Math.max(minimal, c.seconds("maximal_backoff_time") * 1000);
        long active = c.integer("qmgr_message_active_limit");
        long resolution = c.integer("delay_logging_resolution_limit");
        return new QmgrSettings(minimal, maximal, Math.max(1, c.seconds("queue_run_delay")) * 1000,
                Math.max(0, c.seconds("maximal_queue_lifetime")) * 1000, Math.max(0, c.seconds("bounce_queue_lifetime")) * 1000,
                Math.max(0, c.seconds("delay_warning_time")) * 1000,
                (int) Math.min(Integer.MAX_VALUE, active <= 0 ? 20000 : active), Set.copyOf(defer),
                c.get("double_bounce_sender"), (int) Math.max(0, Math.min(6, resolution)));
    }
}
