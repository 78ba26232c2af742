package dev.sparrow.sparse;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.sparrow.sparse.VectorSupport.B;
import static dev.sparrow.sparse.VectorSupport.F;
import static dev.sparrow.sparse.VectorSupport.FAST_SCATTER;
import static dev.sparrow.sparse.VectorSupport.I;
import static dev.sparrow.sparse.VectorSupport.IOTA;
import static dev.sparrow.sparse.VectorSupport.L;
import static dev.sparrow.sparse.VectorSupport.ROWS;
import static dev.sparrow.sparse.VectorSupport.finishRows;
import static dev.sparrow.sparse.VectorSupport.widen;
import static jdk.incubator.vector.VectorOperators.B2I;

/**
 * The batch-1 kernels on the Vector API, one family as in XNNPACK's split of gemv from spmm: y = act(W x + b)
 * for the row formats, and y += W x scattered for the input-major ones (dense and sparse inputs).
 * {@link VectorSparseKernels} dispatches to them; the species and array helpers are in {@link VectorSupport}.
 * What was measured on a Zen 3 (AVX2) and why each loop looks as it does is in docs/benchmarks-sparse.md,
 * section "batch 1 kernels".
 * <ul>
 * <li>16-bit indices: JDK 25 has no gather from an index vector, so the indices are widened into a small
 * int[L] that the gather reads (all lanes are always valid indices, so no padding is needed).</li>
 * <li>N:M and banks up to two vectors wide: the group's inputs are one or two vector loads and each
 * lane's input is picked with an in-register (one- or two-table) permute instead of a memory gather.</li>
 * <li>Two accumulators on the loops over a row's nonzeros hide the FMA latency.</li>
 * <li>Blocks 16x1: the whole block (16 / L vectors) in one pass, so each index and input is read once
 * (the previous loop made two passes over a block row on 256-bit machines: 1.9x slower in cache).</li>
 * <li>Blocks 4x1: two blocks per 256-bit vector (one load of 8 values, the inputs a blend of two
 * broadcasts); 128-bit vectors did half the work per instruction.</li>
 * <li>Condensed (256-bit): half of a 16-row group by gathers, half by scalar loads, which overlap.</li>
 * <li>Sparse inputs: the active columns are scattered in chunks, and each chunk's cache lines are first
 * touched with independent loads. A plain scatter waits for memory column by column (the next column's
 * address is known, but the scatter loop fills the reorder window); the touches are many independent
 * misses in flight, an emulated prefetch (Java has no prefetch instruction).</li>
 * </ul>
 */
final class VectorGemvKernels {
    private VectorGemvKernels() {}

    /** The 256-bit species of the 4x1 block pairs and the condensed hybrid, whatever width was chosen. */
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;
    /** Lanes 4..7 of a 256-bit vector: the second 4x1 block of a pair. */
    private static final VectorMask<Float> HIGH4 = VectorMask.fromLong(F8, 0xF0);
    /**
     * Active columns per touch-then-scatter chunk: 16 columns of a 90%-sparse 768-row layer are about 9
     * KiB, which stay in L1 until scattered; 16 and 32 measured alike, 64 slower in cache.
     */
    static final int CHUNK = 16;
    /** Keeps the touch loads alive: the JIT drops loads whose value is never used. */
    private static volatile int sink;

    // ---- CSR (16-bit column indices) ----

