package dev.sparrow.sparse;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batched row kernels (Y^T = act(W X^T + b), X^T batch-contiguous) on the Vector API, called by
 * {@link VectorSparseKernels}. Each nonzero weight is one broadcast times the vectors of a batch tile.
 *
 * <p>Tricks, and why:
 * <ul>
 * <li>The batch tile of X^T (two vectors: 16 columns at 256 bits, 32 at 512) is first copied into a
 * contiguous per-thread buffer [cols][tile]. Read in place, the rows of X^T are ldx floats apart: with
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
    private static final ThreadLocal<float[]> TILE_BUFFER = ThreadLocal.withInitial(() -> new float[0]);

    private VectorSpmmKernels() {}

    // ---- the packed batch tile ----

    private static float[] tileBuffer(int cols) {
        float[] buf = TILE_BUFFER.get();
        if (buf.length < cols * TILE) {
            buf = new float[cols * TILE];
            TILE_BUFFER.set(buf);
        }
        return buf;
    }

    /** Copies X^T[0..cols)[b0 .. b0 + TILE) into buf[c * TILE ..], zero past the batch. */
    private static void pack(float[] xt, int xtOff, int ldx, int cols, int b0, int batch, float[] buf) {
        if (b0 + TILE <= batch) {
            for (int c = 0, xo = xtOff + b0, to = 0; c < cols; c++, xo += ldx, to += TILE) {
                FloatVector.fromArray(F, xt, xo).intoArray(buf, to);
                FloatVector.fromArray(F, xt, xo + L).intoArray(buf, to + L);
            }
        } else {
            VectorMask<Float> m0 = F.indexInRange(b0, batch), m1 = F.indexInRange(b0 + L, batch);
            for (int c = 0, xo = xtOff + b0, to = 0; c < cols; c++, xo += ldx, to += TILE) {
                FloatVector.fromArray(F, xt, xo, m0).intoArray(buf, to);
                FloatVector.fromArray(F, xt, xo + L, m1).intoArray(buf, to + L);
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
        float[] buf = tileBuffer(w.cols);
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
                    int xp = cols[p] * TILE, xq = cols[q] * TILE;
                    a0 = FloatVector.fromArray(F, buf, xp).fma(v, a0);
                    a1 = FloatVector.fromArray(F, buf, xp + L).fma(v, a1);
                    c0 = FloatVector.fromArray(F, buf, xq).fma(u, c0);
                    c1 = FloatVector.fromArray(F, buf, xq + L).fma(u, c1);
                }
                for (; p < pEnd; p++) {
                    FloatVector v = FloatVector.broadcast(F, vals[p]);
                    int xp = cols[p] * TILE;
                    a0 = FloatVector.fromArray(F, buf, xp).fma(v, a0);
                    a1 = FloatVector.fromArray(F, buf, xp + L).fma(v, a1);
                }
                for (; q < qEnd; q++) {
                    FloatVector u = FloatVector.broadcast(F, vals[q]);
                    int xq = cols[q] * TILE;
                    c0 = FloatVector.fromArray(F, buf, xq).fma(u, c0);
                    c1 = FloatVector.fromArray(F, buf, xq + L).fma(u, c1);
                }
                store(a0, a1, yt, ytOff + r * ldy + b0, b0, batch, bias(bias, r), relu);
                store(c0, c1, yt, ytOff + (r + 1) * ldy + b0, b0, batch, bias(bias, r + 1), relu);
            }
            if (r < rowTo) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                for (int p = ptr[r], end = ptr[r + 1]; p < end; p++) {
                    FloatVector v = FloatVector.broadcast(F, vals[p]);
                    int xp = cols[p] * TILE;
                    a0 = FloatVector.fromArray(F, buf, xp).fma(v, a0);
                    a1 = FloatVector.fromArray(F, buf, xp + L).fma(v, a1);
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
        float[] buf = tileBuffer(w.cols);
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            int r = rowFrom;
            for (; r < rowTo && (r & 3) != 0; r++) condensedRow(w, buf, r, yt, ytOff, ldy, b0, batch, bias, relu);
            for (; r + 4 <= rowTo; r += 4) {
                // Rows r .. r + 3 are adjacent lanes of one interleaved group of 16.
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = z, a1 = z, c0 = z, c1 = z, d0 = z, d1 = z, e0 = z, e1 = z;
                for (int j = 0, pos = (r / ROWS) * k * ROWS + r % ROWS; j < k; j++, pos += ROWS) {
                    int xa = idx[pos] * TILE, xc = idx[pos + 1] * TILE, xd = idx[pos + 2] * TILE, xe = idx[pos + 3] * TILE;
                    FloatVector v = FloatVector.broadcast(F, vals[pos]);
                    a0 = FloatVector.fromArray(F, buf, xa).fma(v, a0);
                    a1 = FloatVector.fromArray(F, buf, xa + L).fma(v, a1);
                    v = FloatVector.broadcast(F, vals[pos + 1]);
                    c0 = FloatVector.fromArray(F, buf, xc).fma(v, c0);
                    c1 = FloatVector.fromArray(F, buf, xc + L).fma(v, c1);
                    v = FloatVector.broadcast(F, vals[pos + 2]);
                    d0 = FloatVector.fromArray(F, buf, xd).fma(v, d0);
                    d1 = FloatVector.fromArray(F, buf, xd + L).fma(v, d1);
                    v = FloatVector.broadcast(F, vals[pos + 3]);
                    e0 = FloatVector.fromArray(F, buf, xe).fma(v, e0);
                    e1 = FloatVector.fromArray(F, buf, xe + L).fma(v, e1);
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

    private static void condensedRow(CondensedFanIn w, float[] buf, int r, float[] yt, int ytOff, int ldy, int b0, int batch,
                                     float[] bias, boolean relu) {
        int k = w.fanIn;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int j = 0, pos = (r / ROWS) * k * ROWS + r % ROWS; j < k; j++, pos += ROWS) {
            FloatVector v = FloatVector.broadcast(F, w.values[pos]);
            int xa = w.index[pos] * TILE;
            a0 = FloatVector.fromArray(F, buf, xa).fma(v, a0);
            a1 = FloatVector.fromArray(F, buf, xa + L).fma(v, a1);
        }
        store(a0, a1, yt, ytOff + r * ldy + b0, b0, batch, bias(bias, r), relu);
    }

    // ---- N:M and bank-balanced: the group base plus the offset is the input row, no permute ----

    static void packedSpmm(PackedGroups w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                           float[] bias, boolean relu, int rowFrom, int rowTo) {
        int spr = w.slotsPerRow, n = w.slots, width = w.groupWidth;
        float[] vals = w.values;
        byte[] offs = w.offsets;
        float[] buf = tileBuffer(w.cols);
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            int r = rowFrom;
            for (; r < rowTo && (r & 3) != 0; r++) packedRow(w, buf, r, yt, ytOff, ldy, b0, batch, bias, relu);
            for (; r + 4 <= rowTo; r += 4) {
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = z, a1 = z, c0 = z, c1 = z, d0 = z, d1 = z, e0 = z, e1 = z;
                // One flat loop over the slots (a nested group loop ran 3x slower at 1:8, one slot per group).
                int pos = (r / ROWS) * spr * ROWS + r % ROWS, base = 0, step = width * TILE;
                for (int j = 0, s = 0; j < spr; j++, pos += ROWS) {
                    // Padding (value 0, offset 0) adds 0 x an input of its own group: harmless.
                    int xa = base + (offs[pos] & 0xFF) * TILE, xc = base + (offs[pos + 1] & 0xFF) * TILE;
                    int xd = base + (offs[pos + 2] & 0xFF) * TILE, xe = base + (offs[pos + 3] & 0xFF) * TILE;
                    FloatVector v = FloatVector.broadcast(F, vals[pos]);
                    a0 = FloatVector.fromArray(F, buf, xa).fma(v, a0);
                    a1 = FloatVector.fromArray(F, buf, xa + L).fma(v, a1);
                    v = FloatVector.broadcast(F, vals[pos + 1]);
                    c0 = FloatVector.fromArray(F, buf, xc).fma(v, c0);
                    c1 = FloatVector.fromArray(F, buf, xc + L).fma(v, c1);
                    v = FloatVector.broadcast(F, vals[pos + 2]);
                    d0 = FloatVector.fromArray(F, buf, xd).fma(v, d0);
                    d1 = FloatVector.fromArray(F, buf, xd + L).fma(v, d1);
                    v = FloatVector.broadcast(F, vals[pos + 3]);
                    e0 = FloatVector.fromArray(F, buf, xe).fma(v, e0);
                    e1 = FloatVector.fromArray(F, buf, xe + L).fma(v, e1);
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

    private static void packedRow(PackedGroups w, float[] buf, int r, float[] yt, int ytOff, int ldy, int b0, int batch,
                                  float[] bias, boolean relu) {
        int n = w.slots, width = w.groupWidth;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int pos = (r / ROWS) * w.slotsPerRow * ROWS + r % ROWS, base = 0, step = width * TILE;
        for (int j = 0, s = 0; j < w.slotsPerRow; j++, pos += ROWS) {
            FloatVector v = FloatVector.broadcast(F, w.values[pos]);
            int xa = base + (w.offsets[pos] & 0xFF) * TILE;
            a0 = FloatVector.fromArray(F, buf, xa).fma(v, a0);
            a1 = FloatVector.fromArray(F, buf, xa + L).fma(v, a1);
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
        float[] buf = tileBuffer(w.cols);
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            for (int br = blockRowFrom; br < blockRowTo; br++) {
                int bStart = w.blockRowPtr[br], bEnd = w.blockRowPtr[br + 1];
                // h is 4 or 16: whole passes of 4 rows; rows past the matrix hold zero values and are not stored.
                for (int s = 0; s < h && br * h + s < rows; s += 4) {
                    FloatVector z = FloatVector.zero(F);
                    FloatVector a0 = z, a1 = z, c0 = z, c1 = z, d0 = z, d1 = z, e0 = z, e1 = z;
                    for (int b = bStart, vo = bStart * h + s; b < bEnd; b++, vo += h) {
                        int xo = cols[b] * TILE;
                        FloatVector x0 = FloatVector.fromArray(F, buf, xo);
                        FloatVector x1 = FloatVector.fromArray(F, buf, xo + L);
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
