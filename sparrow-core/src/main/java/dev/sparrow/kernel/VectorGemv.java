package dev.sparrow.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-vector products on the Vector API. GEMV reads every element of A once, so it is bound by
 * memory bandwidth; the loops are shaped to issue one wide load of A per FMA and nothing else.
 */
final class VectorGemv {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** Below this many elements of A a second thread costs more (wake-up) than it saves. */
    private static final long PARALLEL_WORK = 1L << 17;

    private VectorGemv() {}

    static void gemv(boolean transA, int m, int n, float[] a, int aOff, int lda,
                     float[] x, int xOff, float beta, float[] y, int yOff, ComputePool pool) {
        ComputePool p = (long) m * n >= PARALLEL_WORK ? pool : ComputePool.serial();
        if (!transA) {
            if (m == 0) return;
            // a frame, not a capturing lambda: no allocation per call (see KernelCall)
            KernelCall.of(null, null).matrix(a, aOff, lda, m, n, beta).gemv(x, xOff, y, yOff, null, false).evenly(p, m, 4,
                    (c, from, to) -> rows(from, to, c.n, c.a, c.aOff, c.lda, c.x, c.xOff, c.beta, c.y, c.yOff));
        } else {
            if (n == 0) return;
            KernelCall.of(null, null).matrix(a, aOff, lda, m, n, beta).gemv(x, xOff, y, yOff, null, false).evenly(p, n, 2 * L,
                    (c, from, to) -> columns(from, to, c.m, c.a, c.aOff, c.lda, c.x, c.xOff, c.beta, c.y, c.yOff));
        }
    }

    /** y = W x + beta y for W packed in panels of L rows: panels split evenly over the pool. */
    static void gemv(PackedDenseMatrix w, float[] x, int xOff, float beta, float[] y, int yOff, ComputePool pool) {
        if (w.rows() == 0) return;
        ComputePool p = (long) w.rows() * w.cols() >= PARALLEL_WORK ? pool : ComputePool.serial();
        KernelCall.of(w, null).matrix(null, 0, 0, w.rows(), w.cols(), beta).gemv(x, xOff, y, yOff, null, false)
                .evenly(p, (w.rows() + L - 1) / L, 1,
                        (c, from, to) -> panels(from, to, c.target, c.x, c.xOff, c.beta, c.y, c.yOff));
    }

    /** Batches up to this size multiply packed W by {@link #smallBatch}: each W vector feeds every column. */
    static final int SMALL_BATCH = 8;
    /** Columns per pass of the small-batch kernel: 4 columns x 2 depth steps = 8 accumulators. */
    private static final int COLUMNS = 4;

    /**
     * C (rows x n) = W B + beta C for packed W and a small batch n (B cols x n): the GEMV's single stream
     * through W, each loaded W vector multiplied by up to four columns' broadcasts. The GEMM's register tile
     * is NR = 2 vectors of columns wide, so at batch 3 it would compute (and stream W for) 16 or 32 columns.
     */
    static void smallBatch(PackedDenseMatrix w, int n, float[] b, int bOff, int ldb, float beta, float[] c, int cOff,
                           int ldc, ComputePool pool) {
        ComputePool p = (long) w.rows() * w.cols() * n >= PARALLEL_WORK ? pool : ComputePool.serial();
        KernelCall.of(w, null).matrix(null, 0, 0, w.rows(), n, beta).spmm(b, bOff, ldb, n, c, cOff, ldc, null, false)
                .evenly(p, (w.rows() + L - 1) / L, 1, (call, from, to) -> smallBatchPanels(from, to,
                        call.target, call.x, call.xOff, call.ldx, call.batch, call.beta, call.y, call.yOff,
                        call.ldy));
    }

