package tern.qmgr;

/**
 * DeliveryLog - the per-recipient log line of a delivery attempt, in Postfix's words:
 * <pre>
 *   ID: to=&lt;rcpt&gt;, orig_to=&lt;orig&gt;, relay=RELAY, delay=D, delays=a/b/c/d, dsn=X.Y.Z, status=STATUS (TEXT)
 * </pre>
 * orig_to appears only when the original recipient is known and differs from the recipient (case
 * ignored). delay is the time since arrival; delays splits it into a (arrival to the last entry
 * into the active queue), b (waiting there until the delivery started), c (connection set-up, as
 * the agent reports it) and d (the rest: transmission).
 *
 * Delay values follow delay_logging_resolution_limit: whole seconds from 100 s up; below that at
 * most two significant digits and at most "resolution" digits after the point; trailing zeros
 * dropped; a value too small for the resolution is "0".
 */
final class DeliveryLog {
    private DeliveryLog() {
    }

    /** line - the text after the program prefix. Times in milliseconds since the epoch. */
    static String line(String id, String rcpt, String orig, String relay, long arrival, long active, long start,
                       long setupMillis, long end, String dsn, String status, String text, int resolution) {
        StringBuilder b = new StringBuilder(160);
        b.append(id).append(": to=<").append(rcpt).append('>');
        if (orig != null && !orig.isEmpty() && !orig.equalsIgnoreCase(rcpt)) {
            b.append(", orig_to=<").append(orig).append('>');
        }
        long a = Math.max(0, active - arrival);
        long bb = Math.max(0, start - active);
        long c = Math.max(0, setupMillis);
        long d = Math.max(0, end - start - c);
        b.append(", relay=").append(relay);
        b.append(", delay=").append(seconds(Math.max(0, end - arrival), resolution));
        b.append(", delays=").append(seconds(a, resolution)).append('/').append(seconds(bb, resolution)).append('/')
                .append(seconds(c, resolution)).append('/').append(seconds(d, resolution));
        b.append(", dsn=").append(dsn).append(", status=").append(status);
        if (text != null) {
            b.append(" (").append(text).append(')');
        }
        return b.toString();
    }

    /** seconds - a delay in milliseconds written as Postfix writes delays (see the class comment). */
    static String seconds(long millis, int resolution) {
        if (millis >= 100_000) {
            return Long.toString((millis + 500) / 1000);
        }
        long micros = millis * 1000;
        // digits after the point for two significant digits: 10-99 s -> 0, 1-9.9 s -> 1, 0.1 -> 2, ...
        int digits = 0;
        for (long limit = 10_000_000; micros < limit && digits < 6; limit /= 10) {
            digits++;
        }
        digits = Math.min(digits, resolution);
        long unit = 1;
        for (int i = 0; i < 6 - digits; i++) {
            unit *= 10;
        }
        long whole = micros / 1_000_000;
        long frac = (micros % 1_000_000) / unit; // truncated, as Postfix does
        if (digits == 0 || frac == 0) {
            return Long.toString(whole);
        }
        StringBuilder f = new StringBuilder(Long.toString(frac));
        while (f.length() < digits) {
            f.insert(0, '0');
        }
        int end = f.length();
        while (end > 0 && f.charAt(end - 1) == '0') {
            end--;
        }
        return whole + "." + f.substring(0, end);
    }
}
