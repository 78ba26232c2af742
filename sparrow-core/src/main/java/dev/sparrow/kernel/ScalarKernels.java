package dev.sparrow.kernel;

/**
 * Plain loops: the reference every other implementation is tested against. Kept obviously correct
 * rather than fast; it ignores the pool.
 */
public final class ScalarKernels implements Kernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {}

    @Override public String name() { return "scalar"; }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, ComputePool pool) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    acc += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? acc : acc + beta * c[ci];
            }
        }
    }

    @Override
    public void gemv(boolean transA, int m, int n, float[] a, int aOff, int lda,
                     float[] x, int xOff, float beta, float[] y, int yOff, ComputePool pool) {
        int rows = transA ? n : m;
        int cols = transA ? m : n;
        for (int i = 0; i < rows; i++) {
            float acc = 0f;
            for (int j = 0; j < cols; j++) {
                float av = transA ? a[aOff + j * lda + i] : a[aOff + i * lda + j];
                acc += av * x[xOff + j];
            }
            y[yOff + i] = beta == 0f ? acc : acc + beta * y[yOff + i];
        }
    }

    /** Panels of 8 rows: any width is correct here; 8 keeps the scalar layout like a 256-bit one. */
    @Override
    public PackedDenseMatrix pack(float[] w, int off, int ld, int rows, int cols) {
        return PackedDenseMatrix.pack(w, off, ld, rows, cols, 8);
    }

    @Override
    public void gemv(PackedDenseMatrix w, float[] x, int xOff, float beta, float[] y, int yOff, ComputePool pool) {
        KernelArgs.packedGemv(w, x, xOff, y, yOff, pool);
        for (int i = 0; i < w.rows(); i++) {
            float acc = 0f;
            for (int j = 0; j < w.cols(); j++) acc += w.get(i, j) * x[xOff + j];
            y[yOff + i] = beta == 0f ? acc : acc + beta * y[yOff + i];
        }
    }

    @Override
    public void gemm(PackedDenseMatrix w, int n, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                     ComputePool pool) {
        KernelArgs.packedGemm(w, n, b, bOff, ldb, c, cOff, ldc, pool);
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < w.cols(); p++) acc += w.get(i, p) * b[bOff + p * ldb + j];
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? acc : acc + beta * c[ci];
            }
        }
    }

    @Override
    public float dot(int n, float[] a, int aOff, float[] b, int bOff) {
        float acc = 0f;
        for (int i = 0; i < n; i++) acc += a[aOff + i] * b[bOff + i];
        return acc;
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        for (int i = 0; i < n; i++) x[xOff + i] *= alpha;
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        float acc = 0f;
        for (int i = 0; i < n; i++) acc += x[xOff + i];
        return acc;
    }

    @Override
    public void relu(int n, float[] x, int xOff, float[] out, int outOff) {
        for (int i = 0; i < n; i++) out[outOff + i] = Math.max(x[xOff + i], 0f);
    }

    @Override
    public void reluBackward(int n, float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff) {
        for (int i = 0; i < n; i++) gradIn[giOff + i] = x[xOff + i] > 0f ? gradOut[gOff + i] : 0f;
    }

    @Override
    public void addBiasRows(int m, int n, float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) c[cOff + i * ldc + j] += bias[biasOff + j];
        }
    }

    @Override
    public void sumRows(int m, int n, float[] g, int gOff, int ldg, float[] sums, int sumsOff) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) sums[sumsOff + j] += g[gOff + i * ldg + j];
        }
    }
}
