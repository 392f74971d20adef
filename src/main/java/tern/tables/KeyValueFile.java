package tern.tables;

import java.util.function.BiConsumer;

/**
 * KeyValueFile - an opened, read-only indexed table file (Tern's hash/btree format, or CDB): exact
 * lookups of byte keys and a walk over every entry. Implementations check every offset they read
 * from the file, so a damaged file is a TableException, never a wrong answer or a crash.
 */
interface KeyValueFile {
    /** get - the value stored for key, or null. */
    byte[] get(byte[] key) throws TableException;

    /** forEach - every entry in file order. */
    void forEach(BiConsumer<byte[], byte[]> action) throws TableException;
}
