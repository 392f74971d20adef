package tern.tables;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * EmptyResultCheck - wraps every opened table to do what Postfix's dictionary layer does with an
 * empty result: it is still returned (as found), but with the two warnings Postfix logs
 * ("table T: key K: empty string result is not allowed", "table T should return NO RESULT in case
 * of NOT FOUND"), so that the table's owner learns about the broken entry.
 */
final class EmptyResultCheck implements Table {
    private final Table inner;
    private final Consumer<String> warn;

    EmptyResultCheck(Table inner, Consumer<String> warn) {
        this.inner = inner;
        this.warn = warn;
    }

    @Override
    public String lookup(String key) throws TableException {
        String v = inner.lookup(key);
        if (v != null && v.isEmpty()) {
            complain(key);
        }
        return v;
    }

    private void complain(String key) {
        warn.accept("table " + inner.spec() + ": key " + key + ": empty string result is not allowed");
        warn.accept("table " + inner.spec() + " should return NO RESULT in case of NOT FOUND");
    }

    @Override
    public String spec() {
        return inner.spec();
    }

    @Override
    public boolean isFixed() {
        return inner.isFixed();
    }

    @Override
    public void forEach(BiConsumer<String, String> action) throws TableException {
        inner.forEach((k, v) -> {
            if (v.isEmpty()) {
                complain(k);
            }
            action.accept(k, v);
        });
    }
}
