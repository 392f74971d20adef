package tern.master;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tern.config.Config;
import tern.config.ConfigException;
import tern.config.MasterCf;
import tern.config.Service;

/**
 * Snapshot - one complete, validated configuration of an instance: main.cf, master.cf, and each
 * service's own view (main.cf plus its -o overrides). Loading fails as a whole, with a message
 * naming the file and line, so a reload with a broken file changes nothing.
 *
 * @param main     main.cf as a Config
 * @param masterCf master.cf
 * @param services every master.cf entry with its view and what the daemon does with it
 */
public record Snapshot(Config main, MasterCf masterCf, List<Entry> services) {

    /** Entry - one master.cf service, its configuration view and its kind. */
    public record Entry(Service service, Config config, ServiceKinds.Kind kind) {
    }

    /** load - read and check the configuration in directory dir. */
    public static Snapshot load(Path dir) throws ConfigException {
        Config main = Config.load(dir);
        Path masterPath = dir.resolve("master.cf");
        if (!Files.exists(masterPath)) {
            throw new ConfigException("open " + masterPath + ": No such file or directory");
        }
        MasterCf masterCf = MasterCf.load(masterPath);
        List<Entry> entries = new ArrayList<>();
        for (Service s : masterCf.services()) {
            Config view;
            try {
                view = main.forService(s);
            } catch (ConfigException e) {
                throw new ConfigException(masterPath + ": line " + s.lineNumber() + ": service " + s.name() + ": "
                        + e.getMessage());
            }
            ServiceKinds.Kind kind = ServiceKinds.kindOf(s);
            if (kind == ServiceKinds.Kind.SMTPD) {
                // resolve now: a bad address or port is a configuration error, not a runtime surprise
                InetEndpoints.of(s.name(), view);
            }
            entries.add(new Entry(s, view, kind));
        }
        return new Snapshot(main, masterCf, List.copyOf(entries));
    }

    /** queueDirectory - queue_directory as a path. */
    public Path queueDirectory() {
        return Path.of(main.get("queue_directory"));
    }

    /** dataDirectory - data_directory as a path. */
    public Path dataDirectory() {
        return Path.of(main.get("data_directory"));
    }

    /** controlSocket - where the daemon listens for commands (postfix stop, reload, flush, ...). */
    public Path controlSocket() {
        return dataDirectory().resolve("master.sock");
    }
}
