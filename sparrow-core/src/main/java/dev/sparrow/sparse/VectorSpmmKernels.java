package dev.sparrow.sparse;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The batched row kernels (Y^T = act(W X^T + b), X^T batch-contiguous) on the Vector API, called by
 * {@link VectorSparseKernels}. Each nonzero weight is one broadcast times the vectors of a batch tile.
 *
 * <p>Tricks, and why:
 * <ul>
 * <li>The batch tile of X^T (two vectors: 16 columns at 256 bits, 32 at 512) is first copied into a
 * contiguous, cache-line-aligned per-thread buffer [cols][tile]. Read in place, the rows of X^T are ldx floats apart: with
 * ldx = 256 a 64-byte slice per 1 KiB row uses one L2 set in eight (and one L1 set in eight), so the
 * tile thrashed an L2 it would fit in. Packed, 3072 inputs x 16 columns are 192 KiB, well inside L2,
 * and the copy costs one pass over X per tile. The tail tile of a batch that is not a multiple of the
 * tile is packed with zero columns, so every kernel runs one full-width loop and only its stores are
 * masked.</li>
 * <li>Register tiles of 4 rows x 2 vectors (8 accumulators): 8 independent FMA chains cover the FMA
 * latency, and the tile stays in registers (locals, fixed count) over the rows' whole nonzero lists;
 * bias and ReLU are applied as each output is stored once. Blocks r x 1 reuse each loaded X vector for
 * 4 rows (8 FMAs per 2 loads + 4 broadcasts); the unstructured formats (condensed, N:M, banks, whose 4
 * consecutive rows sit in adjacent lanes of the interleaved layout) do 4 rows at once only for the
 * latency; CSR pairs two rows over their common length.</li>
 * <li>The batch tile is the outer loop, so the packed tile stays in L2 across all rows; the weights
 * are re-read once per tile (from L3 after the first tile).</li>
 * </ul>
 */
final class VectorSpmmKernels {
    private static final VectorSpecies<Float> F = VectorSparseKernels.F;
    private static final int L = F.length();
    /** Batch columns per tile: two vectors. */
    static final int TILE = 2 * L;
    private static final int ROWS = 16;
    /** Bytes per packed row of the tile, and per vector. */
    private static final int ROW_BYTES = TILE * Float.BYTES, VB = L * Float.BYTES;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** Cache-line alignment of the packed tile, so that a row (64 or 128 bytes) is whole lines. */
    private static final long ALIGN = 64;
    private static final ThreadLocal<MemorySegment> TILE_BUFFER = ThreadLocal.withInitial(() -> MemorySegment.NULL);

    private VectorSpmmKernels() {}

    // ---- the packed batch tile ----

    /**
     * This thread's tile buffer, off-heap because a float[] cannot be aligned: at the 16-byte alignment of
     * array data, every other 64-byte row straddled two cache lines (measured 1.3-1.6x slower on condensed
     * at 768x3072, batch 256). Grown when a wider layer comes; Arena.ofAuto frees the old one with the GC.
     */
    private static MemorySegment tileBuffer(int cols) {
        MemorySegment buf = TILE_BUFFER.get();
        long bytes = (long) cols * ROW_BYTES;
        if (buf.byteSize() < bytes) {
            buf = Arena.ofAuto().allocate(bytes, ALIGN);
            TILE_BUFFER.set(buf);
        }
        return buf;
    }

    /** Copies X^T[0..cols)[b0 .. b0 + TILE) into buf row c, zero past the batch. */
    private static void pack(float[] xt, int xtOff, int ldx, int cols, int b0, int batch, MemorySegment buf) {
        if (b0 + TILE <= batch) {
            long to = 0;
            for (int c = 0, xo = xtOff + b0; c < cols; c++, xo += ldx, to += ROW_BYTES) {
                FloatVector.fromArray(F, xt, xo).intoMemorySegment(buf, to, NO);
                FloatVector.fromArray(F, xt, xo + L).intoMemorySegment(buf, to + VB, NO);
            }
        } else {
            VectorMask<Float> m0 = F.indexInRange(b0, batch), m1 = F.indexInRange(b0 + L, batch);
            long to = 0;
            for (int c = 0, xo = xtOff + b0; c < cols; c++, xo += ldx, to += ROW_BYTES) {
                FloatVector.fromArray(F, xt, xo, m0).intoMemorySegment(buf, to, NO);
                FloatVector.fromArray(F, xt, xo + L, m1).intoMemorySegment(buf, to + VB, NO);
            }
        }
    }

