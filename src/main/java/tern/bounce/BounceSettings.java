package tern.bounce;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import tern.config.Config;

/**
 * BounceSettings - the main.cf values the bounce service uses, read once per snapshot.
 *
 * @param myhostname              the Reporting-MTA and the host named in the notices
 * @param myorigin                the domain of the double-bounce sender and of bare notice recipients
 * @param mailName                mail_name, for nothing but the human-readable part's signature
 * @param notifyClasses           notify_classes, lower case ("bounce" implies "2bounce")
 * @param bounceNoticeRecipient   bounce_notice_recipient
 * @param twoBounceNoticeRecipient 2bounce_notice_recipient
 * @param delayNoticeRecipient    delay_notice_recipient
 * @param errorNoticeRecipient    error_notice_recipient
 * @param doubleBounceSender      double_bounce_sender (local part)
 * @param bounceSizeLimit         bounce_size_limit: larger originals are returned as headers only
 * @param delayWarningSeconds     delay_warning_time, for the text of delay notices
 * @param maximalLifetimeSeconds  maximal_queue_lifetime, for the text of delay notices
 */
public record BounceSettings(String myhostname, String myorigin, String mailName, Set<String> notifyClasses,
                             String bounceNoticeRecipient, String twoBounceNoticeRecipient, String delayNoticeRecipient,
                             String errorNoticeRecipient, String doubleBounceSender, long bounceSizeLimit,
                             long delayWarningSeconds, long maximalLifetimeSeconds) {

    /** of - the settings of a configuration snapshot. */
    public static BounceSettings of(Config c) {
        Set<String> classes = new TreeSet<>();
        for (String s : c.list("notify_classes")) {
            classes.add(s.toLowerCase(Locale.ROOT));
        }
        String origin = c.get("myorigin");
        return new BounceSettings(c.get("myhostname"), origin.isEmpty() ? c.get("myhostname") : origin,
                c.get("mail_name"), Set.copyOf(classes), c.get("bounce_notice_recipient"),
                c.get("2bounce_notice_recipient"), c.get("delay_notice_recipient"), c.get("error_notice_recipient"),
                c.get("double_bounce_sender"), c.integer("bounce_size_limit"), c.seconds("delay_warning_time"),
                c.seconds("maximal_queue_lifetime"));
    }

    /** notifies - whether notify_classes asks for this class ("bounce" also means "2bounce"). */
    public boolean notifies(String cls) {
        if (notifyClasses.contains(cls)) {
            return true;
        }
        return cls.equals("2bounce") && notifyClasses.contains("bounce");
    }

    /** doubleBounceAddress - the sender of postmaster notices, double_bounce_sender@myorigin. */
    public String doubleBounceAddress() {
        return doubleBounceSender + "@" + myorigin;
    }
}