    static void csrGemv(Csr w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, int rowFrom, int rowTo) {
        int[] tmp = KernelScratch.ints(L);
        float[] vals = w.values;
        char[] cols = w.col16;
        for (int r = rowFrom; r < rowTo; r++) {
            int p = w.rowPtr[r], end = w.rowPtr[r + 1];
            float acc = 0f;
            if (end - p >= 2 * L) { // gathers pay only on long rows
                FloatVector a = FloatVector.zero(F);
                for (; p + L <= end; p += L) {
                    widen(cols, p, tmp, 0);
                    a = FloatVector.fromArray(F, vals, p).fma(FloatVector.fromArray(F, x, xOff, tmp, 0), a);
                }
                // lanes summed in one fixed order (VectorSupport.SWAP*), the same bits interpreted and compiled
                if (L == 16) a = a.add(a.rearrange(VectorSupport.SWAP8));
                a = a.add(a.rearrange(VectorSupport.SWAP4));
                a = a.add(a.rearrange(VectorSupport.SWAP2));
                acc = a.add(a.rearrange(VectorSupport.SWAP1)).lane(0);
            }
            for (; p < end; p++) acc += vals[p] * x[xOff + cols[p]];
            y[yOff + r] = ScalarSparseKernels.out(acc, bias, r, relu);
        }
    }

    // ---- condensed constant fan-in ----

    /**
     * Row groups [groupFrom, groupTo). 256-bit: {@link #condensedGemvHybrid}, measured 1.1-1.3x faster than
     * gathers alone on Zen 3 (streamed); 512-bit: gathers (a whole group per vector; the hybrid measured
     * 0.79-0.93x of it on the Xeon, each against csr in its own run). The hybrid's gathers are 256-bit,
     * and a JVM must gather at one width only: the JDK's gather looks up its index species by shape, and once two shapes have run C2 can no
     * longer fold that lookup when it parses a gather, inlines the intrinsic late and leaves its index
     * vector boxed, 6-8 KB per call of the 512-bit kernel (seen in a full test run on the Xeon, where a
     * test also ran the hybrid). So the hybrid runs only where vectors are 256-bit.
     */
    static void condensedGemv(CondensedFanIn w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                              int groupFrom, int groupTo) {
        if (L == 8) {
            condensedGemvHybrid(w, x, xOff, y, yOff, bias, relu, groupFrom, groupTo);
        } else {
            condensedGemvGather(w, x, xOff, y, yOff, bias, relu, groupFrom, groupTo);
        }
    }

    /** Gathers only: L rows of a group per pass, two gathers in flight. */
    static void condensedGemvGather(CondensedFanIn w, float[] x, int xOff, float[] y, int yOff, float[] bias,
                                    boolean relu, int groupFrom, int groupTo) {
        int k = w.fanIn;
        int[] tmp = KernelScratch.ints(2 * L);
        float[] vals = w.values;
        char[] idx = w.index;
        for (int g = groupFrom; g < groupTo; g++) {
            for (int h = 0; h < ROWS && g * ROWS + h < w.rows; h += L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                int pos = g * k * ROWS + h, j = 0;
                for (; j + 1 < k; j += 2, pos += 2 * ROWS) {
                    widen(idx, pos, tmp, 0);
                    widen(idx, pos + ROWS, tmp, L);
                    a0 = FloatVector.fromArray(F, vals, pos).fma(FloatVector.fromArray(F, x, xOff, tmp, 0), a0);
                    a1 = FloatVector.fromArray(F, vals, pos + ROWS).fma(FloatVector.fromArray(F, x, xOff, tmp, L), a1);
                }
                if (j < k) {
                    widen(idx, pos, tmp, 0);
                    a0 = FloatVector.fromArray(F, vals, pos).fma(FloatVector.fromArray(F, x, xOff, tmp, 0), a0);
                }
                FloatVector acc = a0.add(a1);
                int r0 = g * ROWS + h;
                if (r0 + L <= w.rows) acc.intoArray(y, yOff + r0);
                else acc.intoArray(y, yOff + r0, F.indexInRange(r0, w.rows));
            }
        }
        finishRows(y, yOff, groupFrom * ROWS, Math.min(groupTo * ROWS, w.rows), bias, relu);
    }

