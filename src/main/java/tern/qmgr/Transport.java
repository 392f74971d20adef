package tern.qmgr;

import tern.config.Config;
import tern.delivery.DeliveryAgent;
import tern.log.Logger;

/**
 * Transport - one master.cf delivery service as the queue manager schedules it: its name (what the
 * resolve step and transport_maps say), the agent that delivers, the logger whose name goes in the
 * delivery log lines ("postfix/smtp[pid]"), and its limits.
 *
 * @param name   the master.cf service name ("smtp", "relay", "local", "mailman")
 * @param agent  the delivery agent built for this service
 * @param log    the service's logger; the queue manager writes the "to=..." lines with it
 * @param limits how many deliveries at once and how many recipients per delivery
 */
public record Transport(String name, DeliveryAgent agent, Logger log, Limits limits) {

    /**
     * Limits - the concurrency and batching limits of one transport.
     *
     * @param processLimit           deliveries at once over this transport (master.cf maxproc, or
     *                               default_process_limit for "-"); 0 means no limit
     * @param destinationConcurrency deliveries at once to one destination
     *                               (NAME_destination_concurrency_limit, else the default one); 0 means no limit
     * @param recipientLimit         recipients per delivery (NAME_destination_recipient_limit, else the
     *                               default); 0 means no limit. With 1, a destination is a recipient.
     * @param destinationRateDelay   milliseconds between the starts of deliveries to one destination
     *                               (NAME_destination_rate_delay, else the default), 0 for none
     * @param transportRateDelay     milliseconds between the starts of any two deliveries over this
     *                               transport (NAME_transport_rate_delay, else the default), 0 for none
     */
    public record Limits(int processLimit, int destinationConcurrency, int recipientLimit, long destinationRateDelay,
                         long transportRateDelay) {

        /** Limits - without rate delays. */
        public Limits(int processLimit, int destinationConcurrency, int recipientLimit) {
            this(processLimit, destinationConcurrency, recipientLimit, 0, 0);
        }

        /**
         * of - the limits of transport name: maxproc is the master.cf column ("-" or a number), main
         * is main.cf (the queue manager reads NAME_destination_* there, not in the service's -o view,
         * as Postfix's qmgr does).
         */
        public static Limits of(String name, String maxproc, Config main) {
            int process;
            if (maxproc == null || maxproc.equals("-")) {
                process = clamp(main.integer("default_process_limit"));
            } else {
                process = clamp(parse(maxproc, main.integer("default_process_limit")));
            }
            return new Limits(process, perTransport(main, name, "_destination_concurrency_limit"),
                    perTransport(main, name, "_destination_recipient_limit"),
                    delay(main, name, "_destination_rate_delay"), delay(main, name, "_transport_rate_delay"));
        }

        private static long delay(Config main, String name, String suffix) {
            String v = main.get(name + suffix).strip();
            long s = Config.parseSeconds(v.isEmpty() ? main.get("default" + suffix) : v, 's');
            return s <= 0 ? 0 : s * 1000;
        }

        private static int perTransport(Config main, String name, String suffix) {
            String v = main.get(name + suffix).strip();
            long n = v.isEmpty() ? main.integer("default" + suffix) : parse(v, main.integer("default" + suffix));
            return clamp(n);
        }

        private static long parse(String s, long fallback) {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                return fallback;
            }
        }

        private static int clamp(long n) {
            return n <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, n);
        }
    }
}
