package tern.delivery.smtp;

/**
 * Why - a delivery failure reason: the enhanced status code and Postfix's text. A status starting
 * with 4 is temporary (defer), with 5 permanent (bounce).
 */
record Why(String dsn, String text) {

    boolean soft() {
        return dsn.startsWith("4");
    }

    Why soft(String newDsn) {
        return new Why(newDsn, text);
    }
}
