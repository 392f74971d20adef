package tern.tables;

import java.util.function.Consumer;

/**
 * NisTable - nis:map. Tern has no NIS client; it behaves as Postfix does on a host without a NIS
 * domain name: one warning when opened, then every lookup finds nothing (so the Postfix default
 * "alias_maps = hash:/etc/aliases, nis:mail.aliases" works unchanged).
 */
final class NisTable implements Table {
    private final String spec;

    NisTable(String spec, Consumer<String> warn) {
        this.spec = spec;
        warn.accept("dict_nis_init: NIS domain name not set - NIS lookups disabled");
    }

    @Override
    public String lookup(String key) {
        return null;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean isFixed() {
        return true;
    }
}
