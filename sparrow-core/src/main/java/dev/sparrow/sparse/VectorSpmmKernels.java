package dev.sparrow.sparse;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.sparrow.sparse.VectorSupport.F;
import static dev.sparrow.sparse.VectorSupport.I;
import static dev.sparrow.sparse.VectorSupport.L;
import static dev.sparrow.sparse.VectorSupport.NATIVE_ORDER;
import static dev.sparrow.sparse.VectorSupport.ROWS;
import static dev.sparrow.sparse.VectorSupport.S;
import static dev.sparrow.sparse.VectorSupport.VECTOR_BYTES;
import static dev.sparrow.sparse.VectorSupport.bias;
import static dev.sparrow.sparse.VectorSupport.finishTile;

/**
 * The batched kernels on the Vector API (Y^T = act(W X^T + b), X^T and Y^T batch-contiguous), the family
 * beside {@link VectorGemvKernels}: {@link VectorSparseKernels} dispatches to them; the species and array
 * helpers are in {@link VectorSupport}. Each nonzero weight is one broadcast times the vectors of a batch
 * tile.
 *
 * <p>Tricks, and why (measurements in docs/benchmarks-sparse.md, "Batched kernels"):
 * <ul>
 * <li>The batch tile of X^T is first copied into a contiguous per-thread buffer [cols][tile]. Read in
 * place, the rows of X^T are ldx floats apart: with ldx = 256 a 64-byte slice per 1 KiB row uses one
 * L2 set in eight, so the tile thrashed an L2 it would fit in. The copy costs one pass over X per tile.
 * The tail tile is packed with zero columns, so every kernel runs one full-width loop; the tail's
 * stores go through a scratch row.</li>
 * <li>Two tile widths: 2 vectors (16 columns at 256 bits) in a 64-byte-aligned off-heap segment (a
 * float[] cannot be aligned, and rows straddling two lines cost 1.3-1.6x), or 4 vectors in a heap
 * array, for csr and condensed while that tile is at most 192 KiB.</li>
 * <li>Register tiles held in locals (a fixed count, so C2 keeps them in registers) over the rows' whole
 * nonzero lists; bias and ReLU are applied as each output is stored once. Blocks r x 1: 4 rows x 2
 * vectors, each loaded X vector feeding 4 rows (8 FMAs per 2 loads + 4 broadcasts). Condensed (narrow),
 * N:M, banks: 2 adjacent rows of the interleaved layout x 2 vectors; csr and condensed (wide): one row
 * x 4 vectors; csr (narrow): one row, two nonzeros per step.</li>
 * <li>At most 4 vector loads per loop body, and no masked stores in the kernels: with 8 loads (4 rows x
 * 2 vectors of different inputs) C2 ran out of inlining budget and boxed a vector per nonzero (tens of
 * KiB per call).</li>
 * <li>The batch tile is the outer loop, so the packed tile stays in L2 across all rows; the weights
 * are re-read once per tile (from L3 after the first tile).</li>
 * </ul>
 */
