package tern.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ParameterUsage - which user-defined parameters a configuration uses, and Postfix's warnings about
 * the rest, as postconf gives them.
 *
 * A name is known when it is built in or service-defined (master.cf). A main.cf name that is not
 * known is user-defined; it is used when some main.cf value or master.cf -o value refers to it
 * ($name, ${name...}) or when smtpd_restriction_classes lists it. A reference to a name that is
 * neither known nor set in main.cf draws "FILE: undefined parameter: name"; a user-defined name
 * that is not used draws "FILE: unused parameter: name=value" (for main.cf and for master.cf -o).
 * Warnings come in file order (Postfix's come in hash order); each is reported once.
 *
 * It does not fail: malformed $ syntax met while scanning is reported as a warning, as postconf does.
 */
public final class ParameterUsage {
    private final Set<String> used;
    private final List<String> scanWarnings;
    private final List<String> mainUnused;
    private final List<String> masterUnused;
    private final List<String> masterScanWarnings;

    private ParameterUsage(Set<String> used, List<String> scanWarnings, List<String> masterScanWarnings,
                           List<String> mainUnused, List<String> masterUnused) {
        this.used = used;
        this.scanWarnings = scanWarnings;
        this.masterScanWarnings = masterScanWarnings;
        this.mainUnused = mainUnused;
        this.masterUnused = masterUnused;
    }

    /**
     * analyze - the usage of main.cf's user-defined names.
     *
     * @param registry  the built-in names
     * @param service   the service-defined names of master.cf
     * @param main      main.cf (its settings, in file order)
     * @param extra     further settings that count like main.cf's (postconf -o), or an empty map
     * @param master    master.cf, or null when there is none
     */
    public static ParameterUsage analyze(ParameterRegistry registry, Map<String, Parameter> service, MainCf main,
                                         Map<String, String> extra, MasterCf master) {
        Set<String> used = new LinkedHashSet<>();
        for (String r : registry.defaultReferences()) {
            if (main.settings().containsKey(r) || extra.containsKey(r)) {
                used.add(r);
            }
        }
        List<String> mainWarnings = new ArrayList<>();
        List<String> masterWarnings = new ArrayList<>();
        Map<String, String> settings = main.settings();
        Set<String> undefinedMain = new LinkedHashSet<>();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            if (!registry.isRaw(e.getKey())) {
                scan(e.getValue(), registry, service, settings, extra, used, undefinedMain, mainWarnings);
            }
        }
        for (Map.Entry<String, String> e : extra.entrySet()) {
            scan(e.getValue(), registry, service, settings, extra, used, undefinedMain, mainWarnings);
        }
        String classes = extra.containsKey("smtpd_restriction_classes") ? extra.get("smtpd_restriction_classes")
                : settings.get("smtpd_restriction_classes");
        if (classes != null) {
            for (String c : Config.splitList(classes)) {
                if (settings.containsKey(c) || extra.containsKey(c)) {
                    used.add(c);
                }
            }
        }
        for (String u : undefinedMain) {
            mainWarnings.add(main.pathText() + ": undefined parameter: " + u);
        }
        Set<String> undefinedMaster = new LinkedHashSet<>();
        if (master != null) {
            for (Service s : master.services()) {
                for (String v : s.overrides().values()) {
                    scan(v, registry, service, settings, extra, used, undefinedMaster, masterWarnings);
                }
            }
            for (String u : undefinedMaster) {
                masterWarnings.add(master.pathText() + ": undefined parameter: " + u);
            }
        }
        List<String> mainUnused = new ArrayList<>();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String n = e.getKey();
            if (!known(n, registry, service) && !used.contains(n)) {
                mainUnused.add(main.pathText() + ": unused parameter: " + n + "=" + e.getValue());
            }
        }
        List<String> masterUnused = new ArrayList<>();
        if (master != null) {
            for (Service s : master.services()) {
                for (Map.Entry<String, String> e : s.overrides().entrySet()) {
                    String n = e.getKey();
                    if (!known(n, registry, service) && !used.contains(n)) {
                        masterUnused.add(master.pathText() + ": unused parameter: " + n + "=" + e.getValue());
                    }
                }
            }
        }
        return new ParameterUsage(Collections.unmodifiableSet(used), List.copyOf(mainWarnings),
                List.copyOf(masterWarnings), List.copyOf(mainUnused), List.copyOf(masterUnused));
    }

    private static boolean known(String name, ParameterRegistry registry, Map<String, Parameter> service) {
        return registry.isKnown(name) || service.containsKey(name);
    }

    private static void scan(String value, ParameterRegistry registry, Map<String, Parameter> service,
                             Map<String, String> settings, Map<String, String> extra, Set<String> used,
                             Set<String> undefined, List<String> warnings) {
        if (value.indexOf('$') < 0) {
            return;
        }
        List<String> names = new ArrayList<>();
        String problem = Expander.scan(value, names);
        for (String name : names) {
            if (known(name, registry, service)) {
                continue;
            }
            if (settings.containsKey(name) || extra.containsKey(name)) {
                used.add(name);
            } else {
                undefined.add(name);
            }
        }
        if (problem != null) {
            warnings.add(problem);
        }
    }

    /** isUsed - whether a user-defined name is used (see the class comment). */
    public boolean isUsed(String name) {
        return used.contains(name);
    }

    /** used - the user-defined names that are used, in the order they were found. */
    public Set<String> used() {
        return used;
    }

    /** mainScanWarnings - syntax and "undefined parameter" warnings from main.cf values. */
    public List<String> mainScanWarnings() {
        return scanWarnings;
    }

    /** masterScanWarnings - syntax and "undefined parameter" warnings from master.cf -o values. */
    public List<String> masterScanWarnings() {
        return masterScanWarnings;
    }

    /** mainUnused - "unused parameter" warnings for main.cf. */
    public List<String> mainUnused() {
        return mainUnused;
    }

    /** masterUnused - "unused parameter" warnings for master.cf -o settings. */
    public List<String> masterUnused() {
        return masterUnused;
    }
}
