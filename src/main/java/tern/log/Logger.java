package tern.log;

/**
 * Logger - the maillog lines of one program ("postfix/smtpd[pid]: ..."). Severity words are
 * Postfix's: no prefix for info, then "warning: ", "error: ", "fatal: ", "panic: ".
 */
public final class Logger {
    private final MailLog log;
    private final String prefix;

    Logger(MailLog log, String prefix) {
        this.log = log;
        this.prefix = prefix;
    }

    public void info(String text) {
        log.write(Syslog.INFO, prefix, text);
    }

    public void warning(String text) {
        log.write(Syslog.WARNING, prefix, "warning: " + text);
    }

    public void error(String text) {
        log.write(Syslog.ERR, prefix, "error: " + text);
    }

    public void fatal(String text) {
        log.write(Syslog.CRIT, prefix, "fatal: " + text);
    }

    public void panic(String text) {
        log.write(Syslog.CRIT, prefix, "panic: " + text);
    }
}
