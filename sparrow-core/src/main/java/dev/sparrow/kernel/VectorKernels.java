package dev.sparrow.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Kernels} on the incubating Vector API (after Lucene's PanamaVectorUtilSupport): one species,
 * fixed at class load, every loop a vector body plus a scalar tail. {@link Backend} loads this
 * class reflectively, so nothing outside this package links against {@code jdk.incubator.vector}.
 * GEMM and GEMV live in {@link PackedGemm} and {@link VectorGemv}.
 */
final class VectorKernels implements Kernels {
    // static final so C2 treats the species as a constant and every vector op compiles to one instruction.
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** Fewer lanes than this (SSE-only or a MaxVectorSize cap) and the scalar loops are as fast. */
    static final int MIN_USEFUL_LANES = 8;

    private static final VectorKernels INSTANCE = new VectorKernels();

    private VectorKernels() {}

    /** This implementation, or null when the preferred vector holds fewer than 8 floats. */
    static Kernels createIfUseful() {
        return L >= MIN_USEFUL_LANES ? INSTANCE : null;
    }

    @Override
    public String name() {
        return "vector-" + SPECIES.vectorBitSize();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, ComputePool pool) {
        KernelArgs.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, pool);
        PackedGemm.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, pool);
    }

    @Override
    public void gemv(boolean transA, int m, int n, float[] a, int aOff, int lda,
                     float[] x, int xOff, float beta, float[] y, int yOff, ComputePool pool) {
        KernelArgs.gemv(transA, m, n, a, aOff, lda, x, xOff, y, yOff, pool);
        VectorGemv.gemv(transA, m, n, a, aOff, lda, x, xOff, beta, y, yOff, pool);
    }

    /** Panels of one vector of rows (see {@link PackedDenseMatrix}). */
    @Override
    public PackedDenseMatrix pack(float[] w, int off, int ld, int rows, int cols) {
        return PackedDenseMatrix.pack(w, off, ld, rows, cols, L);
    }

    @Override
    public void gemv(PackedDenseMatrix w, float[] x, int xOff, float beta, float[] y, int yOff, ComputePool pool) {
        KernelArgs.packedGemv(w, x, xOff, y, yOff, pool);
        checkPanels(w);
        VectorGemv.gemv(w, x, xOff, beta, y, yOff, pool);
    }

    @Override
    public void gemm(PackedDenseMatrix w, int n, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                     ComputePool pool) {
        KernelArgs.packedGemm(w, n, b, bOff, ldb, c, cOff, ldc, pool);
        checkPanels(w);
        PackedGemm.gemm(w, n, b, bOff, ldb, beta, c, cOff, ldc, pool);
    }

    private static void checkPanels(PackedDenseMatrix w) {
        if (w.panelRows() != L) {
            throw new IllegalArgumentException("weights packed in panels of " + w.panelRows() + " rows, these kernels "
                    + "need " + L + ": pack them with the kernels that use them");
        }
    }

    @Override
    public float dot(int n, float[] a, int aOff, float[] b, int bOff) {
        KernelArgs.nonNegative("n", n);
        KernelArgs.vector("a", a, aOff, n);
        KernelArgs.vector("b", b, bOff, n);
        // Four accumulators: one FMA chain would wait 4 cycles per step; four hide the latency.
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
            s0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), s0);
            s1 = FloatVector.fromArray(SPECIES, a, aOff + i + L).fma(FloatVector.fromArray(SPECIES, b, bOff + i + L), s1);
            s2 = FloatVector.fromArray(SPECIES, a, aOff + i + 2 * L).fma(FloatVector.fromArray(SPECIES, b, bOff + i + 2 * L), s2);
            s3 = FloatVector.fromArray(SPECIES, a, aOff + i + 3 * L).fma(FloatVector.fromArray(SPECIES, b, bOff + i + 3 * L), s3);
        }
        for (int bound = n - n % L; i < bound; i += L) {
            s0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), s0);
        }
        FloatVector v = s0.add(s1).add(s2.add(s3)); // lanes summed in LaneTree's fixed order
        if (L >= 16) v = v.add(v.rearrange(LaneTree.SWAP8));
        if (L >= 8) v = v.add(v.rearrange(LaneTree.SWAP4));
        if (L >= 4) v = v.add(v.rearrange(LaneTree.SWAP2));
        float acc = v.add(v.rearrange(LaneTree.SWAP1)).lane(0);
        for (; i < n; i++) acc = Math.fma(a[aOff + i], b[bOff + i], acc);
        return acc;
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        KernelArgs.nonNegative("n", n);
        KernelArgs.vector("x", x, xOff, n);
        KernelArgs.vector("y", y, yOff, n);
        FloatVector av = FloatVector.broadcast(SPECIES, alpha);
        int i = 0;
        for (int bound = n - n % L; i < bound; i += L) {
            FloatVector.fromArray(SPECIES, x, xOff + i).fma(av, FloatVector.fromArray(SPECIES, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        KernelArgs.nonNegative("n", n);
        KernelArgs.vector("x", x, xOff, n);
        int i = 0;
        for (int bound = n - n % L; i < bound; i += L) {
            FloatVector.fromArray(SPECIES, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
        }
        for (; i < n; i++) x[xOff + i] *= alpha;
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        KernelArgs.nonNegative("n", n);
        KernelArgs.vector("x", x, xOff, n);
        // Two accumulators hide the add latency; the lanes also make the sum pairwise-ish, so more accurate.
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0;
        int i = 0;
        for (int bound = n - n % (2 * L); i < bound; i += 2 * L) {
            s0 = s0.add(FloatVector.fromArray(SPECIES, x, xOff + i));
            s1 = s1.add(FloatVector.fromArray(SPECIES, x, xOff + i + L));
        }
        for (int bound = n - n % L; i < bound; i += L) s0 = s0.add(FloatVector.fromArray(SPECIES, x, xOff + i));
        FloatVector v = s0.add(s1); // lanes summed in LaneTree's fixed order
        if (L >= 16) v = v.add(v.rearrange(LaneTree.SWAP8));
        if (L >= 8) v = v.add(v.rearrange(LaneTree.SWAP4));
        if (L >= 4) v = v.add(v.rearrange(LaneTree.SWAP2));
        float acc = v.add(v.rearrange(LaneTree.SWAP1)).lane(0);
        for (; i < n; i++) acc += x[xOff + i];
        return acc;
    }

    @Override
    public void relu(int n, float[] x, int xOff, float[] out, int outOff) {
        KernelArgs.nonNegative("n", n);
        KernelArgs.vector("x", x, xOff, n);
        KernelArgs.vector("out", out, outOff, n);
        int i = 0;
        for (int bound = n - n % L; i < bound; i += L) {
            // lanewise MAX follows Math.max: NaN stays NaN and -0.0 becomes 0.0, like the scalar loop.
            FloatVector.fromArray(SPECIES, x, xOff + i).max(0f).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = Math.max(x[xOff + i], 0f);
    }

    @Override
    public void reluBackward(int n, float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff) {
        KernelArgs.nonNegative("n", n);
        KernelArgs.vector("x", x, xOff, n);
        KernelArgs.vector("gradOut", gradOut, gOff, n);
        KernelArgs.vector("gradIn", gradIn, giOff, n);
        FloatVector zero = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = n - n % L; i < bound; i += L) {
            // A blend, not a multiply by the 0/1 mask: 0 x inf would give NaN where the scalar gives 0.
            var positive = FloatVector.fromArray(SPECIES, x, xOff + i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(SPECIES, gradOut, gOff + i), positive).intoArray(gradIn, giOff + i);
        }
        for (; i < n; i++) gradIn[giOff + i] = x[xOff + i] > 0f ? gradOut[gOff + i] : 0f;
    }

    @Override
    public void addBiasRows(int m, int n, float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        KernelArgs.nonNegative("m", m);
        KernelArgs.nonNegative("n", n);
        KernelArgs.vector("bias", bias, biasOff, n);
        KernelArgs.matrix("c", c, cOff, m, n, ldc);
        int bound = n - n % L;
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(SPECIES, c, row + j).add(FloatVector.fromArray(SPECIES, bias, biasOff + j))
                        .intoArray(c, row + j);
            }
            for (; j < n; j++) c[row + j] += bias[biasOff + j];
        }
    }

    @Override
    public void sumRows(int m, int n, float[] g, int gOff, int ldg, float[] sums, int sumsOff) {
        KernelArgs.nonNegative("m", m);
        KernelArgs.nonNegative("n", n);
        KernelArgs.matrix("g", g, gOff, m, n, ldg);
        KernelArgs.vector("sums", sums, sumsOff, n);
        // Rows outer: g is read in order and the sums stripe stays in L1; each column still adds its
        // rows in order 0..m-1, so the result equals the scalar loop exactly.
        int bound = n - n % L;
        for (int i = 0; i < m; i++) {
            int row = gOff + i * ldg;
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(SPECIES, sums, sumsOff + j).add(FloatVector.fromArray(SPECIES, g, row + j))
                        .intoArray(sums, sumsOff + j);
            }
            for (; j < n; j++) sums[sumsOff + j] += g[row + j];
        }
    }
}