    /** Writes act(a0 | a1 + b) to yt[o .. o + TILE), only the columns before the batch's end. */
    private static void store(FloatVector a0, FloatVector a1, float[] yt, int o, int b0, int batch, float b, boolean relu) {
        FloatVector v0 = a0.add(b), v1 = a1.add(b);
        if (relu) {
            v0 = v0.max(0f);
            v1 = v1.max(0f);
        }
        if (b0 + TILE <= batch) {
            v0.intoArray(yt, o);
            v1.intoArray(yt, o + L);
        } else {
            v0.intoArray(yt, o, F.indexInRange(b0, batch));
            v1.intoArray(yt, o + L, F.indexInRange(b0 + L, batch));
        }
    }

    private static float bias(float[] bias, int r) {
        return bias == null ? 0f : bias[r];
    }

    // ---- CSR ----

    static void csrSpmm(Csr w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                        float[] bias, boolean relu, int rowFrom, int rowTo) {
        float[] vals = w.values;
        char[] cols = w.col16;
        int[] ptr = w.rowPtr;
        MemorySegment buf = tileBuffer(w.cols);
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            int r = rowFrom;
            for (; r + 1 < rowTo; r += 2) {
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = z, a1 = z, c0 = z, c1 = z;
                int p = ptr[r], q = ptr[r + 1], pEnd = q, qEnd = ptr[r + 2];
                int common = Math.min(pEnd - p, qEnd - q);
                for (int i = 0; i < common; i++, p++, q++) {
                    FloatVector v = FloatVector.broadcast(F, vals[p]);
                    FloatVector u = FloatVector.broadcast(F, vals[q]);
                    int xp = cols[p] * ROW_BYTES, xq = cols[q] * ROW_BYTES;
                    a0 = FloatVector.fromMemorySegment(F, buf, xp, NO).fma(v, a0);
                    a1 = FloatVector.fromMemorySegment(F, buf, xp + VB, NO).fma(v, a1);
                    c0 = FloatVector.fromMemorySegment(F, buf, xq, NO).fma(u, c0);
                    c1 = FloatVector.fromMemorySegment(F, buf, xq + VB, NO).fma(u, c1);
                }
                for (; p < pEnd; p++) {
                    FloatVector v = FloatVector.broadcast(F, vals[p]);
                    int xp = cols[p] * ROW_BYTES;
                    a0 = FloatVector.fromMemorySegment(F, buf, xp, NO).fma(v, a0);
                    a1 = FloatVector.fromMemorySegment(F, buf, xp + VB, NO).fma(v, a1);
                }
                for (; q < qEnd; q++) {
                    FloatVector u = FloatVector.broadcast(F, vals[q]);
                    int xq = cols[q] * ROW_BYTES;
                    c0 = FloatVector.fromMemorySegment(F, buf, xq, NO).fma(u, c0);
                    c1 = FloatVector.fromMemorySegment(F, buf, xq + VB, NO).fma(u, c1);
                }
                store(a0, a1, yt, ytOff + r * ldy + b0, b0, batch, bias(bias, r), relu);
                store(c0, c1, yt, ytOff + (r + 1) * ldy + b0, b0, batch, bias(bias, r + 1), relu);
            }
            if (r < rowTo) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                for (int p = ptr[r], end = ptr[r + 1]; p < end; p++) {
                    FloatVector v = FloatVector.broadcast(F, vals[p]);
                    int xp = cols[p] * ROW_BYTES;
                    a0 = FloatVector.fromMemorySegment(F, buf, xp, NO).fma(v, a0);
                    a1 = FloatVector.fromMemorySegment(F, buf, xp + VB, NO).fma(v, a1);
                }
                store(a0, a1, yt, ytOff + r * ldy + b0, b0, batch, bias(bias, r), relu);
            }
        }
    }

    // ---- condensed constant fan-in ----

    static void condensedSpmm(CondensedFanIn w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                              float[] bias, boolean relu, int rowFrom, int rowTo) {
        int k = w.fanIn;
        float[] vals = w.values;
        char[] idx = w.index;
        MemorySegment buf = tileBuffer(w.cols);
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            int r = rowFrom;
            for (; r < rowTo && (r & 3) != 0; r++) condensedRow(w, buf, r, yt, ytOff, ldy, b0, batch, bias, relu);
            for (; r + 4 <= rowTo; r += 4) {
                // Rows r .. r + 3 are adjacent lanes of one interleaved group of 16.
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = z, a1 = z, c0 = z, c1 = z, d0 = z, d1 = z, e0 = z, e1 = z;
                for (int j = 0, pos = (r / ROWS) * k * ROWS + r % ROWS; j < k; j++, pos += ROWS) {
                    int xa = idx[pos] * ROW_BYTES, xc = idx[pos + 1] * ROW_BYTES, xd = idx[pos + 2] * ROW_BYTES, xe = idx[pos + 3] * ROW_BYTES;
                    FloatVector v = FloatVector.broadcast(F, vals[pos]);
                    a0 = FloatVector.fromMemorySegment(F, buf, xa, NO).fma(v, a0);
                    a1 = FloatVector.fromMemorySegment(F, buf, xa + VB, NO).fma(v, a1);
                    v = FloatVector.broadcast(F, vals[pos + 1]);
                    c0 = FloatVector.fromMemorySegment(F, buf, xc, NO).fma(v, c0);
                    c1 = FloatVector.fromMemorySegment(F, buf, xc + VB, NO).fma(v, c1);
                    v = FloatVector.broadcast(F, vals[pos + 2]);
                    d0 = FloatVector.fromMemorySegment(F, buf, xd, NO).fma(v, d0);
                    d1 = FloatVector.fromMemorySegment(F, buf, xd + VB, NO).fma(v, d1);
                    v = FloatVector.broadcast(F, vals[pos + 3]);
                    e0 = FloatVector.fromMemorySegment(F, buf, xe, NO).fma(v, e0);
                    e1 = FloatVector.fromMemorySegment(F, buf, xe + VB, NO).fma(v, e1);
                }
                int o = ytOff + r * ldy + b0;
                store(a0, a1, yt, o, b0, batch, bias(bias, r), relu);
                store(c0, c1, yt, o + ldy, b0, batch, bias(bias, r + 1), relu);
                store(d0, d1, yt, o + 2 * ldy, b0, batch, bias(bias, r + 2), relu);
                store(e0, e1, yt, o + 3 * ldy, b0, batch, bias(bias, r + 3), relu);
            }
            for (; r < rowTo; r++) condensedRow(w, buf, r, yt, ytOff, ldy, b0, batch, bias, relu);
        }
    }

    private static void condensedRow(CondensedFanIn w, MemorySegment buf, int r, float[] yt, int ytOff, int ldy, int b0, int batch,
                                     float[] bias, boolean relu) {
        int k = w.fanIn;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int j = 0, pos = (r / ROWS) * k * ROWS + r % ROWS; j < k; j++, pos += ROWS) {
            FloatVector v = FloatVector.broadcast(F, w.values[pos]);
            int xa = w.index[pos] * ROW_BYTES;
            a0 = FloatVector.fromMemorySegment(F, buf, xa, NO).fma(v, a0);
            a1 = FloatVector.fromMemorySegment(F, buf, xa + VB, NO).fma(v, a1);
        }
        store(a0, a1, yt, ytOff + r * ldy + b0, b0, batch, bias(bias, r), relu);
    }

    // ---- N:M and bank-balanced: the group base plus the offset is the input row, no permute ----

    static void packedSpmm(PackedGroups w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                           float[] bias, boolean relu, int rowFrom, int rowTo) {
        int spr = w.slotsPerRow, n = w.slots, width = w.groupWidth;
        float[] vals = w.values;
        byte[] offs = w.offsets;
        MemorySegment buf = tileBuffer(w.cols);
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            int r = rowFrom;
            for (; r < rowTo && (r & 3) != 0; r++) packedRow(w, buf, r, yt, ytOff, ldy, b0, batch, bias, relu);
            for (; r + 4 <= rowTo; r += 4) {
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = z, a1 = z, c0 = z, c1 = z, d0 = z, d1 = z, e0 = z, e1 = z;
                // One flat loop over the slots (a nested group loop ran 3x slower at 1:8, one slot per group).
                int pos = (r / ROWS) * spr * ROWS + r % ROWS, base = 0, step = width * ROW_BYTES;
                for (int j = 0, s = 0; j < spr; j++, pos += ROWS) {
                    // Padding (value 0, offset 0) adds 0 x an input of its own group: harmless.
                    int xa = base + (offs[pos] & 0xFF) * ROW_BYTES, xc = base + (offs[pos + 1] & 0xFF) * ROW_BYTES;
                    int xd = base + (offs[pos + 2] & 0xFF) * ROW_BYTES, xe = base + (offs[pos + 3] & 0xFF) * ROW_BYTES;
                    FloatVector v = FloatVector.broadcast(F, vals[pos]);
                    a0 = FloatVector.fromMemorySegment(F, buf, xa, NO).fma(v, a0);
                    a1 = FloatVector.fromMemorySegment(F, buf, xa + VB, NO).fma(v, a1);
                    v = FloatVector.broadcast(F, vals[pos + 1]);
                    c0 = FloatVector.fromMemorySegment(F, buf, xc, NO).fma(v, c0);
                    c1 = FloatVector.fromMemorySegment(F, buf, xc + VB, NO).fma(v, c1);
                    v = FloatVector.broadcast(F, vals[pos + 2]);
                    d0 = FloatVector.fromMemorySegment(F, buf, xd, NO).fma(v, d0);
                    d1 = FloatVector.fromMemorySegment(F, buf, xd + VB, NO).fma(v, d1);
                    v = FloatVector.broadcast(F, vals[pos + 3]);
                    e0 = FloatVector.fromMemorySegment(F, buf, xe, NO).fma(v, e0);
                    e1 = FloatVector.fromMemorySegment(F, buf, xe + VB, NO).fma(v, e1);
                    if (++s == n) {
                        s = 0;
                        base += step;
                    }
                }
                int o = ytOff + r * ldy + b0;
                store(a0, a1, yt, o, b0, batch, bias(bias, r), relu);
                store(c0, c1, yt, o + ldy, b0, batch, bias(bias, r + 1), relu);
                store(d0, d1, yt, o + 2 * ldy, b0, batch, bias(bias, r + 2), relu);
                store(e0, e1, yt, o + 3 * ldy, b0, batch, bias(bias, r + 3), relu);
            }
            for (; r < rowTo; r++) packedRow(w, buf, r, yt, ytOff, ldy, b0, batch, bias, relu);
        }
    }

    private static void packedRow(PackedGroups w, MemorySegment buf, int r, float[] yt, int ytOff, int ldy, int b0, int batch,
                                  float[] bias, boolean relu) {
        int n = w.slots, width = w.groupWidth;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int pos = (r / ROWS) * w.slotsPerRow * ROWS + r % ROWS, base = 0, step = width * ROW_BYTES;
        for (int j = 0, s = 0; j < w.slotsPerRow; j++, pos += ROWS) {
            FloatVector v = FloatVector.broadcast(F, w.values[pos]);
            int xa = base + (w.offsets[pos] & 0xFF) * ROW_BYTES;
            a0 = FloatVector.fromMemorySegment(F, buf, xa, NO).fma(v, a0);
            a1 = FloatVector.fromMemorySegment(F, buf, xa + VB, NO).fma(v, a1);
            if (++s == n) {
                s = 0;
                base += step;
            }
        }
        store(a0, a1, yt, ytOff + r * ldy + b0, b0, batch, bias(bias, r), relu);
    }

    // ---- blocks r x 1: each loaded X vector feeds 4 rows ----

    static void blockSpmm(BlockSparse w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                          float[] bias, boolean relu, int blockRowFrom, int blockRowTo) {
        int h = w.blockHeight, rows = w.rows;
        float[] vals = w.values;
        char[] cols = w.col16;
        MemorySegment buf = tileBuffer(w.cols);
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            for (int br = blockRowFrom; br < blockRowTo; br++) {
                int bStart = w.blockRowPtr[br], bEnd = w.blockRowPtr[br + 1];
                // h is 4 or 16: whole passes of 4 rows; rows past the matrix hold zero values and are not stored.
                for (int s = 0; s < h && br * h + s < rows; s += 4) {
                    FloatVector z = FloatVector.zero(F);
                    FloatVector a0 = z, a1 = z, c0 = z, c1 = z, d0 = z, d1 = z, e0 = z, e1 = z;
                    for (int b = bStart, vo = bStart * h + s; b < bEnd; b++, vo += h) {
                        int xo = cols[b] * ROW_BYTES;
                        FloatVector x0 = FloatVector.fromMemorySegment(F, buf, xo, NO);
                        FloatVector x1 = FloatVector.fromMemorySegment(F, buf, xo + VB, NO);
                        FloatVector v = FloatVector.broadcast(F, vals[vo]);
                        a0 = x0.fma(v, a0);
                        a1 = x1.fma(v, a1);
                        v = FloatVector.broadcast(F, vals[vo + 1]);
                        c0 = x0.fma(v, c0);
                        c1 = x1.fma(v, c1);
                        v = FloatVector.broadcast(F, vals[vo + 2]);
                        d0 = x0.fma(v, d0);
                        d1 = x1.fma(v, d1);
                        v = FloatVector.broadcast(F, vals[vo + 3]);
                        e0 = x0.fma(v, e0);
                        e1 = x1.fma(v, e1);
                    }
                    int r = br * h + s, o = ytOff + r * ldy + b0;
                    store(a0, a1, yt, o, b0, batch, bias(bias, r), relu);
                    if (r + 1 < rows) store(c0, c1, yt, o + ldy, b0, batch, bias(bias, r + 1), relu);
                    if (r + 2 < rows) store(d0, d1, yt, o + 2 * ldy, b0, batch, bias(bias, r + 2), relu);
                    if (r + 3 < rows) store(e0, e1, yt, o + 3 * ldy, b0, batch, bias(bias, r + 3), relu);
                }
            }
        }
    }
}