    /**
     * Panels [from, to), four columns at a time: the columns are first copied into a contiguous [cols][4]
     * strip (past n: the last column again, computed and never stored), so that the inner loop's broadcasts
     * read consecutive floats whose bounds C2 checks once per loop instead of per load; then every depth
     * block of a pair of panels goes into one set of accumulators (each broadcast feeds both), and the rows
     * out. Measured (AMD, AVX2, 789x1609, batch 3, cached): 4 columns x 2 depth steps of one panel
     * (8 broadcasts per 2 W loads) 275-340 us, this 194-218 us, the packed GEMV of one column 142-167 us.
     */
    private static void smallBatchPanels(int from, int to, PackedDenseMatrix w, float[] b, int bOff, int ldb, int n,
                                         float beta, float[] c, int cOff, int ldc) {
        int cols = w.cols(), rows = w.rows();
        float[] d = w.data;
        float[] tile = TILE.get();
        float[] strip = strip(cols);
        for (int j0 = 0; j0 < n; j0 += COLUMNS) {
            for (int p = 0, src = bOff; p < cols; p++, src += ldb) {
                for (int j = 0; j < COLUMNS; j++) strip[p * COLUMNS + j] = b[src + Math.min(j0 + j, n - 1)];
            }
            // two panels at a time share each broadcast: 2 W loads + 4 broadcasts per 8 FMAs
            for (int q = from; q < to; q += 2) {
                int q1 = Math.min(q + 1, to - 1); // an odd last panel pairs with itself (computed twice, stored once)
                FloatVector z = FloatVector.zero(SPECIES);
                FloatVector a0 = z, a1 = z, a2 = z, a3 = z, e0 = z, e1 = z, e2 = z, e3 = z;
                for (int pc = 0; pc < cols; pc += PackedDenseMatrix.DEPTH_BLOCK) {
                    int kc = Math.min(PackedDenseMatrix.DEPTH_BLOCK, cols - pc);
                    int blockStart = w.blockStart(pc), s0 = pc * COLUMNS;
                    int base0 = blockStart + q * kc * L, base1 = blockStart + q1 * kc * L;
                    for (int p = 0; p < kc; p++) {
                        FloatVector w0 = FloatVector.fromArray(SPECIES, d, base0 + p * L);
                        FloatVector w1 = FloatVector.fromArray(SPECIES, d, base1 + p * L);
                        int t = s0 + p * COLUMNS;
                        FloatVector x = FloatVector.broadcast(SPECIES, strip[t]);
                        a0 = w0.fma(x, a0);
                        e0 = w1.fma(x, e0);
                        x = FloatVector.broadcast(SPECIES, strip[t + 1]);
                        a1 = w0.fma(x, a1);
                        e1 = w1.fma(x, e1);
                        x = FloatVector.broadcast(SPECIES, strip[t + 2]);
                        a2 = w0.fma(x, a2);
                        e2 = w1.fma(x, e2);
                        x = FloatVector.broadcast(SPECIES, strip[t + 3]);
                        a3 = w0.fma(x, a3);
                        e3 = w1.fma(x, e3);
                    }
                }
                // C is [rows][n]: a column of L rows is ldc apart, so the tiles go out through scalars
                a0.intoArray(tile, 0);
                a1.intoArray(tile, L);
                a2.intoArray(tile, 2 * L);
                a3.intoArray(tile, 3 * L);
                storeColumns(tile, q, j0, n, rows, beta, c, cOff, ldc);
                if (q1 != q) {
                    e0.intoArray(tile, 0);
                    e1.intoArray(tile, L);
                    e2.intoArray(tile, 2 * L);
                    e3.intoArray(tile, 3 * L);
                    storeColumns(tile, q1, j0, n, rows, beta, c, cOff, ldc);
                }
            }
        }
    }

    /** C[panel q's rows][j0 .. j0 + 4) (+)= the tile, column j at tile[j * L ..], only valid rows and columns. */
    private static void storeColumns(float[] tile, int q, int j0, int n, int rows, float beta, float[] c, int cOff,
                                     int ldc) {
        int nj = Math.min(COLUMNS, n - j0), nr = Math.min(L, rows - q * L);
        for (int r = 0; r < nr; r++) {
            int ci = cOff + (q * L + r) * ldc + j0;
            for (int j = 0; j < nj; j++) {
                float v = tile[j * L + r];
                c[ci + j] = beta == 0f ? v : v + beta * c[ci + j];
            }
        }
    }

