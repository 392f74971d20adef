package tern.config;

import java.nio.file.Path;

/**
 * ConfigDirectory - which configuration directory a command uses, as in Postfix: the -c option,
 * else the MAIL_CONFIG environment variable, else the compiled-in /etc/postfix.
 */
public final class ConfigDirectory {
    public static final String DEFAULT = "/etc/postfix";

    private ConfigDirectory() {
    }

    /** resolve - cOption is the -c argument or null. */
    public static Path resolve(String cOption) {
        if (cOption != null && !cOption.isEmpty()) {
            return Path.of(cOption).toAbsolutePath().normalize();
        }
        String env = System.getenv("MAIL_CONFIG");
        if (env != null && !env.isEmpty()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return Path.of(DEFAULT);
    }
}
