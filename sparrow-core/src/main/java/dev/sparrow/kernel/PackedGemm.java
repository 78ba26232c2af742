package dev.sparrow.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense GEMM on the Vector API, organised as in BLIS/GotoBLAS: C = op(A) x op(B) + beta x C.
 *
 * <p>Loop nest, outermost first: column blocks of {@link #NC} (narrow, so the C stripe they update stays
 * in L2 between depth blocks), depth blocks of {@link #KC} (one packed B micro-panel, KC x NR, must stay
 * in L1 while a whole column of A micro-panels streams past it), row blocks of {@link #MC} (packed A
 * block in L2), then the
 * {@link #MR} x {@link #NR} register tile. Packing copies op(A) and op(B) into the exact order the
 * micro-kernel reads them, so the four transpose variants differ only in the packing loops and the
 * micro-kernel is written once; the packed tails are zero-padded so it never needs a mask.
 *
 * <p>The register tile is 4 rows x 2 vectors with 16 vector registers (AVX2; see {@link #kernel4} for why
 * not larger) and 8 rows x 2 vectors with 32 (AVX-512, {@link #kernel8}): 16 accumulators, and per depth
 * step 2 loads and 8 broadcasts for 16 FMAs instead of 2 and 4 for 8. {@code -Dsparrow.gemm.rows=4|8}
 * overrides the choice (benchmarks compare the two side by side; tests run both on any machine).
 */
final class PackedGemm {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** -Dsparrow.gemm.rows=4|8 overrides the register tile's rows. */
    static final String ROWS_PROPERTY = "sparrow.gemm.rows";
    /** Rows of the register tile: 8 where vectors are 512 bits (32 registers), else 4. */
    static final int MR = chooseRows();
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;
    /** Depth block: a KC x NR packed B micro-panel is 16 KiB (8 lanes), half of a 32 KiB L1d. */
    static final int KC = 256;
    /** Rows per packed A block: 96 x 256 floats = 96 KiB, well inside a 512 KiB L2. */
    static final int MC = 24 * MR;
    /**
     * Columns per packed B block. Small on purpose: each depth block reads and rewrites the m x NC
     * stripe of C, and a narrow stripe (256 rows x 512 columns = 512 KiB) is still in L2 when the next
     * depth block comes back to it. With NC = 4096 the stripe lived in L3 and the C read-modify-write
     * cost a third of the time (measured 42 vs 65 GFLOP/s at 256 x 768 x 3072).
     */
    static final int NC = 512 / NR * NR;
    /** Below this many multiply-adds packing costs more than it saves. */
    private static final long SMALL_WORK = 8L * 8 * 64;
    /** Below this many multiply-adds (about 20-40 us of work) waking other threads costs more than it saves. */
    private static final long PARALLEL_WORK = 1L << 21;

    private PackedGemm() {}

    private static int chooseRows() {
        String forced = System.getProperty(ROWS_PROPERTY);
        if (forced == null) return L >= 16 ? 8 : 4;
        if (!forced.equals("4") && !forced.equals("8")) {
            throw new IllegalArgumentException("-D" + ROWS_PROPERTY + " must be 4 or 8, got '" + forced + "'");
        }
        return Integer.parseInt(forced);
    }

    /** Per-thread packing buffers, reused across calls so packing allocates nothing in steady state. */
    private static final class Buffers {
        float[] packedB = new float[0];
        final float[] packedA = new float[MC * KC];
        /** Tile spill area for fringe tiles (partial rows or columns). */
        final float[] tile = new float[MR * NR];

        float[] packedB(int size) {
            if (packedB.length < size) packedB = new float[size];
            return packedB;
        }
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, ComputePool pool) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        long work = (long) m * n * k;
        if (work <= SMALL_WORK) {
            smallGemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (m == 1 && (!transA || lda == 1)) {
            // A single row (batch-1 inference): a GEMV, which streams B once instead of padding A to MR rows.
            if (transB) VectorGemv.gemv(false, n, k, b, bOff, ldb, a, aOff, beta, c, cOff, pool);
            else VectorGemv.gemv(true, k, n, b, bOff, ldb, a, aOff, beta, c, cOff, pool);
            return;
        }
        ComputePool p = work >= PARALLEL_WORK ? pool : ComputePool.serial();
        Job job = Job.acquire().set(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        int rowPanels = ceilDiv(m, MR);
        int colPanels = ceilDiv(n, NR);
        // One parallelFor per call, each thread packing privately what it reads: no barrier between
        // packing and computing, so the pool's wake-up cost is paid once, not twice per block. Split the
        // columns when there are enough (each thread packs only its own B, and A, which is cheap: A is
        // re-packed n / NC times per thread); with few columns split the rows (each packs all of B).
        try {
            job.byColumns = p.threads() == 1 || colPanels >= 2 * p.threads();
            p.parallelFor(job.byColumns ? colPanels : rowPanels, 1, job);
        } finally {
            job.release();
        }
    }

    /**
     * C = W B + beta x C with W packed (see {@link PackedDenseMatrix}): the same loop nest, with W's panels read
     * in place as the A micro-panels instead of packing A per call.
     */
    static void gemm(PackedDenseMatrix w, int n, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                     ComputePool pool) {
        int m = w.rows(), k = w.cols();
        if (m == 0 || n == 0) return;
        if (k == 0) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        if (n <= VectorGemv.SMALL_BATCH) {
            // a register tile of NR columns would be mostly padding: read W once for all n columns instead
            VectorGemv.smallBatch(w, n, b, bOff, ldb, beta, c, cOff, ldc, pool);
            return;
        }
        long work = (long) m * n * k;
        ComputePool p = work >= PARALLEL_WORK ? pool : ComputePool.serial();
        Job job = Job.acquire().set(false, false, m, n, k, null, 0, 0, b, bOff, ldb, beta, c, cOff, ldc);
        job.prepackedA = w.data;
        job.paddedRows = w.paddedRows();
        int rowPanels = ceilDiv(m, MR);
        int colPanels = ceilDiv(n, NR);
        try {
            job.byColumns = p.threads() == 1 || colPanels >= 2 * p.threads();
            p.parallelFor(job.byColumns ? colPanels : rowPanels, 1, job);
        } finally {
            job.release();
        }
    }

    /**
     * One GEMM call: its operands, read (never written, except C's disjoint tiles) by every thread. One
     * per calling thread, reused, so that a call allocates nothing (a new job, or a bound method
     * reference passed to the pool, cost about 100 bytes per call); a nested call gets a fresh one.
     */
    private static final class Job implements ComputePool.RangeTask {
        private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);
        boolean transA, transB;
        int m, n, k;
        float[] a, b, c;
        int aOff, lda, bOff, ldb, cOff, ldc;
        float beta;
        /** W packed in panels of L rows ({@link PackedDenseMatrix}), read as A in place; null: pack A per call. */
        float[] prepackedA;
        int paddedRows;
        boolean byColumns;
        private boolean inUse;

        static Job acquire() {
            Job j = JOBS.get();
            if (j.inUse) j = new Job();
            j.inUse = true;
            return j;
        }

        Job set(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.beta = beta;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            return this;
        }

        void release() {
            a = b = c = prepackedA = null;
            inUse = false;
        }

        @Override
        public void run(int from, int to) {
            if (byColumns) columns(from, to); else rows(from, to);
        }

        /** Computes C's column panels [from, to) (units of NR columns), all rows. */
        void columns(int from, int to) {
            run(0, ceilDiv(m, MR), from * NR, Math.min(n, to * NR));
        }

        /** Computes C's row panels [from, to) (units of MR rows), all columns. */
        void rows(int from, int to) {
            run(from, to, 0, n);
        }

        /**
         * The BLIS loop nest over row panels [ipFrom, ipTo) and columns [jFrom, jTo): column blocks of NC,
         * depth blocks of KC (pack B), row blocks of MC (pack A), then B micro-panels x A micro-panels.
         */
        private void run(int ipFrom, int ipTo, int jFrom, int jTo) {
            Buffers buf = BUFFERS.get();
            float[] packedA = buf.packedA;
            for (int jc = jFrom; jc < jTo; jc += NC) {
                int nc = Math.min(NC, jTo - jc);
                int panels = ceilDiv(nc, NR);
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    // The first depth block applies beta; the later ones add to what it wrote.
                    float blockBeta = pc == 0 ? beta : 1f;
                    float[] packedB = buf.packedB(panels * NR * kc);
                    packB(packedB, jc, nc, pc, kc);
                    for (int ib = ipFrom; ib < ipTo; ib += MC / MR) {
                        int ibEnd = Math.min(ib + MC / MR, ipTo);
                        if (prepackedA == null) packA(ib, ibEnd, pc, kc, packedA);
                        float[] ap = prepackedA == null ? packedA : prepackedA;

                        for (int jp = 0; jp < panels; jp++) {
                            int j0 = jc + jp * NR;
                            int nValid = Math.min(NR, jc + nc - j0);
                            int bBase = jp * NR * kc;
                            for (int ip = ib; ip < ibEnd; ip++) {
                                int i0 = ip * MR;
                                // both layouts are panels of L rows, kc columns each: this block's when packed per
                                // call, depth block pc of all rows when prepacked
                                int rel = prepackedA == null ? (ip - ib) * MR : i0;
                                int ai = (prepackedA == null ? 0 : pc * paddedRows) + (rel / L) * kc * L + rel % L;
                                int ci = cOff + i0 * ldc + j0, mValid = Math.min(MR, m - i0);
                                if (MR == 8) {
                                    kernel8(ap, ai, packedB, bBase, kc, c, ci, ldc, blockBeta, mValid, nValid, buf.tile);
                                } else {
                                    kernel4(ap, ai, packedB, bBase, kc, c, ci, ldc, blockBeta, mValid, nValid, buf.tile);
                                }
                            }
                        }
                    }
                }
            }
        }

        /** Packs op(B)[pc..pc+kc)[jc..jc+nc) into panels of NR columns: panel jp holds kc rows of NR, zero-padded. */
        private void packB(float[] dstArr, int jc, int nc, int pc, int kc) {
            int panels = ceilDiv(nc, NR);
            for (int jp = 0; jp < panels; jp++) {
                int j0 = jc + jp * NR;
                int valid = Math.min(NR, jc + nc - j0);
                int dst = jp * NR * kc;
                if (!transB) {
                    int src = bOff + pc * ldb + j0;
                    if (valid == NR) {
                        for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                            FloatVector.fromArray(SPECIES, b, src).intoArray(dstArr, dst);
                            FloatVector.fromArray(SPECIES, b, src + L).intoArray(dstArr, dst + L);
                        }
                    } else {
                        for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                            for (int j = 0; j < valid; j++) dstArr[dst + j] = b[src + j];
                            for (int j = valid; j < NR; j++) dstArr[dst + j] = 0f;
                        }
                    }
                } else {
                    // B is stored n x k: each column of op(B) is a contiguous row of B, read it in order.
                    for (int j = 0; j < valid; j++) {
                        int src = bOff + (j0 + j) * ldb + pc;
                        for (int p = 0, d = dst + j; p < kc; p++, d += NR) dstArr[d] = b[src + p];
                    }
                    for (int j = valid; j < NR; j++) {
                        for (int p = 0, d = dst + j; p < kc; p++, d += NR) dstArr[d] = 0f;
                    }
                }
            }
        }

        /**
         * Packs A row panels [from, to) into dst in the layout of {@link PackedDenseMatrix} (panels of L rows, kc
         * columns of L), so the micro-kernel reads A with the same stride L whether it was packed per call or
         * once: panel ip holds op(A)[i0..i0+MR)[pc..pc+kc) in lanes i0 % L .. + MR of an L-row panel.
         */
        private void packA(int from, int to, int pc, int kc, float[] dstArr) {
            for (int ip = from; ip < to; ip++) {
                int i0 = ip * MR;
                int valid = Math.min(MR, m - i0);
                int rel = (ip - from) * MR;
                int dst = (rel / L) * kc * L + rel % L;
                if (!transA) {
                    for (int r = 0; r < valid; r++) {
                        int src = aOff + (i0 + r) * lda + pc;
                        for (int p = 0, d = dst + r; p < kc; p++, d += L) dstArr[d] = a[src + p];
                    }
                } else {
                    int src = aOff + pc * lda + i0;
                    for (int p = 0, d = dst; p < kc; p++, src += lda, d += L) {
                        for (int r = 0; r < valid; r++) dstArr[d + r] = a[src + r];
                    }
                }
                for (int r = valid; r < MR; r++) {
                    for (int p = 0, d = dst + r; p < kc; p++, d += L) dstArr[d] = 0f;
                }
            }
        }

    }

    /**
     * The 4 x 2-vector register tile: C[0..4)[0..NR) (+)= sum over p of A[.][p] x B[p][.], A's four values of
     * depth p at ap[ai + p x L ..] (A packed in panels of L rows, of which this tile takes MR). Accumulators
     * are locals so C2 keeps all eight in registers. Why 4 x 2 and not the 6 x 2 BLIS uses on AVX2: C2
     * schedules every broadcast of A before the FMAs that use it, so the live registers are
     * accumulators + broadcasts + B vectors = 4x2 + 4 + 2 = 14 of 16. A 6 x 2 tile needs 12 + 6 + 2 = 20,
     * C2 spills an accumulator to the stack and the store-to-load chain halves the FMA rate (measured
     * here: 6 x 2 about 38 GFLOP/s, 4 x 2 about 85 in L1, with peak about 90). Eight accumulators are
     * exactly enough to cover the FMA latency (4 cycles x 2 ports).
     */
    private static void kernel4(float[] ap, int ai, float[] bp, int bi, int kc,
                               float[] c, int ci, int ldc, float beta, int mValid, int nValid, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        // Indices are computed from p (not bumped as extra induction variables) so C2 proves them in
        // range once before the loop and drops the per-load bounds checks.
        for (int p = 0; p < kc; p++) {
            int bj = bi + p * NR;
            int aj = ai + p * L;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bj);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bj + L);
            FloatVector av = FloatVector.broadcast(SPECIES, ap[aj]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(SPECIES, ap[aj + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(SPECIES, ap[aj + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(SPECIES, ap[aj + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
        }
        // One store sequence for whole and fringe tiles, as in kernel8: rows go to C directly when whole
        // (beta 0 overwrites without reading C: its old contents may be garbage or NaN), else to the
        // scratch tile, of which only the valid part is copied (C may be a view into a larger array).
        boolean whole = mValid == 4 && nValid == NR;
        float[] dst = whole ? c : tile;
        int d = whole ? ci : 0, ld = whole ? ldc : NR;
        if (whole && beta != 0f) {
            FloatVector bv = FloatVector.broadcast(SPECIES, beta);
            c00 = FloatVector.fromArray(SPECIES, c, ci).fma(bv, c00);
            c01 = FloatVector.fromArray(SPECIES, c, ci + L).fma(bv, c01);
            c10 = FloatVector.fromArray(SPECIES, c, ci + ldc).fma(bv, c10);
            c11 = FloatVector.fromArray(SPECIES, c, ci + ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(SPECIES, c, ci + 2 * ldc).fma(bv, c20);
            c21 = FloatVector.fromArray(SPECIES, c, ci + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(SPECIES, c, ci + 3 * ldc).fma(bv, c30);
            c31 = FloatVector.fromArray(SPECIES, c, ci + 3 * ldc + L).fma(bv, c31);
        }
        c00.intoArray(dst, d);
        c01.intoArray(dst, d + L);
        c10.intoArray(dst, d + ld);
        c11.intoArray(dst, d + ld + L);
        c20.intoArray(dst, d + 2 * ld);
        c21.intoArray(dst, d + 2 * ld + L);
        c30.intoArray(dst, d + 3 * ld);
        c31.intoArray(dst, d + 3 * ld + L);
        if (!whole) copyFringe(tile, c, ci, ldc, beta, mValid, nValid);
    }

    /**
     * The 8 x 2-vector register tile for 32 vector registers: 16 accumulators + 8 broadcasts + 2 B vectors
     * = 26 live, no spill. Written out like {@link #kernel4} (locals, indices from p).
     */
    private static void kernel8(float[] ap, int ai, float[] bp, int bi, int kc,
                                float[] c, int ci, int ldc, float beta, int mValid, int nValid, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int p = 0; p < kc; p++) {
            int bj = bi + p * NR;
            int aj = ai + p * L;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bj);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bj + L);
            FloatVector av = FloatVector.broadcast(SPECIES, ap[aj]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(SPECIES, ap[aj + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(SPECIES, ap[aj + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(SPECIES, ap[aj + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(SPECIES, ap[aj + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(SPECIES, ap[aj + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(SPECIES, ap[aj + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(SPECIES, ap[aj + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        // One store sequence for whole and fringe tiles (see kernel4).
        boolean whole = mValid == 8 && nValid == NR;
        float[] dst = whole ? c : tile;
        int d = whole ? ci : 0, ld = whole ? ldc : NR;
        if (whole && beta != 0f) {
            FloatVector bv = FloatVector.broadcast(SPECIES, beta);
            c00 = FloatVector.fromArray(SPECIES, c, ci).fma(bv, c00);
            c01 = FloatVector.fromArray(SPECIES, c, ci + L).fma(bv, c01);
            c10 = FloatVector.fromArray(SPECIES, c, ci + ldc).fma(bv, c10);
            c11 = FloatVector.fromArray(SPECIES, c, ci + ldc + L).fma(bv, c11);
            c20 = FloatVector.fromArray(SPECIES, c, ci + 2 * ldc).fma(bv, c20);
            c21 = FloatVector.fromArray(SPECIES, c, ci + 2 * ldc + L).fma(bv, c21);
            c30 = FloatVector.fromArray(SPECIES, c, ci + 3 * ldc).fma(bv, c30);
            c31 = FloatVector.fromArray(SPECIES, c, ci + 3 * ldc + L).fma(bv, c31);
            c40 = FloatVector.fromArray(SPECIES, c, ci + 4 * ldc).fma(bv, c40);
            c41 = FloatVector.fromArray(SPECIES, c, ci + 4 * ldc + L).fma(bv, c41);
            c50 = FloatVector.fromArray(SPECIES, c, ci + 5 * ldc).fma(bv, c50);
            c51 = FloatVector.fromArray(SPECIES, c, ci + 5 * ldc + L).fma(bv, c51);
            c60 = FloatVector.fromArray(SPECIES, c, ci + 6 * ldc).fma(bv, c60);
            c61 = FloatVector.fromArray(SPECIES, c, ci + 6 * ldc + L).fma(bv, c61);
            c70 = FloatVector.fromArray(SPECIES, c, ci + 7 * ldc).fma(bv, c70);
            c71 = FloatVector.fromArray(SPECIES, c, ci + 7 * ldc + L).fma(bv, c71);
        }
        c00.intoArray(dst, d);
        c01.intoArray(dst, d + L);
        c10.intoArray(dst, d + ld);
        c11.intoArray(dst, d + ld + L);
        c20.intoArray(dst, d + 2 * ld);
        c21.intoArray(dst, d + 2 * ld + L);
        c30.intoArray(dst, d + 3 * ld);
        c31.intoArray(dst, d + 3 * ld + L);
        c40.intoArray(dst, d + 4 * ld);
        c41.intoArray(dst, d + 4 * ld + L);
        c50.intoArray(dst, d + 5 * ld);
        c51.intoArray(dst, d + 5 * ld + L);
        c60.intoArray(dst, d + 6 * ld);
        c61.intoArray(dst, d + 6 * ld + L);
        c70.intoArray(dst, d + 7 * ld);
        c71.intoArray(dst, d + 7 * ld + L);
        if (!whole) copyFringe(tile, c, ci, ldc, beta, mValid, nValid);
    }

    /** Copies the valid mValid x nValid part of a spilled tile to C (+ beta x C), never touching C outside it. */
    private static void copyFringe(float[] tile, float[] c, int ci, int ldc, float beta, int mValid, int nValid) {
        for (int r = 0; r < mValid; r++) {
            int row = ci + r * ldc;
            for (int j = 0; j < nValid; j++) {
                float v = tile[r * NR + j];
                c[row + j] = beta == 0f ? v : v + beta * c[row + j];
            }
        }
    }

    /** C = beta x C, used when k = 0 (the product is empty). */
    private static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) c[row + j] = beta == 0f ? 0f : beta * c[row + j];
        }
    }

    /** Tiny products: a direct triple loop beats packing. */
    private static void smallGemm(boolean transA, boolean transB, int m, int n, int k,
                                  float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float beta, float[] c, int cOff, int ldc) {
        int aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
        int bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                int ai = aOff + i * aRow, bi = bOff + j * bCol;
                for (int p = 0; p < k; p++, ai += aCol, bi += bRow) acc = Math.fma(a[ai], b[bi], acc);
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? acc : acc + beta * c[ci];
            }
        }
    }

    static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}