    /** This thread's [cols][4] strip of the small-batch kernel, grown when a deeper layer comes. */
    private static float[] strip(int cols) {
        float[] s = STRIP.get();
        if (s.length < cols * COLUMNS) {
            s = new float[cols * COLUMNS];
            STRIP.set(s);
        }
        return s;
    }

    private static final ThreadLocal<float[]> STRIP = ThreadLocal.withInitial(() -> new float[0]);

    /** Per-thread output tile of the small-batch kernel. */
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[COLUMNS * L]);

    /**
     * Panels [from, to) of packed W, depth block by depth block (the layout's order, so the whole product
     * reads one linear stream): per panel one vector load and one broadcast of x per FMA, four
     * accumulators over consecutive columns to cover the FMA latency; y holds the partial sums between
     * blocks (the first block applies beta).
     */
    private static void panels(int from, int to, PackedDenseMatrix w, float[] x, int xOff, float beta, float[] y, int yOff) {
        int cols = w.cols(), rows = w.rows();
        float[] d = w.data;
        for (int pc = 0; pc < cols; pc += PackedDenseMatrix.DEPTH_BLOCK) {
            int kc = Math.min(PackedDenseMatrix.DEPTH_BLOCK, cols - pc);
            float blockBeta = pc == 0 ? beta : 1f;
            int blockStart = w.blockStart(pc);
            for (int q = from; q < to; q++) {
                int base = blockStart + q * kc * L, xs = xOff + pc;
                FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
                int p = 0;
                for (; p + 4 <= kc; p += 4) {
                    int o = base + p * L;
                    s0 = FloatVector.fromArray(SPECIES, d, o).fma(FloatVector.broadcast(SPECIES, x[xs + p]), s0);
                    s1 = FloatVector.fromArray(SPECIES, d, o + L).fma(FloatVector.broadcast(SPECIES, x[xs + p + 1]), s1);
                    s2 = FloatVector.fromArray(SPECIES, d, o + 2 * L).fma(FloatVector.broadcast(SPECIES, x[xs + p + 2]), s2);
                    s3 = FloatVector.fromArray(SPECIES, d, o + 3 * L).fma(FloatVector.broadcast(SPECIES, x[xs + p + 3]), s3);
                }
                for (; p < kc; p++) {
                    s0 = FloatVector.fromArray(SPECIES, d, base + p * L).fma(FloatVector.broadcast(SPECIES, x[xs + p]), s0);
                }
                FloatVector acc = s0.add(s1).add(s2.add(s3));
                FloatVector bv = FloatVector.broadcast(SPECIES, blockBeta);
                int r0 = q * L;
                // beta 0 overwrites without reading y (its old contents may be NaN)
                if (r0 + L <= rows) {
                    if (blockBeta != 0f) acc = FloatVector.fromArray(SPECIES, y, yOff + r0).fma(bv, acc);
                    acc.intoArray(y, yOff + r0);
                } else {
                    VectorMask<Float> m = SPECIES.indexInRange(r0, rows);
                    if (blockBeta != 0f) acc = FloatVector.fromArray(SPECIES, y, yOff + r0, m).fma(bv, acc);
                    acc.intoArray(y, yOff + r0, m);
                }
            }
        }
    }

    /**
     * y[i] = A[i] . x for rows [from, to). Four rows at a time share each load of x, and each row has
     * two accumulators: eight independent FMA chains cover the FMA latency (4 cycles x 2 ports).
     */
    private static void rows(int from, int to, int n, float[] a, int aOff, int lda,
                             float[] x, int xOff, float beta, float[] y, int yOff) {
        int bound2 = n - n % (2 * L);
        int bound = n - n % L;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            int r0 = aOff + i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
            FloatVector s0 = FloatVector.zero(SPECIES), t0 = s0, s1 = s0, t1 = s0, s2 = s0, t2 = s0, s3 = s0, t3 = s0;
            int j = 0;
            for (; j < bound2; j += 2 * L) {
                FloatVector xa = FloatVector.fromArray(SPECIES, x, xOff + j);
                FloatVector xb = FloatVector.fromArray(SPECIES, x, xOff + j + L);
                s0 = FloatVector.fromArray(SPECIES, a, r0 + j).fma(xa, s0);
                t0 = FloatVector.fromArray(SPECIES, a, r0 + j + L).fma(xb, t0);
                s1 = FloatVector.fromArray(SPECIES, a, r1 + j).fma(xa, s1);
                t1 = FloatVector.fromArray(SPECIES, a, r1 + j + L).fma(xb, t1);
                s2 = FloatVector.fromArray(SPECIES, a, r2 + j).fma(xa, s2);
                t2 = FloatVector.fromArray(SPECIES, a, r2 + j + L).fma(xb, t2);
                s3 = FloatVector.fromArray(SPECIES, a, r3 + j).fma(xa, s3);
                t3 = FloatVector.fromArray(SPECIES, a, r3 + j + L).fma(xb, t3);
            }
            for (; j < bound; j += L) {
                FloatVector xa = FloatVector.fromArray(SPECIES, x, xOff + j);
                s0 = FloatVector.fromArray(SPECIES, a, r0 + j).fma(xa, s0);
                s1 = FloatVector.fromArray(SPECIES, a, r1 + j).fma(xa, s1);
                s2 = FloatVector.fromArray(SPECIES, a, r2 + j).fma(xa, s2);
                s3 = FloatVector.fromArray(SPECIES, a, r3 + j).fma(xa, s3);
            }
            s0 = s0.add(t0); // lanes summed in LaneTree's fixed order
            s1 = s1.add(t1);
            s2 = s2.add(t2);
            s3 = s3.add(t3);
            if (L >= 16) s0 = s0.add(s0.rearrange(LaneTree.SWAP8));
            if (L >= 8) s0 = s0.add(s0.rearrange(LaneTree.SWAP4));
            if (L >= 4) s0 = s0.add(s0.rearrange(LaneTree.SWAP2));
            float d0 = s0.add(s0.rearrange(LaneTree.SWAP1)).lane(0);
            if (L >= 16) s1 = s1.add(s1.rearrange(LaneTree.SWAP8));
            if (L >= 8) s1 = s1.add(s1.rearrange(LaneTree.SWAP4));
            if (L >= 4) s1 = s1.add(s1.rearrange(LaneTree.SWAP2));
            float d1 = s1.add(s1.rearrange(LaneTree.SWAP1)).lane(0);
            if (L >= 16) s2 = s2.add(s2.rearrange(LaneTree.SWAP8));
            if (L >= 8) s2 = s2.add(s2.rearrange(LaneTree.SWAP4));
            if (L >= 4) s2 = s2.add(s2.rearrange(LaneTree.SWAP2));
            float d2 = s2.add(s2.rearrange(LaneTree.SWAP1)).lane(0);
            if (L >= 16) s3 = s3.add(s3.rearrange(LaneTree.SWAP8));
            if (L >= 8) s3 = s3.add(s3.rearrange(LaneTree.SWAP4));
            if (L >= 4) s3 = s3.add(s3.rearrange(LaneTree.SWAP2));
            float d3 = s3.add(s3.rearrange(LaneTree.SWAP1)).lane(0);
            for (; j < n; j++) {
                float xv = x[xOff + j];
                d0 = Math.fma(a[r0 + j], xv, d0);
                d1 = Math.fma(a[r1 + j], xv, d1);
                d2 = Math.fma(a[r2 + j], xv, d2);
                d3 = Math.fma(a[r3 + j], xv, d3);
            }
            store(y, yOff + i, d0, beta);
            store(y, yOff + i + 1, d1, beta);
            store(y, yOff + i + 2, d2, beta);
            store(y, yOff + i + 3, d3, beta);
        }
        for (; i < to; i++) {
            int r = aOff + i * lda;
            FloatVector s = FloatVector.zero(SPECIES), t = s;
            int j = 0;
            for (; j < bound2; j += 2 * L) {
                s = FloatVector.fromArray(SPECIES, a, r + j).fma(FloatVector.fromArray(SPECIES, x, xOff + j), s);
                t = FloatVector.fromArray(SPECIES, a, r + j + L).fma(FloatVector.fromArray(SPECIES, x, xOff + j + L), t);
            }
            for (; j < bound; j += L) {
                s = FloatVector.fromArray(SPECIES, a, r + j).fma(FloatVector.fromArray(SPECIES, x, xOff + j), s);
            }
            s = s.add(t); // lanes summed in LaneTree's fixed order
            if (L >= 16) s = s.add(s.rearrange(LaneTree.SWAP8));
            if (L >= 8) s = s.add(s.rearrange(LaneTree.SWAP4));
            if (L >= 4) s = s.add(s.rearrange(LaneTree.SWAP2));
            float d = s.add(s.rearrange(LaneTree.SWAP1)).lane(0);
            for (; j < n; j++) d = Math.fma(a[r + j], x[xOff + j], d);
            store(y, yOff + i, d, beta);
        }
    }

    private static void store(float[] y, int idx, float v, float beta) {
        y[idx] = beta == 0f ? v : v + beta * y[idx];
    }

    /**
     * y[j] = sum over i of A[i][j] x[i] for columns [from, to). Rows are walked in order (A is row-major)
     * four at a time, so y's stripe (in L1) is loaded and stored once per four rows of A.
     */
    private static void columns(int from, int to, int m, float[] a, int aOff, int lda,
                                float[] x, int xOff, float beta, float[] y, int yOff) {
        int width = to - from;
        int vBound = from + (width - width % L);
        for (int j = from; j < to; j++) {
            int yi = yOff + j;
            y[yi] = beta == 0f ? 0f : beta * y[yi];
        }
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int r0 = aOff + i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
            float x0s = x[xOff + i], x1s = x[xOff + i + 1], x2s = x[xOff + i + 2], x3s = x[xOff + i + 3];
            FloatVector x0 = FloatVector.broadcast(SPECIES, x0s);
            FloatVector x1 = FloatVector.broadcast(SPECIES, x1s);
            FloatVector x2 = FloatVector.broadcast(SPECIES, x2s);
            FloatVector x3 = FloatVector.broadcast(SPECIES, x3s);
            int j = from;
            for (; j < vBound; j += L) {
                FloatVector acc = FloatVector.fromArray(SPECIES, y, yOff + j);
                acc = FloatVector.fromArray(SPECIES, a, r0 + j).fma(x0, acc);
                acc = FloatVector.fromArray(SPECIES, a, r1 + j).fma(x1, acc);
                acc = FloatVector.fromArray(SPECIES, a, r2 + j).fma(x2, acc);
                acc = FloatVector.fromArray(SPECIES, a, r3 + j).fma(x3, acc);
                acc.intoArray(y, yOff + j);
            }
            for (; j < to; j++) {
                float acc = y[yOff + j];
                acc = Math.fma(a[r0 + j], x0s, acc);
                acc = Math.fma(a[r1 + j], x1s, acc);
                acc = Math.fma(a[r2 + j], x2s, acc);
                acc = Math.fma(a[r3 + j], x3s, acc);
                y[yOff + j] = acc;
            }
        }
        for (; i < m; i++) {
            int r = aOff + i * lda;
            float xs = x[xOff + i];
            FloatVector xv = FloatVector.broadcast(SPECIES, xs);
            int j = from;
            for (; j < vBound; j += L) {
                FloatVector.fromArray(SPECIES, a, r + j).fma(xv, FloatVector.fromArray(SPECIES, y, yOff + j))
                        .intoArray(y, yOff + j);
            }
            for (; j < to; j++) y[yOff + j] = Math.fma(a[r + j], xs, y[yOff + j]);
        }
    }
}
