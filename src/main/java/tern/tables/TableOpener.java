package tern.tables;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import tern.config.Config;

/**
 * TableOpener - opens "type:name" table specifications and shares the opened tables, as Postfix
 * shares its dictionary handles: two parameters naming the same table get the same instance.
 * It also carries the few settings that lookups need from main.cf: parent_domain_matches_subdomains,
 * default_database_type, and where warnings go (the maillog in a daemon, standard error in a command).
 *
 * Types: hash, btree (Tern's indexed file, see {@link IndexedFile}), cdb, texthash, inline, static,
 * regexp, pcre, cidr, unionmap, pipemap, unix, proxy (the inner table, opened directly), nis (not
 * configured: never finds anything, as Postfix without a NIS domain), fail.
 *
 * Failure: a malformed specification or an unknown type throws at open ("unsupported dictionary
 * type: foo"). A table whose file is missing or broken opens anyway and fails every lookup with
 * that reason ("open database /etc/postfix/virtual.db: No such file or directory") until its file
 * is fixed; then it recovers without a restart.
 *
 * Build one from a Config with {@link #fromConfig}, or config-free with {@link #standalone} (tests,
 * tools). Instances are immutable apart from the table cache and safe to share between threads.
 */
public final class TableOpener {
    /** The Postfix 3.7 default of parent_domain_matches_subdomains. */
    public static final String DEFAULT_PARENT_DOMAIN_MATCHES_SUBDOMAINS =
            "debug_peer_list,fast_flush_domains,mynetworks,permit_mx_backup_networks,qmqpd_authorized_clients,"
                    + "relay_domains,smtpd_access_maps";

    /** The types "postconf -m" would list, in its order. */
    public static final List<String> TYPES = List.of("btree", "cdb", "cidr", "fail", "hash", "inline", "nis",
            "pcre", "pipemap", "proxy", "regexp", "static", "texthash", "unionmap", "unix");

    /**
     * Options - how a table is opened: foldCase off is postmap's -f; allowSubstitution off refuses
     * regexp/pcre "$1" results (Postfix does so for virtual_mailbox_maps and the like).
     */
    public record Options(boolean foldCase, boolean allowSubstitution) {
        public static final Options DEFAULT = new Options(true, true);
    }

    private final Set<String> parentMatches;
    private final String defaultDatabaseType;
    private final long checkIntervalNanos;
    private final Consumer<String> warnings;
    private final ConcurrentHashMap<String, Table> cache = new ConcurrentHashMap<>();

    private TableOpener(Set<String> parentMatches, String defaultDatabaseType, long checkIntervalNanos,
                        Consumer<String> warnings) {
        this.parentMatches = parentMatches;
        this.defaultDatabaseType = defaultDatabaseType;
        this.checkIntervalNanos = checkIntervalNanos;
        this.warnings = warnings;
    }

    /** standalone - Postfix's defaults, warnings to the given sink (e.g. a list in a test). */
    public static TableOpener standalone(Consumer<String> warnings) {
        return new TableOpener(names(DEFAULT_PARENT_DOMAIN_MATCHES_SUBDOMAINS), "hash", Duration.ofSeconds(1).toNanos(),
                warnings);
    }

    /** fromConfig - the settings of a configuration snapshot. */
    public static TableOpener fromConfig(Config config, Consumer<String> warnings) {
        String type = config.get("default_database_type");
        return new TableOpener(names(config.get("parent_domain_matches_subdomains")),
                type.isEmpty() ? "hash" : type, Duration.ofSeconds(1).toNanos(), warnings);
    }

    /** withParentDomainMatches - a copy with another parent_domain_matches_subdomains list. */
    public TableOpener withParentDomainMatches(Collection<String> parameterNames) {
        return new TableOpener(new TreeSet<>(parameterNames), defaultDatabaseType, checkIntervalNanos, warnings);
    }

    /** withCheckInterval - a copy that looks for changed files this often (tests use zero). */
    public TableOpener withCheckInterval(Duration interval) {
        return new TableOpener(parentMatches, defaultDatabaseType, interval.toNanos(), warnings);
    }

    private static Set<String> names(String list) {
        return new TreeSet<>(Config.splitList(list));
    }

    /** parentDomainMatchesSubdomains - whether "example.com" also matches subdomains in this parameter. */
    public boolean parentDomainMatchesSubdomains(String parameterName) {
        return parentMatches.contains(parameterName);
    }

    /** defaultDatabaseType - default_database_type ("hash" unless main.cf says otherwise). */
    public String defaultDatabaseType() {
        return defaultDatabaseType;
    }

    /** warn - say something worth a warning (a skipped rule, a duplicate, a table that is unavailable). */
    public void warn(String text) {
        warnings.accept(text);
    }

    /** open - the table for "type:name" with default options (keys folded, substitution allowed). */
    public Table open(String spec) throws TableException {
        return open(spec, Options.DEFAULT);
    }

    /** open - the table for "type:name", shared with earlier opens of the same spec and options. */
    public Table open(String spec, Options options) throws TableException {
        String cacheKey = (options.foldCase ? "F" : "f") + (options.allowSubstitution ? "S" : "s") + spec;
        Table t = cache.get(cacheKey);
        if (t != null) {
            return t;
        }
        t = new EmptyResultCheck(create(spec, options), warnings);
        Table earlier = cache.putIfAbsent(cacheKey, t);
        return earlier != null ? earlier : t;
    }

    /**
     * openOrSurrogate - as open, but a specification that cannot be opened (unsupported type, bad
     * syntax) is logged once and gives a table whose every lookup fails with the reason, as Postfix's
     * daemons do: the service keeps running and defers what needs that table.
     */
    public Table openOrSurrogate(String spec, Options options) {
        try {
            return open(spec, options);
        } catch (TableException e) {
            warnings.accept(e.getMessage());
            return new SurrogateTable(spec, e.getMessage());
        }
    }

    /** openUncached - a fresh instance (postmap and postalias, which must not see a stale copy). */
    public Table openUncached(String spec, Options options) throws TableException {
        return new EmptyResultCheck(create(spec, options), warnings);
    }

    private Table create(String spec, Options options) throws TableException {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new TableException("open dictionary: expecting \"type:name\" form instead of \"" + spec + "\"");
        }
        String type = spec.substring(0, colon).toLowerCase(Locale.ROOT);
        String name = spec.substring(colon + 1);
        boolean fold = options.foldCase;
        return switch (type) {
            case "inline" -> InlineTable.open(spec, name, fold);
            case "static" -> StaticTable.open(spec, name);
            case "texthash" -> new TextHashTable(spec, Path.of(name), fold, warnings, checkIntervalNanos);
            case "cidr" -> new CidrTable(spec, name, warnings, checkIntervalNanos);
            case "regexp", "pcre" -> new RegexpTable(spec, type, name, options.allowSubstitution, warnings,
                    checkIntervalNanos);
            case "hash", "btree" -> new IndexedTable(spec, type, Path.of(name + ".db"), fold, IndexedFile::open,
                    checkIntervalNanos);
            case "cdb" -> new IndexedTable(spec, type, Path.of(name + ".cdb"), fold, CdbFile::open, checkIntervalNanos);
            case "unix" -> UnixTable.open(spec, name, fold, checkIntervalNanos);
            case "proxy" -> create(name, options);
            case "unionmap", "pipemap" -> CompositeTable.open(spec, type, name, this, options);
            case "nis" -> new NisTable(spec, warnings);
            case "fail" -> new FailTable(spec);
            default -> throw new TableException("unsupported dictionary type: " + type);
        };
    }
}
