package tern.tables;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.zip.CRC32;

/**
 * IndexedFile - Tern's indexed table file, what "hash:NAME" and "btree:NAME" read from NAME.db.
 * Berkeley DB is not available to a JVM, so the format is our own; postmap and postalias write it,
 * the daemon maps it into memory (any size, through the foreign memory API) and answers a lookup
 * with a hash probe and one key comparison.
 *
 * <pre>
 * All integers big-endian.
 * header, 64 bytes:
 *   0  8  magic        89 'T' 'E' 'R' 'N' 'D' 'B' 0a
 *   8  4  version      1
 *  12  4  kind         1 = hash, 2 = btree (informational: both are read alike)
 *  16  8  count        number of entries
 *  24  8  slots        number of hash slots, a power of two, at least 2 * count
 *  32  8  slotsOffset  where the slot array starts
 *  40  8  length       total file length (a truncated file is refused)
 *  48  4  headerCrc    CRC-32 of bytes 0..47
 *  52 12  reserved     zero
 * records, from offset 64, sorted by key bytes (unsigned), one after another:
 *   4 keyLength, 4 valueLength, key bytes, value bytes        (UTF-8, no terminating null)
 * slot array, at slotsOffset, slots * 16 bytes:
 *   8 hash (FNV-1a 64 of the key bytes), 8 record offset (0 = empty slot); linear probing
 * </pre>
 *
 * A file that does not start with the magic (for example a Berkeley DB file that real Postfix built)
 * is refused with a message that says to rebuild it with postmap or postalias. Every offset read is
 * checked against the file length, so a damaged file is an error, not a wrong answer.
 */
final class IndexedFile implements KeyValueFile {
    static final byte[] MAGIC = {(byte) 0x89, 'T', 'E', 'R', 'N', 'D', 'B', 0x0a};
    static final int VERSION = 1;
    static final int KIND_HASH = 1;
    static final int KIND_BTREE = 2;
    static final int HEADER = 64;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Entry - one key and value as bytes. */
    record Entry(byte[] key, byte[] value) {
    }

    private final Path file;
    private final MemorySegment seg;
    private final long count;
    private final long slots;
    private final long slotsOffset;

    private IndexedFile(Path file, MemorySegment seg, long count, long slots, long slotsOffset) {
        this.file = file;
        this.seg = seg;
        this.count = count;
        this.slots = slots;
        this.slotsOffset = slotsOffset;
    }

