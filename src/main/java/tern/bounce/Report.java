package tern.bounce;

import tern.queue.Recipient;

/**
 * Report - one recipient in a delivery status notification: the recipient as the queue file holds
 * it (address, original address, ORCPT, NOTIFY bits), and the outcome as the delivery agent or the
 * queue manager reported it.
 *
 * @param recipient the recipient
 * @param dsn       the enhanced status code ("5.1.1", "4.4.1", "2.0.0")
 * @param relay     what the log showed as relay= ("none", "local", "mx.example.com[192.0.2.1]:25")
 * @param text      the reason as logged in parentheses
 */
public record Report(Recipient recipient, String dsn, String relay, String text) {
}