final class VectorSpmmKernels {
    /** Batch columns per tile: two vectors. */
    static final int TILE = 2 * L;
    /** Bytes per packed row of the tile. */
    private static final int ROW_BYTES = TILE * Float.BYTES;
    /** Cache-line alignment of the packed tile, so that a row (64 or 128 bytes) is whole lines. */
    private static final long ALIGN = 64;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[TILE]);
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
                FloatVector.fromArray(F, xt, xo).intoMemorySegment(buf, to, NATIVE_ORDER);
                FloatVector.fromArray(F, xt, xo + L).intoMemorySegment(buf, to + VECTOR_BYTES, NATIVE_ORDER);
            }
        } else {
            VectorMask<Float> m0 = F.indexInRange(b0, batch), m1 = F.indexInRange(b0 + L, batch);
            long to = 0;
            for (int c = 0, xo = xtOff + b0; c < cols; c++, xo += ldx, to += ROW_BYTES) {
                FloatVector.fromArray(F, xt, xo, m0).intoMemorySegment(buf, to, NATIVE_ORDER);
                FloatVector.fromArray(F, xt, xo + L, m1).intoMemorySegment(buf, to + VECTOR_BYTES, NATIVE_ORDER);
            }
        }
    }

    // ---- CSR ----

    static void csrSpmm(Csr w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                        float[] bias, boolean relu, int rowFrom, int rowTo) {
        if ((long) w.cols * WIDE_TILE * Float.BYTES > WIDE_TILE_MAX_BYTES) {
            csrSpmmNarrow(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
            return;
        }
        float[] vals = w.values;
        char[] cols = w.col16;
        int[] ptr = w.rowPtr;
        float[] buf = wideBuffer(w.cols);
        int scratch = w.cols * WIDE_TILE;
        for (int b0 = 0; b0 < batch; b0 += WIDE_TILE) {
            packWide(xt, xtOff, ldx, w.cols, b0, batch, buf);
            boolean full = b0 + WIDE_TILE <= batch;
            float[] dst = full ? yt : buf;
            int nb = Math.min(WIDE_TILE, batch - b0);
            for (int r = rowFrom; r < rowTo; r++) { // as condensedSpmm (pairs of rows ran 0.85x of this)
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int p = ptr[r], end = ptr[r + 1]; p < end; p++) {
                    int xa = cols[p] * WIDE_TILE;
                    FloatVector v = FloatVector.broadcast(F, vals[p]);
                    a0 = FloatVector.fromArray(F, buf, xa).fma(v, a0);
                    a1 = FloatVector.fromArray(F, buf, xa + L).fma(v, a1);
                    a2 = FloatVector.fromArray(F, buf, xa + 2 * L).fma(v, a2);
                    a3 = FloatVector.fromArray(F, buf, xa + 3 * L).fma(v, a3);
                }
                int o = ytOff + r * ldy + b0, d = full ? o : scratch;
                a0.intoArray(dst, d);
                a1.intoArray(dst, d + L);
                a2.intoArray(dst, d + 2 * L);
                a3.intoArray(dst, d + 3 * L);
                finishTile(dst, d, yt, o, nb, bias(bias, r), relu);
            }
        }
    }

    /**
     * CSR over the 2-vector aligned tile, for layers whose 4-vector tile would not stay in L2: one row,
     * two nonzeros per step into two accumulator pairs (4 loads per step, 4 FMA chains).
     */
    private static void csrSpmmNarrow(Csr w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                                      float[] bias, boolean relu, int rowFrom, int rowTo) {
        float[] vals = w.values;
        char[] cols = w.col16;
        int[] ptr = w.rowPtr;
        MemorySegment buf = tileBuffer(w.cols);
        float[] scratch = SCRATCH.get();
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            boolean full = b0 + TILE <= batch;
            float[] dst = full ? yt : scratch;
            int nb = Math.min(TILE, batch - b0); // batch columns of this tile
            for (int r = rowFrom; r < rowTo; r++) {
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = z, a1 = z, c0 = z, c1 = z;
                int p = ptr[r], end = ptr[r + 1];
                // An odd-length row starts one early: that step's first half is 0 x its first input.
                for (int q = p - ((end - p) & 1); q < end; q += 2) {
                    int qa = Math.max(q, p);
                    int xa = cols[qa] * ROW_BYTES, xc = cols[q + 1] * ROW_BYTES;
                    FloatVector v = FloatVector.broadcast(F, q >= p ? vals[qa] : 0f);
                    a0 = FloatVector.fromMemorySegment(F, buf, xa, NATIVE_ORDER).fma(v, a0);
                    a1 = FloatVector.fromMemorySegment(F, buf, xa + VECTOR_BYTES, NATIVE_ORDER).fma(v, a1);
                    v = FloatVector.broadcast(F, vals[q + 1]);
                    c0 = FloatVector.fromMemorySegment(F, buf, xc, NATIVE_ORDER).fma(v, c0);
                    c1 = FloatVector.fromMemorySegment(F, buf, xc + VECTOR_BYTES, NATIVE_ORDER).fma(v, c1);
                }
                int o = ytOff + r * ldy + b0, d = full ? o : 0;
                a0.add(c0).intoArray(dst, d);
                a1.add(c1).intoArray(dst, d + L);
                finishTile(dst, d, yt, o, nb, bias(bias, r), relu);
            }
        }
    }

    // ---- condensed constant fan-in: 2 rows x 4 vectors over a 4-vector tile in a heap buffer ----

    /** Batch columns per tile of the condensed kernel: four vectors. */
    static final int WIDE_TILE = 4 * L;
    private static final ThreadLocal<float[]> WIDE_BUFFER = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] wideBuffer(int cols) {
        float[] buf = WIDE_BUFFER.get();
        if (buf.length < (cols + 1) * WIDE_TILE) { // one more row: the scratch row of the tail tile
            buf = new float[(cols + 1) * WIDE_TILE];
            WIDE_BUFFER.set(buf);
        }
        return buf;
    }

    /** Copies X^T[0..cols)[b0 .. b0 + WIDE_TILE) into buf[c * WIDE_TILE ..], zero past the batch. */
    private static void packWide(float[] xt, int xtOff, int ldx, int cols, int b0, int batch, float[] buf) {
        if (b0 + WIDE_TILE <= batch) {
            for (int c = 0, xo = xtOff + b0, to = 0; c < cols; c++, xo += ldx, to += WIDE_TILE) {
                FloatVector.fromArray(F, xt, xo).intoArray(buf, to);
                FloatVector.fromArray(F, xt, xo + L).intoArray(buf, to + L);
                FloatVector.fromArray(F, xt, xo + 2 * L).intoArray(buf, to + 2 * L);
                FloatVector.fromArray(F, xt, xo + 3 * L).intoArray(buf, to + 3 * L);
            }
        } else {
            for (int c = 0, xo = xtOff + b0, to = 0; c < cols; c++, xo += ldx, to += WIDE_TILE) {
                for (int v = 0; v < WIDE_TILE; v += L) {
                    FloatVector.fromArray(F, xt, xo + v, F.indexInRange(b0 + v, batch)).intoArray(buf, to + v);
                }
            }
        }
    }

    /**
     * One row x 4 vectors (4 FMA chains, 32 batch columns on AVX2) over a heap tile. Measured against the
     * alternatives, interleaved: 4 rows x 2 vectors over the aligned off-heap tile (as csr) was 3.3x dense
     * vs 3.7x for 2 rows x 4 vectors here on a quiet moment at 768x3072, but both put 8 vector loads in one
     * loop body, and C2 then stops inlining (its budget per compiled method) and boxes a vector per
     * nonzero, which the session's allocation test caught. One row x 4 vectors stays allocation-free and
     * ran 3.6x beside csr's 3.0x (pairs of rows, 2-vector aligned tile) in the same bench run.
     */
    /** Wide tiles only while the packed tile (cols x 4 vectors) stays well inside a 512 KiB L2. */
    private static final long WIDE_TILE_MAX_BYTES = 192 * 1024;

    static void condensedSpmm(CondensedFanIn w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                              float[] bias, boolean relu, int rowFrom, int rowTo) {
        if ((long) w.cols * WIDE_TILE * Float.BYTES <= WIDE_TILE_MAX_BYTES) {
            condensedSpmmWide(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
            return;
        }
        int k = w.fanIn;
        float[] vals = w.values;
        char[] idx = w.index;
        MemorySegment buf = tileBuffer(w.cols);
        float[] scratch = SCRATCH.get();
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            boolean full = b0 + TILE <= batch;
            float[] dst = full ? yt : scratch;
            int nb = Math.min(TILE, batch - b0); // batch columns of this tile
            for (int r = rowFrom & ~1; r < rowTo; r += 2) {
                // Rows r and r + 1 are adjacent lanes of one interleaved group of 16 (padded to 16 lanes, so a
                // pair at the edge of the range or the matrix reads valid entries and stores only its rows).
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = z, a1 = z, c0 = z, c1 = z;
                for (int j = 0, pos = (r / ROWS) * k * ROWS + r % ROWS; j < k; j++, pos += ROWS) {
                    int xa = idx[pos] * ROW_BYTES, xc = idx[pos + 1] * ROW_BYTES;
                    FloatVector v = FloatVector.broadcast(F, vals[pos]);
                    a0 = FloatVector.fromMemorySegment(F, buf, xa, NATIVE_ORDER).fma(v, a0);
                    a1 = FloatVector.fromMemorySegment(F, buf, xa + VECTOR_BYTES, NATIVE_ORDER).fma(v, a1);
                    v = FloatVector.broadcast(F, vals[pos + 1]);
                    c0 = FloatVector.fromMemorySegment(F, buf, xc, NATIVE_ORDER).fma(v, c0);
                    c1 = FloatVector.fromMemorySegment(F, buf, xc + VECTOR_BYTES, NATIVE_ORDER).fma(v, c1);
                }
                int o = ytOff + r * ldy + b0;
                if (r >= rowFrom) {
                    int d = full ? o : 0;
                    a0.intoArray(dst, d);
                    a1.intoArray(dst, d + L);
                    finishTile(dst, d, yt, o, nb, bias(bias, r), relu);
                }
                if (r + 1 < rowTo) {
                    int d = full ? o + ldy : 0;
                    c0.intoArray(dst, d);
                    c1.intoArray(dst, d + L);
                    finishTile(dst, d, yt, o + ldy, nb, bias(bias, r + 1), relu);
                }
            }
        }
    }

    private static void condensedSpmmWide(CondensedFanIn w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                              float[] bias, boolean relu, int rowFrom, int rowTo) {
        int k = w.fanIn;
        float[] vals = w.values;
        char[] idx = w.index;
        float[] buf = wideBuffer(w.cols);
        int scratch = w.cols * WIDE_TILE;
        for (int b0 = 0; b0 < batch; b0 += WIDE_TILE) {
            packWide(xt, xtOff, ldx, w.cols, b0, batch, buf);
            boolean full = b0 + WIDE_TILE <= batch;
            float[] dst = full ? yt : buf;
            int nb = Math.min(WIDE_TILE, batch - b0);
            for (int r = rowFrom; r < rowTo; r++) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int j = 0, pos = (r / ROWS) * k * ROWS + r % ROWS; j < k; j++, pos += ROWS) {
                    int xa = idx[pos] * WIDE_TILE;
                    FloatVector v = FloatVector.broadcast(F, vals[pos]);
                    a0 = FloatVector.fromArray(F, buf, xa).fma(v, a0);
                    a1 = FloatVector.fromArray(F, buf, xa + L).fma(v, a1);
                    a2 = FloatVector.fromArray(F, buf, xa + 2 * L).fma(v, a2);
                    a3 = FloatVector.fromArray(F, buf, xa + 3 * L).fma(v, a3);
                }
                int o = ytOff + r * ldy + b0, d = full ? o : scratch;
                a0.intoArray(dst, d);
                a1.intoArray(dst, d + L);
                a2.intoArray(dst, d + 2 * L);
                a3.intoArray(dst, d + 3 * L);
                finishTile(dst, d, yt, o, nb, bias(bias, r), relu);
            }
        }
    }

    // ---- N:M and bank-balanced: the group base plus the offset is the input row, no permute ----

    static void packedSpmm(PackedGroups w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                           float[] bias, boolean relu, int rowFrom, int rowTo) {
        int spr = w.slotsPerRow, n = w.slots, width = w.groupWidth;
        float[] vals = w.values;
        byte[] offs = w.offsets;
        MemorySegment buf = tileBuffer(w.cols);
        float[] scratch = SCRATCH.get();
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            boolean full = b0 + TILE <= batch;
            float[] dst = full ? yt : scratch;
            int nb = Math.min(TILE, batch - b0); // batch columns of this tile
            for (int r = rowFrom & ~1; r < rowTo; r += 2) { // whole pairs, as in condensedSpmm
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = z, a1 = z, c0 = z, c1 = z;
                // One flat loop over the slots (a nested group loop ran 3x slower at 1:8, one slot per group).
                int pos = (r / ROWS) * spr * ROWS + r % ROWS, base = 0, step = width * ROW_BYTES;
                for (int j = 0, s = 0; j < spr; j++, pos += ROWS) {
                    // Padding (value 0, offset 0) adds 0 x an input of its own group: harmless.
                    int xa = base + (offs[pos] & 0xFF) * ROW_BYTES, xc = base + (offs[pos + 1] & 0xFF) * ROW_BYTES;
                    FloatVector v = FloatVector.broadcast(F, vals[pos]);
                    a0 = FloatVector.fromMemorySegment(F, buf, xa, NATIVE_ORDER).fma(v, a0);
                    a1 = FloatVector.fromMemorySegment(F, buf, xa + VECTOR_BYTES, NATIVE_ORDER).fma(v, a1);
                    v = FloatVector.broadcast(F, vals[pos + 1]);
                    c0 = FloatVector.fromMemorySegment(F, buf, xc, NATIVE_ORDER).fma(v, c0);
                    c1 = FloatVector.fromMemorySegment(F, buf, xc + VECTOR_BYTES, NATIVE_ORDER).fma(v, c1);
                    if (++s == n) {
                        s = 0;
                        base += step;
                    }
                }
                int o = ytOff + r * ldy + b0;
                if (r >= rowFrom) {
                    int d = full ? o : 0;
                    a0.intoArray(dst, d);
                    a1.intoArray(dst, d + L);
                    finishTile(dst, d, yt, o, nb, bias(bias, r), relu);
                }
                if (r + 1 < rowTo) {
                    int d = full ? o + ldy : 0;
                    c0.intoArray(dst, d);
                    c1.intoArray(dst, d + L);
                    finishTile(dst, d, yt, o + ldy, nb, bias(bias, r + 1), relu);
                }
            }
        }
    }

    // ---- blocks r x 1: each loaded X vector feeds 4 rows ----

    static void blockSpmm(BlockSparse w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                          float[] bias, boolean relu, int blockRowFrom, int blockRowTo) {
        int h = w.blockHeight, rows = w.rows;
        float[] vals = w.values;
        char[] cols = w.col16;
        MemorySegment buf = tileBuffer(w.cols);
        float[] scratch = SCRATCH.get();
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            pack(xt, xtOff, ldx, w.cols, b0, batch, buf);
            boolean full = b0 + TILE <= batch;
            float[] dst = full ? yt : scratch;
            int nb = Math.min(TILE, batch - b0); // batch columns of this tile
            for (int br = blockRowFrom; br < blockRowTo; br++) {
                int bStart = w.blockRowPtr[br], bEnd = w.blockRowPtr[br + 1];
                // h is 4 or 16: whole passes of 4 rows; rows past the matrix hold zero values and are not stored.
                for (int s = 0; s < h && br * h + s < rows; s += 4) {
                    FloatVector z = FloatVector.zero(F);
                    FloatVector a0 = z, a1 = z, c0 = z, c1 = z, d0 = z, d1 = z, e0 = z, e1 = z;
                    for (int b = bStart, vo = bStart * h + s; b < bEnd; b++, vo += h) {
                        int xo = cols[b] * ROW_BYTES;
                        FloatVector x0 = FloatVector.fromMemorySegment(F, buf, xo, NATIVE_ORDER);
                        FloatVector x1 = FloatVector.fromMemorySegment(F, buf, xo + VECTOR_BYTES, NATIVE_ORDER);
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
                    int r = br * h + s, o = ytOff + r * ldy + b0, t = full ? o : 0;
                    a0.intoArray(dst, t);
                    a1.intoArray(dst, t + L);
                    finishTile(dst, t, yt, o, nb, bias(bias, r), relu);
                    if (r + 1 < rows) {
                        t = full ? o + ldy : 0;
                        c0.intoArray(dst, t);
                        c1.intoArray(dst, t + L);
                        finishTile(dst, t, yt, o + ldy, nb, bias(bias, r + 1), relu);
                    }
                    if (r + 2 < rows) {
                        t = full ? o + 2 * ldy : 0;
                        d0.intoArray(dst, t);
                        d1.intoArray(dst, t + L);
                        finishTile(dst, t, yt, o + 2 * ldy, nb, bias(bias, r + 2), relu);
                    }
                    if (r + 3 < rows) {
                        t = full ? o + 3 * ldy : 0;
                        e0.intoArray(dst, t);
                        e1.intoArray(dst, t + L);
                        finishTile(dst, t, yt, o + 3 * ldy, nb, bias(bias, r + 3), relu);
                    }
                }
            }
        }
    }

    // ---- CSC and complementary (input-major): each input's broadcast weights times a 4-vector batch tile ----

    static void cscSpmm(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy, int batchFrom, int batchTo) {
        int b0 = batchFrom;
        for (; b0 + WIDE_TILE <= batchTo; b0 += WIDE_TILE) {
            for (int c = 0; c < w.cols; c++) {
                int xo = xtOff + c * ldx + b0;
                FloatVector x0 = FloatVector.fromArray(F, xt, xo);
                FloatVector x1 = FloatVector.fromArray(F, xt, xo + L);
                FloatVector x2 = FloatVector.fromArray(F, xt, xo + 2 * L);
                FloatVector x3 = FloatVector.fromArray(F, xt, xo + 3 * L);
                for (int p = w.colPtr[c], end = w.colPtr[c + 1]; p < end; p++) {
                    FloatVector v = FloatVector.broadcast(F, w.values[p]);
                    int yo = ytOff + w.row(p) * ldy + b0;
                    x0.fma(v, FloatVector.fromArray(F, yt, yo)).intoArray(yt, yo);
                    x1.fma(v, FloatVector.fromArray(F, yt, yo + L)).intoArray(yt, yo + L);
                    x2.fma(v, FloatVector.fromArray(F, yt, yo + 2 * L)).intoArray(yt, yo + 2 * L);
                    x3.fma(v, FloatVector.fromArray(F, yt, yo + 3 * L)).intoArray(yt, yo + 3 * L);
                }
            }
        }
        for (; b0 < batchTo; b0 += L) {
            VectorMask<Float> m = F.indexInRange(b0, batchTo);
            for (int c = 0; c < w.cols; c++) {
                FloatVector x0 = FloatVector.fromArray(F, xt, xtOff + c * ldx + b0, m);
                for (int p = w.colPtr[c], end = w.colPtr[c + 1]; p < end; p++) {
                    int yo = ytOff + w.row(p) * ldy + b0;
                    x0.fma(FloatVector.broadcast(F, w.values[p]), FloatVector.fromArray(F, yt, yo, m)).intoArray(yt, yo, m);
                }
            }
        }
    }

    static void cscSpmmSparseInput(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                   int sampleFrom, int sampleTo) {
        int[] tmp = KernelScratch.ints(L);
        char[] rows = w.row16;
        for (int s = sampleFrom; s < sampleTo; s++) {
            int ys = ytOff + s;
            for (int c = 0; c < w.cols; c++) {
                float xc = xt[xtOff + c * ldx + s];
                if (xc == 0f) continue;
                int p = w.colPtr[c], end = w.colPtr[c + 1];
                FloatVector xv = FloatVector.broadcast(F, xc);
                for (; p + L <= end; p += L) {
                    // Output rows of one sample are ldy apart: gather, add and scatter them (distinct rows).
                    ((IntVector) ShortVector.fromCharArray(S, rows, p).convertShape(VectorOperators.S2I, I, 0))
                            .and(0xFFFF).mul(ldy).add(ys).intoArray(tmp, 0);
                    FloatVector yv = FloatVector.fromArray(F, yt, 0, tmp, 0);
                    FloatVector.fromArray(F, w.values, p).fma(xv, yv).intoArray(yt, 0, tmp, 0);
                }
                for (; p < end; p++) yt[ys + rows[p] * ldy] += w.values[p] * xc;
            }
        }
    }

    static void complementarySpmm(ComplementaryPacked w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                  int batchFrom, int batchTo) {
        int gp = w.paddedGroups, n = w.groupSize;
        int b0 = batchFrom;
        for (; b0 + WIDE_TILE <= batchTo; b0 += WIDE_TILE) {
            for (int c = 0; c < w.cols; c++) {
                int xo = xtOff + c * ldx + b0, base = c * gp;
                FloatVector x0 = FloatVector.fromArray(F, xt, xo);
                FloatVector x1 = FloatVector.fromArray(F, xt, xo + L);
                FloatVector x2 = FloatVector.fromArray(F, xt, xo + 2 * L);
                FloatVector x3 = FloatVector.fromArray(F, xt, xo + 3 * L);
                for (int g = 0; g < w.groups; g++) {
                    float wv = w.values[base + g];
                    if (wv == 0f) continue; // a slot no neuron owns
                    FloatVector v = FloatVector.broadcast(F, wv);
                    int yo = ytOff + (g * n + (w.owner[base + g] & 0xFF)) * ldy + b0;
                    x0.fma(v, FloatVector.fromArray(F, yt, yo)).intoArray(yt, yo);
                    x1.fma(v, FloatVector.fromArray(F, yt, yo + L)).intoArray(yt, yo + L);
                    x2.fma(v, FloatVector.fromArray(F, yt, yo + 2 * L)).intoArray(yt, yo + 2 * L);
                    x3.fma(v, FloatVector.fromArray(F, yt, yo + 3 * L)).intoArray(yt, yo + 3 * L);
                }
            }
        }
        for (; b0 < batchTo; b0 += L) {
            VectorMask<Float> m = F.indexInRange(b0, batchTo);
            for (int c = 0; c < w.cols; c++) {
                int base = c * gp;
                FloatVector x0 = FloatVector.fromArray(F, xt, xtOff + c * ldx + b0, m);
                for (int g = 0; g < w.groups; g++) {
                    float wv = w.values[base + g];
                    if (wv == 0f) continue;
                    int yo = ytOff + (g * n + (w.owner[base + g] & 0xFF)) * ldy + b0;
                    x0.fma(FloatVector.broadcast(F, wv), FloatVector.fromArray(F, yt, yo, m)).intoArray(yt, yo, m);
                }
            }
        }
    }
}
