package dev.sparrow.sparse;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.B2I;

/**
 * The sparse kernels on the incubating Vector API, 512-bit (16 floats) where the machine prefers it,
 * else 256-bit; the packed layouts interleave 16 rows whatever the width, so a 256-bit machine does a
 * row group in two halves. Loaded only through {@link SparseKernelProvider} once the module is known
 * to exist.
 *
 * <p>Tricks, and why:
 * <ul>
 * <li>Batches of the row formats: see {@link VectorSpmmKernels} (packed batch tiles, register tiles).</li>
 * <li>16-bit indices: JDK 25 has no gather from an index vector, so the indices are widened into a small
 * int[L] that the gather reads (all lanes are always valid indices, so no padding is needed).</li>
 * <li>N:M and banks up to two vectors wide: the group's inputs are one or two vector loads and each
 * lane's input is picked with an in-register (one- or two-table) permute instead of a memory gather.</li>
 * <li>Two accumulators on the batch-1 loops hide the FMA latency.</li>
 * </ul>
 */
final class VectorSparseKernels implements SparseKernels {
    /** -Dsparrow.sparse.vectorBits=256|512 overrides the width (tests use it to run the 512-bit path). */
    static final String BITS_PROPERTY = "sparrow.sparse.vectorBits";
    private static final int BITS = chooseBits();
    static final VectorSpecies<Float> F = BITS == 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = BITS == 512 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Short> S = BITS == 512 ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    private static final VectorSpecies<Byte> B = BITS == 512 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Floats per vector: 16 or 8. */
    private static final int L = F.length();
    /** Rows interleaved by the packed layouts (a layout constant, independent of L). */
    private static final int ROWS = 16;
    private static final int TILE = 4 * L;
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);
    /**
     * 256-bit x86 (AVX2) has gathers but no scatter instruction: the API emulates a scatter lane by lane,
     * several times slower than the scalar loop (measured 3.7x on CSC gemv), so scatters are 512-bit only.
     */
    private static final boolean FAST_SCATTER = BITS == 512;
    private static final ScalarSparseKernels SCALAR = ScalarSparseKernels.INSTANCE;

    private VectorSparseKernels() {}

    /** Called reflectively by the provider; null where 512-bit vectors are not the preferred width. */
    public static SparseKernels createIfUseful() {
        return BITS >= 256 ? new VectorSparseKernels() : null;
    }

    private static int chooseBits() {
        String forced = System.getProperty(BITS_PROPERTY);
        if (forced != null) {
            if (!forced.equals("256") && !forced.equals("512")) {
                throw new IllegalArgumentException("-D" + BITS_PROPERTY + " must be 256 or 512, got '" + forced + "'");
            }
            return Integer.parseInt(forced);
        }
        return Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    @Override public String name() { return "vector-" + BITS; }

    // ---- helpers: none takes or returns a vector ----
    // A vector handed to a method that C2 does not inline is boxed: an allocation per call. Whether C2
    // inlines a helper depends on what ran before (a helper it has already compiled on its own into more
    // than InlineSmallCode bytes is "already compiled into a big method"), so a full test suite boxed where
    // one test alone did not. Vectors therefore live and die inside one kernel method; helpers take arrays.
    // NoVectorCrossesAMethodTest holds every class of this package to that.

    private static void widen(char[] idx, int pos, int[] tmp) {
        ((IntVector) ShortVector.fromCharArray(S, idx, pos).convertShape(VectorOperators.S2I, I, 0))
                .and(0xFFFF).intoArray(tmp, 0);
    }

    /**
     * The end of a batch-1 kernel: y[yOff + r] = act(y[yOff + r] + bias[r]) for rows [r0, r1), over the raw
     * sums the kernel stored (one pass over outputs still in L1; the kernel itself stays free of the bias
     * and ReLU variants).
     */
    static void finishRows(float[] y, int yOff, int r0, int r1, float[] bias, boolean relu) {
        if (bias == null && !relu) return;
        int r = r0;
        for (; r + L <= r1; r += L) {
            FloatVector v = FloatVector.fromArray(F, y, yOff + r);
            if (bias != null) v = v.add(FloatVector.fromArray(F, bias, r));
            (relu ? v.max(0f) : v).intoArray(y, yOff + r);
        }
        for (; r < r1; r++) y[yOff + r] = ScalarSparseKernels.out(y[yOff + r], bias, r, relu);
    }

    // ---- CSR ----

    @Override
    public void csrGemv(Csr w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, int rowFrom, int rowTo) {
        if (w.col16 == null) {
            SCALAR.csrGemv(w, x, xOff, y, yOff, bias, relu, rowFrom, rowTo);
            return;
        }
        int[] tmp = KernelScratch.ints(L);
        float[] vals = w.values;
        char[] cols = w.col16;
        for (int r = rowFrom; r < rowTo; r++) {
            int p = w.rowPtr[r], end = w.rowPtr[r + 1];
            float acc = 0f;
            if (end - p >= 2 * L) { // gathers pay only on long rows
                FloatVector a = FloatVector.zero(F);
                for (; p + L <= end; p += L) {
                    widen(cols, p, tmp);
                    a = FloatVector.fromArray(F, vals, p).fma(FloatVector.fromArray(F, x, xOff, tmp, 0), a);
                }
                acc = a.reduceLanes(VectorOperators.ADD);
            }
            for (; p < end; p++) acc += vals[p] * x[xOff + cols[p]];
            y[yOff + r] = ScalarSparseKernels.out(acc, bias, r, relu);
        }
    }

    @Override
    public void csrSpmm(Csr w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                        float[] bias, boolean relu, int rowFrom, int rowTo) {
        if (w.col16 == null) {
            SCALAR.csrSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
            return;
        }
        VectorSpmmKernels.csrSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
    }

    // ---- condensed constant fan-in ----

    @Override
    public void condensedGemv(CondensedFanIn w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                              int groupFrom, int groupTo) {
        VectorGemvKernels.condensedGemv(w, x, xOff, y, yOff, bias, relu, groupFrom, groupTo);
    }

    @Override
    public void condensedSpmm(CondensedFanIn w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                              float[] bias, boolean relu, int rowFrom, int rowTo) {
        VectorSpmmKernels.condensedSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
    }

    // ---- blocks r x 1 ----

    @Override
    public void blockGemv(BlockSparse w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                          int blockRowFrom, int blockRowTo) {
        if (w.col16 == null) {
            SCALAR.blockGemv(w, x, xOff, y, yOff, bias, relu, blockRowFrom, blockRowTo);
            return;
        }
        VectorGemvKernels.blockGemv(w, x, xOff, y, yOff, bias, relu, blockRowFrom, blockRowTo);
    }

    @Override
    public void blockSpmm(BlockSparse w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                          float[] bias, boolean relu, int blockRowFrom, int blockRowTo) {
        if (w.col16 == null) {
            SCALAR.blockSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, blockRowFrom, blockRowTo);
            return;
        }
        VectorSpmmKernels.blockSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, blockRowFrom, blockRowTo);
    }

    // ---- N:M and bank-balanced ----

    /**
     * Each width class is its own method, so that C2 compiles each with its own inlining budget: in one
     * method, once a test suite had run all three, C2 ran out of budget, left Vector API calls un-inlined
     * and boxed about 90 KB per call (nm1:8, 256-bit, in a full run).
     */
    @Override
    public void packedGemv(PackedGroups w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
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

    @Override
    public void packedSpmm(PackedGroups w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                           float[] bias, boolean relu, int rowFrom, int rowTo) {
        VectorSpmmKernels.packedSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
    }

    // ---- CSC (input-major scatter) ----

    /** y[rows of column c] += values * xc; rows within a column are distinct, so the scatter is conflict-free. */
    private static void cscColumn(Csc w, int c, float xc, float[] y, int yOff, int[] tmp) {
        int p = w.colPtr[c], end = w.colPtr[c + 1];
        char[] rows = w.row16;
        if (FAST_SCATTER && end - p >= L) {
            FloatVector xv = FloatVector.broadcast(F, xc);
            for (; p + L <= end; p += L) {
                widen(rows, p, tmp);
                FloatVector yv = FloatVector.fromArray(F, y, yOff, tmp, 0);
                FloatVector.fromArray(F, w.values, p).fma(xv, yv).intoArray(y, yOff, tmp, 0);
            }
        }
        for (; p < end; p++) y[yOff + rows[p]] += w.values[p] * xc;
    }

    @Override
    public void cscScatterDense(Csc w, float[] x, int xOff, float[] y, int yOff) {
        if (w.row16 == null) {
            SCALAR.cscScatterDense(w, x, xOff, y, yOff);
            return;
        }
        int[] tmp = KernelScratch.ints(L);
        for (int c = 0; c < w.cols; c++) {
            float xc = x[xOff + c];
            if (xc != 0f) cscColumn(w, c, xc, y, yOff, tmp);
        }
    }

    @Override
    public void cscScatterSparse(Csc w, int[] activeIdx, float[] activeVals, int count, float[] y, int yOff) {
        if (w.row16 == null) {
            SCALAR.cscScatterSparse(w, activeIdx, activeVals, count, y, yOff);
            return;
        }
        VectorGemvKernels.cscScatterSparse(w, activeIdx, activeVals, count, y, yOff);
    }

    @Override
    public void cscSpmm(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy, int batchFrom, int batchTo) {
        int b0 = batchFrom;
        for (; b0 + TILE <= batchTo; b0 += TILE) {
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

    @Override
    public void cscSpmmSparseInput(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                   int sampleFrom, int sampleTo) {
        if (!FAST_SCATTER || w.row16 == null || (long) w.rows * ldy + ytOff + ldy > Integer.MAX_VALUE) {
            SCALAR.cscSpmmSparseInput(w, xt, xtOff, ldx, yt, ytOff, ldy, sampleFrom, sampleTo);
            return;
        }
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

    // ---- complementary (input-major, one weight per group and input) ----

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

    @Override
    public void complementaryScatterDense(ComplementaryPacked w, float[] x, int xOff, float[] y, int yOff) {
        if (!FAST_SCATTER) {
            SCALAR.complementaryScatterDense(w, x, xOff, y, yOff);
            return;
        }
        int[] tmp = KernelScratch.ints(L);
        for (int c = 0; c < w.cols; c++) {
            float xc = x[xOff + c];
            if (xc != 0f) complementaryColumn(w, c, xc, y, yOff, tmp);
        }
    }

    @Override
    public void complementaryScatterSparse(ComplementaryPacked w, int[] activeIdx, float[] activeVals, int count,
                                           float[] y, int yOff) {
        VectorGemvKernels.complementaryScatterSparse(w, activeIdx, activeVals, count, y, yOff);
    }

    @Override
    public void complementarySpmm(ComplementaryPacked w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                  int batchFrom, int batchTo) {
        int gp = w.paddedGroups, n = w.groupSize;
        int b0 = batchFrom;
        for (; b0 + TILE <= batchTo; b0 += TILE) {
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

    @Override
    public void complementarySpmmSparseInput(ComplementaryPacked w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff,
                                             int ldy, int sampleFrom, int sampleTo) {
        SCALAR.complementarySpmmSparseInput(w, xt, xtOff, ldx, yt, ytOff, ldy, sampleFrom, sampleTo);
    }
}
