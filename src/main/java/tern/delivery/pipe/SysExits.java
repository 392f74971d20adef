package tern.delivery.pipe;

/**
 * SysExits - the sendmail-compatible exit codes of sysexits.h (64..78) with the enhanced status
 * code and text Postfix gives each; codes outside that range are not sysexits codes.
 */
final class SysExits {
    /** Detail - one code's status and text. */
    record Detail(int code, String dsn, String text) {
    }

    private static final Detail[] TABLE = {
        new Detail(64, "5.3.0", "command line usage error"),
        new Detail(65, "5.6.0", "data format error"),
        new Detail(66, "5.3.0", "cannot open input"),
        new Detail(67, "5.1.1", "user unknown"),
        new Detail(68, "5.1.2", "host name unknown"),
        new Detail(69, "5.3.0", "service unavailable"),
        new Detail(70, "5.3.0", "internal software error"),
        new Detail(71, "4.3.0", "system resource problem"),
        new Detail(72, "5.3.0", "critical OS file missing"),
        new Detail(73, "5.2.0", "can't create user output file"),
        new Detail(74, "5.3.0", "input/output error"),
        new Detail(75, "4.3.0", "temporary failure"),
        new Detail(76, "5.5.0", "remote error in protocol"),
        new Detail(77, "5.7.0", "permission denied"),
        new Detail(78, "5.3.5", "local configuration error"),
    };

    private SysExits() {
    }

    /** detail - the entry for a sysexits code, or null for any other exit status. */
    static Detail detail(int code) {
        return code >= 64 && code <= 78 ? TABLE[code - 64] : null;
    }
}