    /** open - map and check a file. */
    static KeyValueFile open(Path file) throws TableException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) size);
                while (b.hasRemaining() && ch.read(b) >= 0) {
                    // read what there is
                }
                throw foreign(file, MemorySegment.ofArray(b.array()));
            }
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            if (seg.asSlice(0, 8).mismatch(MemorySegment.ofArray(MAGIC)) != -1) {
                throw foreign(file, seg);
            }
            byte[] head = seg.asSlice(0, 48).toArray(ValueLayout.JAVA_BYTE);
            CRC32 crc = new CRC32();
            crc.update(head);
            if ((int) crc.getValue() != seg.get(INT, 48)) {
                throw corrupt(file, "header checksum mismatch");
            }
            if (seg.get(INT, 8) != VERSION) {
                throw new TableException(file + ": Tern table format version " + seg.get(INT, 8)
                        + " is not supported by this Tern version: " + rebuild(file));
            }
            long count = seg.get(LONG, 16);
            long slots = seg.get(LONG, 24);
            long slotsOffset = seg.get(LONG, 32);
            long length = seg.get(LONG, 40);
            if (length != size) {
                throw corrupt(file, "file is " + size + " bytes, header says " + length);
            }
            if (count < 0 || slots <= 0 || Long.bitCount(slots) != 1 || slots < count
                    || slotsOffset < HEADER || slotsOffset > size || (size - slotsOffset) / 16 != slots
                    || (size - slotsOffset) % 16 != 0) {
                throw corrupt(file, "bad header");
            }
            return new IndexedFile(file, seg, count, slots, slotsOffset);
        } catch (NoSuchFileException e) {
            throw new TableException("open database " + file + ": No such file or directory", e);
        } catch (IOException e) {
            throw new TableException("open database " + file + ": " + SourceLines.reason(e), e);
        }
    }

    private static TableException foreign(Path file, MemorySegment seg) {
        String what = "";
        if (seg.byteSize() >= 16) {
            int le = seg.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 12);
            int be = seg.get(INT, 12);
            if (le == 0x061561 || be == 0x061561 || le == 0x053162 || be == 0x053162) {
                what = " (it is a Berkeley DB file, as real Postfix builds)";
            }
        }
        return new TableException(file + ": not a table in Tern's format" + what + ": " + rebuild(file));
    }

    private static TableException corrupt(Path file, String why) {
        return new TableException(file + ": corrupt table (" + why + "): " + rebuild(file));
    }

    private static String rebuild(Path file) {
        String source = file.toString();
        if (source.endsWith(".db")) {
            source = source.substring(0, source.length() - 3);
        }
        return "rebuild it with \"postmap " + source + "\" (\"postalias " + source + "\" for an aliases file)";
    }

    @Override
    public byte[] get(byte[] key) throws TableException {
        try {
            long h = fnv(key);
            long mask = slots - 1;
            long idx = h & mask;
            for (long probe = 0; probe < slots; probe++) {
                long at = slotsOffset + idx * 16;
                long off = seg.get(LONG, at + 8);
                if (off == 0) {
                    return null;
                }
                if (seg.get(LONG, at) == h) {
                    int klen = seg.get(INT, off);
                    int vlen = seg.get(INT, off + 4);
                    checkRecord(off, klen, vlen);
                    if (klen == key.length && MemorySegment.mismatch(seg, off + 8, off + 8 + klen,
                            MemorySegment.ofArray(key), 0, key.length) == -1) {
                        return seg.asSlice(off + 8 + klen, vlen).toArray(ValueLayout.JAVA_BYTE);
                    }
                }
                idx = (idx + 1) & mask;
            }
            return null;
        } catch (IndexOutOfBoundsException e) {
            throw corrupt(file, "offset out of range");
        }
    }

    private void checkRecord(long off, int klen, int vlen) throws TableException {
        if (off < HEADER || klen < 0 || vlen < 0 || off + 8 + (long) klen + vlen > slotsOffset) {
            throw corrupt(file, "bad record at offset " + off);
        }
    }

    @Override
    public void forEach(BiConsumer<byte[], byte[]> action) throws TableException {
        long off = HEADER;
        try {
            for (long k = 0; k < count; k++) {
                int klen = seg.get(INT, off);
                int vlen = seg.get(INT, off + 4);
                checkRecord(off, klen, vlen);
                byte[] key = seg.asSlice(off + 8, klen).toArray(ValueLayout.JAVA_BYTE);
                byte[] value = seg.asSlice(off + 8 + klen, vlen).toArray(ValueLayout.JAVA_BYTE);
                action.accept(key, value);
                off += 8 + (long) klen + vlen;
            }
        } catch (IndexOutOfBoundsException e) {
            throw corrupt(file, "offset out of range");
        }
    }

    /** fnv - the 64-bit FNV-1a hash of the key bytes. */
    static long fnv(byte[] key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** compare - unsigned lexicographic order of keys, the order records are stored in. */
    static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /**
     * write - the file contents for entries that are sorted by key ({@link #compare}) and unique.
     */
    static void write(OutputStream os, int kind, List<Entry> entries) throws IOException {
        long count = entries.size();
        long slots = 16;
        while (slots < count * 2) {
            slots <<= 1;
        }
        long[] slotHash = new long[Math.toIntExact(slots)];
        long[] slotOff = new long[Math.toIntExact(slots)];
        long off = HEADER;
        long mask = slots - 1;
        for (Entry e : entries) {
            long h = fnv(e.key);
            int idx = (int) (h & mask);
            while (slotOff[idx] != 0) {
                idx = (int) ((idx + 1) & mask);
            }
            slotHash[idx] = h;
            slotOff[idx] = off;
            off += 8 + (long) e.key.length + e.value.length;
        }
        long slotsOffset = off;
        long length = slotsOffset + slots * 16;
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(HEADER);
        head.put(MAGIC).putInt(VERSION).putInt(kind).putLong(count).putLong(slots).putLong(slotsOffset).putLong(length);
        CRC32 crc = new CRC32();
        crc.update(head.array(), 0, 48);
        head.putInt((int) crc.getValue());
        DataOutputStream out = new DataOutputStream(os);
        out.write(head.array());
        for (Entry e : entries) {
            out.writeInt(e.key.length);
            out.writeInt(e.value.length);
            out.write(e.key);
            out.write(e.value);
        }
        for (int k = 0; k < slots; k++) {
            out.writeLong(slotHash[k]);
            out.writeLong(slotOff[k]);
        }
        out.flush();
    }
}
