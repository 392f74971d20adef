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
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * CdbFile - D. J. Bernstein's constant database format, what "cdb:NAME" reads from NAME.cdb: a
 * 2048-byte table of 256 (position, slot count) pairs, the records (key length, value length, key,
 * value), then 256 open-addressing hash tables of (hash, record position) slots; all integers
 * 32-bit little-endian, hash h = ((h << 5) + h) ^ byte from 5381. Files are interchangeable with
 * those of cdbmake and of Postfix's cdb: tables (keys stored without a terminating null).
 *
 * A file over 4 GB cannot be written (the format's limit). Offsets read are checked, so a damaged
 * file is a TableException.
 */
final class CdbFile implements KeyValueFile {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment seg;
    private final long size;

    private CdbFile(Path file, MemorySegment seg, long size) {
        this.file = file;
        this.seg = seg;
        this.size = size;
    }

    static KeyValueFile open(Path file) throws TableException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 2048 || size > 0xffffffffL) {
                throw new TableException(file + ": not a CDB file (bad size " + size + "): rebuild it with \"postmap cdb:"
                        + stripSuffix(file) + "\"");
            }
            CdbFile f = new CdbFile(file, ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto()), size);
            // Every hash table must lie inside the file: this catches truncation at open.
            for (int t = 0; t < 256; t++) {
                long pos = f.u32(t * 8L);
                long len = f.u32(t * 8L + 4);
                if (pos < 2048 || pos + len * 8 > size) {
                    throw new TableException(file + ": corrupt CDB file: hash table " + t
                            + " out of range: rebuild it with \"postmap cdb:" + stripSuffix(file) + "\"");
                }
            }
            return f;
        } catch (NoSuchFileException e) {
            throw new TableException("open database " + file + ": No such file or directory", e);
        } catch (IOException e) {
            throw new TableException("open database " + file + ": " + SourceLines.reason(e), e);
        }
    }

    private static String stripSuffix(Path file) {
        String s = file.toString();
        return s.endsWith(".cdb") ? s.substring(0, s.length() - 4) : s;
    }

    static int hash(byte[] key) {
        int h = 5381;
        for (byte b : key) {
            h = ((h << 5) + h) ^ (b & 0xff);
        }
        return h;
    }

    private long u32(long at) throws TableException {
        if (at < 0 || at + 4 > size) {
            throw new TableException(file + ": corrupt CDB file: offset " + at + " out of range: rebuild it with "
                    + "\"postmap cdb:" + stripSuffix(file) + "\"");
        }
        return seg.get(INT, at) & 0xffffffffL;
    }

    @Override
    public byte[] get(byte[] key) throws TableException {
        int h = hash(key);
        long hu = h & 0xffffffffL;
        long tpos = u32((hu & 255) * 8);
        long tlen = u32((hu & 255) * 8 + 4);
        if (tlen == 0) {
            return null;
        }
        long start = (hu >>> 8) % tlen;
        for (long k = 0; k < tlen; k++) {
            long slot = tpos + ((start + k) % tlen) * 8;
            long sh = u32(slot);
            long rpos = u32(slot + 4);
            if (rpos == 0) {
                return null;
            }
            if (sh == hu) {
                long klen = u32(rpos);
                long vlen = u32(rpos + 4);
                if (rpos + 8 + klen + vlen > size) {
                    throw new TableException(file + ": corrupt CDB file: record at " + rpos + " out of range");
                }
                if (klen == key.length && MemorySegment.mismatch(seg, rpos + 8, rpos + 8 + klen,
                        MemorySegment.ofArray(key), 0, key.length) == -1) {
                    return seg.asSlice(rpos + 8 + klen, vlen).toArray(ValueLayout.JAVA_BYTE);
                }
            }
        }
        return null;
    }

    @Override
    public void forEach(BiConsumer<byte[], byte[]> action) throws TableException {
        long end = size;
        for (int t = 0; t < 256; t++) {
            end = Math.min(end, u32(t * 8L));
        }
        long pos = 2048;
        while (pos < end) {
            long klen = u32(pos);
            long vlen = u32(pos + 4);
            if (pos + 8 + klen + vlen > end) {
                throw new TableException(file + ": corrupt CDB file: record at " + pos + " out of range");
            }
            action.accept(seg.asSlice(pos + 8, klen).toArray(ValueLayout.JAVA_BYTE),
                    seg.asSlice(pos + 8 + klen, vlen).toArray(ValueLayout.JAVA_BYTE));
            pos += 8 + klen + vlen;
        }
    }

    /** write - a CDB file of the entries (any order; keys should be unique). */
    static void write(OutputStream os, List<IndexedFile.Entry> entries) throws IOException {
        List<List<long[]>> tables = new ArrayList<>(256);
        for (int t = 0; t < 256; t++) {
            tables.add(new ArrayList<>());
        }
        long pos = 2048;
        for (IndexedFile.Entry e : entries) {
            long h = hash(e.key()) & 0xffffffffL;
            tables.get((int) (h & 255)).add(new long[] {h, pos});
            pos += 8 + (long) e.key().length + e.value().length;
        }
        long[] tpos = new long[256];
        long[] tlen = new long[256];
        long p = pos;
        for (int t = 0; t < 256; t++) {
            tpos[t] = p;
            tlen[t] = tables.get(t).size() * 2L;
            p += tlen[t] * 8;
        }
        if (p > 0xffffffffL) {
            throw new IOException("table too large for the CDB format (over 4 GB)");
        }
        DataOutputStream out = new DataOutputStream(os);
        for (int t = 0; t < 256; t++) {
            out.writeInt(Integer.reverseBytes((int) tpos[t]));
            out.writeInt(Integer.reverseBytes((int) tlen[t]));
        }
        for (IndexedFile.Entry e : entries) {
            out.writeInt(Integer.reverseBytes(e.key().length));
            out.writeInt(Integer.reverseBytes(e.value().length));
            out.write(e.key());
            out.write(e.value());
        }
        for (int t = 0; t < 256; t++) {
            int n = (int) tlen[t];
            long[] slotHash = new long[n];
            long[] slotPos = new long[n];
            for (long[] hp : tables.get(t)) {
                int at = (int) ((hp[0] >>> 8) % n);
                while (slotPos[at] != 0) {
                    at = (at + 1) % n;
                }
                slotHash[at] = hp[0];
                slotPos[at] = hp[1];
            }
            for (int k = 0; k < n; k++) {
                out.writeInt(Integer.reverseBytes((int) slotHash[k]));
                out.writeInt(Integer.reverseBytes((int) slotPos[k]));
            }
        }
        out.flush();
    }
}