    /**
     * Rows 0..7 of a group by one gather per slot, rows 8..15 by scalar loads into eight
     * accumulators. On Zen 3 a gather costs about as much as its scalar loads, but the two kinds overlap.
     */
    static void condensedGemvHybrid(CondensedFanIn w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                                    int groupFrom, int groupTo) {
        int k = w.fanIn, rows = w.rows;
        int[] tmp = KernelScratch.ints(8);
        float[] vals = w.values;
        char[] idx = w.index;
        for (int g = groupFrom; g < groupTo; g++) {
            FloatVector a0 = FloatVector.zero(F8);
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
            for (int j = 0, pos = g * k * ROWS; j < k; j++, pos += ROWS) {
                ((IntVector) ShortVector.fromCharArray(S8, idx, pos).convertShape(VectorOperators.S2I, I8, 0))
                        .and(0xFFFF).intoArray(tmp, 0);
                a0 = FloatVector.fromArray(F8, vals, pos).fma(FloatVector.fromArray(F8, x, xOff, tmp, 0), a0);
                int q = pos + 8;
                s0 = Math.fma(vals[q], x[xOff + idx[q]], s0);
                s1 = Math.fma(vals[q + 1], x[xOff + idx[q + 1]], s1);
                s2 = Math.fma(vals[q + 2], x[xOff + idx[q + 2]], s2);
                s3 = Math.fma(vals[q + 3], x[xOff + idx[q + 3]], s3);
                s4 = Math.fma(vals[q + 4], x[xOff + idx[q + 4]], s4);
                s5 = Math.fma(vals[q + 5], x[xOff + idx[q + 5]], s5);
                s6 = Math.fma(vals[q + 6], x[xOff + idx[q + 6]], s6);
                s7 = Math.fma(vals[q + 7], x[xOff + idx[q + 7]], s7);
            }
            int r0 = g * ROWS;
            if (r0 + 8 <= rows) {
                FloatVector v = bias == null ? a0 : a0.add(FloatVector.fromArray(F8, bias, r0));
                (relu ? v.max(0f) : v).intoArray(y, yOff + r0);
            } else {
                VectorMask<Float> m = F8.indexInRange(r0, rows);
                FloatVector v = bias == null ? a0 : a0.add(FloatVector.fromArray(F8, bias, r0, m));
                (relu ? v.max(0f) : v).intoArray(y, yOff + r0, m);
            }
            r0 += 8;
            put(y, yOff, r0, rows, s0, bias, relu);
            put(y, yOff, r0 + 1, rows, s1, bias, relu);
            put(y, yOff, r0 + 2, rows, s2, bias, relu);
            put(y, yOff, r0 + 3, rows, s3, bias, relu);
            put(y, yOff, r0 + 4, rows, s4, bias, relu);
            put(y, yOff, r0 + 5, rows, s5, bias, relu);
            put(y, yOff, r0 + 6, rows, s6, bias, relu);
            put(y, yOff, r0 + 7, rows, s7, bias, relu);
        }
    }

    private static void put(float[] y, int yOff, int r, int rows, float acc, float[] bias, boolean relu) {
        if (r < rows) y[yOff + r] = ScalarSparseKernels.out(acc, bias, r, relu);
    }

    // ---- blocks r x 1 (16-bit column indices) ----

    /** Block rows [blockRowFrom, blockRowTo) of a 16x1 or 4x1 matrix with 16-bit indices. */
    static void blockGemv(BlockSparse w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                          int blockRowFrom, int blockRowTo) {
        if (w.blockHeight == 16) {
            block16Gemv(w, x, xOff, y, yOff, bias, relu, blockRowFrom, blockRowTo);
        } else {
            block4Gemv(w, x, xOff, y, yOff, bias, relu, blockRowFrom, blockRowTo);
        }
    }

