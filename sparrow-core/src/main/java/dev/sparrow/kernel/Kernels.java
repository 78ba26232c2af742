package dev.sparrow.kernel;

/**
 * The numeric kernels every layer runs on. Two implementations: {@link ScalarKernels}, plain loops
 * that serve as the reference and the test oracle, and {@code VectorKernels} on the incubating Vector
 * API. {@link Backend} picks one once at start-up (as Lucene's vectorization provider does), so
 * the Vector API never leaks past this package.
 *
 * <p>All matrices are row-major float arrays with an offset and a leading dimension (the distance in
 * elements between two rows). {@code op(X)} is X or its transpose as the flag says.
 */
public interface Kernels {

    /** Short name for logs and benchmark tables, e.g. "scalar" or "vector-512". */
    String name();

    /**
     * C = op(A) x op(B) + beta x C, where op(A) is m x k, op(B) is k x n and C is m x n.
     * A is stored m x k (lda >= k) or, if {@code transA}, k x m (lda >= m); likewise B.
     * With beta = 0, C is overwritten (its old contents, even NaN, are ignored).
     * Work may be split over {@code pool}; the call returns when C is complete.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc,
              ComputePool pool);

    /**
     * y = op(A) x x + beta x y, with A stored m x n (lda >= n); op(A) is m x n, or n x m if {@code transA}.
     * With beta = 0, y is overwritten.
     */
    void gemv(boolean transA, int m, int n, float[] a, int aOff, int lda,
              float[] x, int xOff, float beta, float[] y, int yOff, ComputePool pool);

    /**
     * Packs W (rows x cols, row-major at w[off] with leading dimension ld) once for the two products below,
     * in the layout these kernels read fastest. Allocates; the products do not.
     */
    PackedDenseMatrix pack(float[] w, int off, int ld, int rows, int cols);

    /** y = W x + beta x y for packed W (rows x cols); with beta = 0, y is overwritten. */
    void gemv(PackedDenseMatrix w, float[] x, int xOff, float beta, float[] y, int yOff, ComputePool pool);

    /**
     * C = W B + beta x C for packed W (rows x cols): B is cols x n at b[bOff] (ldb >= n), C rows x n (ldc >= n).
     * With beta = 0, C is overwritten (its old contents, even NaN, are ignored).
     */
    void gemm(PackedDenseMatrix w, int n, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
              ComputePool pool);

    /** Sum of a[i] x b[i]. */
    float dot(int n, float[] a, int aOff, float[] b, int bOff);

    /** y += alpha x x. */
    void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);

    /** x *= alpha. */
    void scale(int n, float alpha, float[] x, int xOff);

    /** Sum of x[i]. */
    float sum(int n, float[] x, int xOff);

    /** out[i] = max(x[i], 0); out may be x. */
    void relu(int n, float[] x, int xOff, float[] out, int outOff);

    /** gradIn[i] = x[i] > 0 ? gradOut[i] : 0, where x is the ReLU's input (or output). */
    void reluBackward(int n, float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff);

    /** Adds {@code bias} (length n) to each of the m rows of the m x n matrix c. */
    void addBiasRows(int m, int n, float[] bias, int biasOff, float[] c, int cOff, int ldc);

    /** sums[j] += sum over the m rows of column j of the m x n matrix g (bias gradient). */
    void sumRows(int m, int n, float[] g, int gOff, int ldg, float[] sums, int sumsOff);
}