    private static void block16Gemv(BlockSparse w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                                    int blockRowFrom, int blockRowTo) {
        float[] vals = w.values;
        char[] cols = w.col16;
        int[] ptr = w.blockRowPtr;
        if (L == 16) {
            for (int br = blockRowFrom; br < blockRowTo; br++) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int b = ptr[br], end = ptr[br + 1];
                for (; b + 3 < end; b += 4) {
                    a0 = FloatVector.fromArray(F, vals, b * 16).fma(FloatVector.broadcast(F, x[xOff + cols[b]]), a0);
                    a1 = FloatVector.fromArray(F, vals, b * 16 + 16).fma(FloatVector.broadcast(F, x[xOff + cols[b + 1]]), a1);
                    a2 = FloatVector.fromArray(F, vals, b * 16 + 32).fma(FloatVector.broadcast(F, x[xOff + cols[b + 2]]), a2);
                    a3 = FloatVector.fromArray(F, vals, b * 16 + 48).fma(FloatVector.broadcast(F, x[xOff + cols[b + 3]]), a3);
                }
                for (; b < end; b++) {
                    a0 = FloatVector.fromArray(F, vals, b * 16).fma(FloatVector.broadcast(F, x[xOff + cols[b]]), a0);
                }
                FloatVector acc = a0.add(a1).add(a2.add(a3));
                int r0 = br * 16;
                if (r0 + 16 <= w.rows) acc.intoArray(y, yOff + r0);
                else acc.intoArray(y, yOff + r0, F.indexInRange(r0, w.rows));
            }
            finishRows(y, yOff, blockRowFrom * 16, Math.min(blockRowTo * 16, w.rows), bias, relu);
            return;
        }
        // 256-bit: two vectors per block, two blocks per step, four accumulators.
        for (int br = blockRowFrom; br < blockRowTo; br++) {
            FloatVector lo0 = FloatVector.zero(F), hi0 = lo0, lo1 = lo0, hi1 = lo0;
            int b = ptr[br], end = ptr[br + 1];
            for (; b + 1 < end; b += 2) {
                FloatVector x0 = FloatVector.broadcast(F, x[xOff + cols[b]]);
                FloatVector x1 = FloatVector.broadcast(F, x[xOff + cols[b + 1]]);
                int o = b * 16;
                lo0 = FloatVector.fromArray(F, vals, o).fma(x0, lo0);
                hi0 = FloatVector.fromArray(F, vals, o + 8).fma(x0, hi0);
                lo1 = FloatVector.fromArray(F, vals, o + 16).fma(x1, lo1);
                hi1 = FloatVector.fromArray(F, vals, o + 24).fma(x1, hi1);
            }
            if (b < end) {
                FloatVector x0 = FloatVector.broadcast(F, x[xOff + cols[b]]);
                lo0 = FloatVector.fromArray(F, vals, b * 16).fma(x0, lo0);
                hi0 = FloatVector.fromArray(F, vals, b * 16 + 8).fma(x0, hi0);
            }
            FloatVector lo = lo0.add(lo1), hi = hi0.add(hi1);
            int r0 = br * 16, r8 = r0 + 8;
            if (r8 <= w.rows) lo.intoArray(y, yOff + r0);
            else lo.intoArray(y, yOff + r0, F.indexInRange(r0, w.rows));
            if (r8 + 8 <= w.rows) hi.intoArray(y, yOff + r8);
            else if (r8 < w.rows) hi.intoArray(y, yOff + r8, F.indexInRange(r8, w.rows));
        }
        finishRows(y, yOff, blockRowFrom * 16, Math.min(blockRowTo * 16, w.rows), bias, relu);
    }

    /** Two blocks per 256-bit vector: the pair's 8 values are one load, the inputs a blend of two broadcasts. */
    private static void block4Gemv(BlockSparse w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                                   int blockRowFrom, int blockRowTo) {
        float[] vals = w.values;
        char[] cols = w.col16;
        int[] ptr = w.blockRowPtr;
        for (int br = blockRowFrom; br < blockRowTo; br++) {
            FloatVector a0 = FloatVector.zero(F8), a1 = a0;
            int b = ptr[br], end = ptr[br + 1];
            for (; b + 3 < end; b += 4) {
                FloatVector x0 = FloatVector.broadcast(F8, x[xOff + cols[b]]).blend(x[xOff + cols[b + 1]], HIGH4);
                FloatVector x1 = FloatVector.broadcast(F8, x[xOff + cols[b + 2]]).blend(x[xOff + cols[b + 3]], HIGH4);
                a0 = FloatVector.fromArray(F8, vals, b * 4).fma(x0, a0);
                a1 = FloatVector.fromArray(F8, vals, b * 4 + 8).fma(x1, a1);
            }
            if (b + 1 < end) {
                FloatVector x0 = FloatVector.broadcast(F8, x[xOff + cols[b]]).blend(x[xOff + cols[b + 1]], HIGH4);
                a0 = FloatVector.fromArray(F8, vals, b * 4).fma(x0, a0);
                b += 2;
            }
            FloatVector acc = a0.add(a1);
            acc = acc.add(acc.slice(4)); // lanes 0..3: first blocks + second blocks of the pairs
            // Lanes out one by one: masked vector loads and stores that reach past an array's end take a slow path.
            float xt = b < end ? x[xOff + cols[b]] : 0f;
            int vt = b < end ? b * 4 : 0, r0 = br * 4, n = Math.min(4, w.rows - r0);
            for (int i = 0; i < n; i++) {
                float v = acc.lane(i);
                if (b < end) v = Math.fma(vals[vt + i], xt, v);
                y[yOff + r0 + i] = ScalarSparseKernels.out(v, bias, r0 + i, relu);
            }
        }
    }

    // ---- N:M and bank-balanced ----

    /**
     * Each width class is its own method, so that C2 compiles each with its own inlining budget: in one
     * method, once a test suite had run all three, C2 ran out of budget, left Vector API calls un-inlined
     * and boxed about 90 KB per call (nm1:8, 256-bit, in a full run).
     */
    static void packedGemv(PackedGroups w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                           int groupFrom, int groupTo) {
        if (w.groupWidth <= L) packedGemvOneVector(w, x, xOff, y, yOff, groupFrom, groupTo);
        else if (w.groupWidth <= 2 * L) packedGemvTwoVectors(w, x, xOff, y, yOff, groupFrom, groupTo);
        else packedGemvGather(w, x, xOff, y, yOff, groupFrom, groupTo);
        finishRows(y, yOff, groupFrom * ROWS, Math.min(groupTo * ROWS, w.rows), bias, relu);
    }

    /** A group's inputs are one vector load; each lane's input is picked by an in-register permute. */
    private static void packedGemvOneVector(PackedGroups w, float[] x, int xOff, float[] y, int yOff,
                                   int groupFrom, int groupTo) {
        int spr = w.slotsPerRow, n = w.slots, width = w.groupWidth, cols = w.cols, groups = w.groupsPerRow;
        float[] vals = w.values;
        byte[] offs = w.offsets;
        // Offsets within a group of at most 2L inputs are below 32: B2I's sign extension leaves them as they are.
        for (int rg = groupFrom; rg < groupTo; rg++) {
            for (int h = 0; h < ROWS && rg * ROWS + h < w.rows; h += L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                int pos = rg * spr * ROWS + h;
                for (int g = 0; g < groups; g++) {
                    int c0 = g * width;
                    // One load serves L rows; lanes past the group (or past cols, masked to 0) are never picked.
                    IntVector xs = (c0 + L <= cols ? FloatVector.fromArray(F, x, xOff + c0)
                            : FloatVector.fromArray(F, x, xOff + c0, F.indexInRange(c0, cols))).reinterpretAsInts();
                    int s = 0;
                    for (; s + 1 < n; s += 2, pos += 2 * ROWS) {
                        FloatVector p0 = ByteVector.fromArray(B, offs, pos).convertShape(B2I, I, 0)
                                .selectFrom(xs).reinterpretAsFloats();
                        a0 = FloatVector.fromArray(F, vals, pos).fma(p0, a0);
                        FloatVector p1 = ByteVector.fromArray(B, offs, pos + ROWS).convertShape(B2I, I, 0)
                                .selectFrom(xs).reinterpretAsFloats();
                        a1 = FloatVector.fromArray(F, vals, pos + ROWS).fma(p1, a1);
                    }
                    if (s < n) {
                        FloatVector p0 = ByteVector.fromArray(B, offs, pos).convertShape(B2I, I, 0)
                                .selectFrom(xs).reinterpretAsFloats();
                        a0 = FloatVector.fromArray(F, vals, pos).fma(p0, a0);
                        pos += ROWS;
                    }
                }
                FloatVector acc = a0.add(a1);
                int r0 = rg * ROWS + h;
                if (r0 + L <= w.rows) acc.intoArray(y, yOff + r0);
                else acc.intoArray(y, yOff + r0, F.indexInRange(r0, w.rows));
            }
        }
    }

    /** Two vectors hold the group's inputs; the two-table permute picks from both. */
    private static void packedGemvTwoVectors(PackedGroups w, float[] x, int xOff, float[] y, int yOff,
                                   int groupFrom, int groupTo) {
        int spr = w.slotsPerRow, n = w.slots, width = w.groupWidth, cols = w.cols, groups = w.groupsPerRow;
        float[] vals = w.values;
        byte[] offs = w.offsets;
        for (int rg = groupFrom; rg < groupTo; rg++) {
            for (int h = 0; h < ROWS && rg * ROWS + h < w.rows; h += L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                int pos = rg * spr * ROWS + h;
                for (int g = 0; g < groups; g++) {
                    int c0 = g * width;
                    int c1 = c0 + L;
                    IntVector lo = (c0 + L <= cols ? FloatVector.fromArray(F, x, xOff + c0)
                            : FloatVector.fromArray(F, x, xOff + c0, F.indexInRange(c0, cols))).reinterpretAsInts();
                    IntVector hi = (c1 + L <= cols ? FloatVector.fromArray(F, x, xOff + c1)
                            : FloatVector.fromArray(F, x, xOff + c1, F.indexInRange(c1, cols))).reinterpretAsInts();
                    int s = 0;
                    for (; s + 1 < n; s += 2, pos += 2 * ROWS) {
                        FloatVector p0 = ByteVector.fromArray(B, offs, pos).convertShape(B2I, I, 0)
                                .selectFrom(lo, hi).reinterpretAsFloats();
                        a0 = FloatVector.fromArray(F, vals, pos).fma(p0, a0);
                        FloatVector p1 = ByteVector.fromArray(B, offs, pos + ROWS).convertShape(B2I, I, 0)
                                .selectFrom(lo, hi).reinterpretAsFloats();
                        a1 = FloatVector.fromArray(F, vals, pos + ROWS).fma(p1, a1);
                    }
                    if (s < n) {
                        FloatVector p0 = ByteVector.fromArray(B, offs, pos).convertShape(B2I, I, 0)
                                .selectFrom(lo, hi).reinterpretAsFloats();
                        a0 = FloatVector.fromArray(F, vals, pos).fma(p0, a0);
                        pos += ROWS;
                    }
                }
                FloatVector acc = a0.add(a1);
                int r0 = rg * ROWS + h;
                if (r0 + L <= w.rows) acc.intoArray(y, yOff + r0);
                else acc.intoArray(y, yOff + r0, F.indexInRange(r0, w.rows));
            }
        }
    }

    /** Wide groups: the offsets plus the group's first column, gathered. */
    private static void packedGemvGather(PackedGroups w, float[] x, int xOff, float[] y, int yOff,
                                   int groupFrom, int groupTo) {
        int spr = w.slotsPerRow, n = w.slots, width = w.groupWidth, cols = w.cols, groups = w.groupsPerRow;
        float[] vals = w.values;
        byte[] offs = w.offsets;
        int[] tmp = KernelScratch.ints(L);
        for (int rg = groupFrom; rg < groupTo; rg++) {
            for (int h = 0; h < ROWS && rg * ROWS + h < w.rows; h += L) {
                FloatVector a0 = FloatVector.zero(F);
                int pos = rg * spr * ROWS + h;
                for (int g = 0; g < groups; g++) {
                    int c0 = g * width;
                    for (int s = 0; s < n; s++, pos += ROWS) {
                        ((IntVector) ByteVector.fromArray(B, offs, pos).convertShape(B2I, I, 0)).and(0xFF).add(c0)
                                .intoArray(tmp, 0);
                        a0 = FloatVector.fromArray(F, vals, pos).fma(FloatVector.fromArray(F, x, xOff, tmp, 0), a0);
                    }
                }
                int r0 = rg * ROWS + h;
                if (r0 + L <= w.rows) a0.intoArray(y, yOff + r0);
                else a0.intoArray(y, yOff + r0, F.indexInRange(r0, w.rows));
            }
        }
    }

    // ---- CSC (input-major scatter, 16-bit row indices) ----

    static void cscScatterDense(Csc w, float[] x, int xOff, float[] y, int yOff) {
        int[] tmp = KernelScratch.ints(L);
        for (int c = 0; c < w.cols; c++) {
            float xc = x[xOff + c];
            if (xc != 0f) cscColumn(w, c, xc, y, yOff, tmp);
        }
    }

    /** y[rows of column c] += values * xc; rows within a column are distinct, so the scatter is conflict-free. */
    private static void cscColumn(Csc w, int c, float xc, float[] y, int yOff, int[] tmp) {
        int p = w.colPtr[c], end = w.colPtr[c + 1];
        char[] rows = w.row16;
        if (FAST_SCATTER && end - p >= L) {
            FloatVector xv = FloatVector.broadcast(F, xc);
            for (; p + L <= end; p += L) {
                widen(rows, p, tmp, 0);
                FloatVector yv = FloatVector.fromArray(F, y, yOff, tmp, 0);
                FloatVector.fromArray(F, w.values, p).fma(xv, yv).intoArray(y, yOff, tmp, 0);
            }
        }
        for (; p < end; p++) y[yOff + rows[p]] += w.values[p] * xc;
    }

    /** y += W x over x's nonzeros, for a CSC matrix with 16-bit row indices. */
    static void cscScatterSparse(Csc w, int[] activeIdx, float[] activeVals, int count, float[] y, int yOff) {
        float[] vals = w.values;
        char[] rows = w.row16;
        int[] ptr = w.colPtr;
        int touch = 0;
        int[] tmp = FAST_SCATTER ? KernelScratch.ints(L) : null;
        for (int i0 = 0; i0 < count; i0 += CHUNK) {
            int i1 = Math.min(count, i0 + CHUNK);
            for (int i = i0; i < i1; i++) {
                int c = activeIdx[i];
                int p = ptr[c], end = ptr[c + 1];
                // One load per cache line of values (16 floats) and of row indices (32 chars), plus the last ones.
                for (int q = p; q < end; q += 16) touch += Float.floatToRawIntBits(vals[q]) + rows[q];
                if (end > p) touch += Float.floatToRawIntBits(vals[end - 1]) + rows[end - 1];
            }
            for (int i = i0; i < i1; i++) {
                int c = activeIdx[i];
                float xc = activeVals[i];
                int p = ptr[c], end = ptr[c + 1];
                if (FAST_SCATTER && end - p >= L) {
                    FloatVector xv = FloatVector.broadcast(F, xc);
                    for (; p + L <= end; p += L) {
                        widen(rows, p, tmp, 0); // rows of one column are distinct: a conflict-free scatter
                        FloatVector yv = FloatVector.fromArray(F, y, yOff, tmp, 0);
                        FloatVector.fromArray(F, vals, p).fma(xv, yv).intoArray(y, yOff, tmp, 0);
                    }
                }
                for (; p < end; p++) y[yOff + rows[p]] += vals[p] * xc;
            }
        }
        if (touch == 0x5eed) sink = touch;
    }

    // ---- complementary (input-major, one weight per group and input) ----

    static void complementaryScatterDense(ComplementaryPacked w, float[] x, int xOff, float[] y, int yOff) {
        int[] tmp = KernelScratch.ints(L);
        for (int c = 0; c < w.cols; c++) {
            float xc = x[xOff + c];
            if (xc != 0f) complementaryColumn(w, c, xc, y, yOff, tmp);
        }
    }

    private static void complementaryColumn(ComplementaryPacked w, int c, float xc, float[] y, int yOff, int[] tmp) {
        int base = c * w.paddedGroups, n = w.groupSize, groups = w.groups;
        FloatVector xv = FloatVector.broadcast(F, xc);
        for (int g0 = 0; g0 < groups; g0 += L) {
            // Output of group g is g * n + owner: distinct across lanes, so the scatter is conflict-free.
            IntVector owners = ((IntVector) ByteVector.fromArray(B, w.owner, base + g0).convertShape(B2I, I, 0)).and(0xFF);
            IntVector target = IOTA.add(g0).mul(n).add(owners);
            FloatVector v = FloatVector.fromArray(F, w.values, base + g0);
            if (g0 + L <= groups) {
                target.intoArray(tmp, 0);
                v.fma(xv, FloatVector.fromArray(F, y, yOff, tmp, 0)).intoArray(y, yOff, tmp, 0);
            } else {
                // JDK 25 range-checks the indices of masked-off lanes too: point them at output 0.
                target.blend(0, I.indexInRange(g0, groups).not()).intoArray(tmp, 0);
                VectorMask<Float> m = F.indexInRange(g0, groups);
                v.fma(xv, FloatVector.fromArray(F, y, yOff, tmp, 0, m)).intoArray(y, yOff, tmp, 0, m);
            }
        }
    }

    /** y += W x over x's nonzeros, for a complementary packed matrix. */
    static void complementaryScatterSparse(ComplementaryPacked w, int[] activeIdx, float[] activeVals, int count,
                                           float[] y, int yOff) {
        float[] vals = w.values;
        byte[] owner = w.owner;
        int gp = w.paddedGroups, n = w.groupSize, groups = w.groups;
        int touch = 0;
        int[] tmp = FAST_SCATTER ? KernelScratch.ints(L) : null;
        IntVector iota = FAST_SCATTER ? IntVector.zero(I).addIndex(1) : null;
        for (int i0 = 0; i0 < count; i0 += CHUNK) {
            int i1 = Math.min(count, i0 + CHUNK);
            for (int i = i0; i < i1; i++) {
                int base = activeIdx[i] * gp;
                for (int q = 0; q < groups; q += 16) touch += Float.floatToRawIntBits(vals[base + q]);
                for (int q = 0; q < groups; q += 64) touch += owner[base + q];
                touch += Float.floatToRawIntBits(vals[base + groups - 1]) + owner[base + groups - 1];
            }
            for (int i = i0; i < i1; i++) {
                int base = activeIdx[i] * gp;
                float xc = activeVals[i];
                int g = 0;
                if (FAST_SCATTER) {
                    FloatVector xv = FloatVector.broadcast(F, xc);
                    for (; g + L <= groups; g += L) {
                        // Output of group g is g * n + owner: distinct across lanes, so the scatter is conflict-free.
                        IntVector owners = ((IntVector) ByteVector.fromArray(B, owner, base + g)
                                .convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
                        iota.add(g).mul(n).add(owners).intoArray(tmp, 0);
                        FloatVector.fromArray(F, vals, base + g).fma(xv, FloatVector.fromArray(F, y, yOff, tmp, 0))
                                .intoArray(y, yOff, tmp, 0);
                    }
                }
                for (; g < groups; g++) y[yOff + g * n + (owner[base + g] & 0xFF)] += vals[base + g] * xc;
            }
        }
        if (touch == 0x5eed) sink = touch;
    }
}
