package dev.sparrow.sparse;

import dev.sparrow.kernel.Backend;

import java.lang.invoke.MethodHandles;

/**
 * The backward kernels of a sparse training step over CSR weights (row pointers, 16-bit column indices,
 * values aligned with them) and batch-innermost activations: X^T [in][batch], dY^T [out][batch], dX^T
 * [in][batch], all with leading dimension {@code batch}. The forward pass is {@link Csr#spmm} over a
 * {@link Csr#sharing view} of the same arrays. SparseProp's design (Nikdan et al., ICML 2023): one pass
 * over the nonzeros computes both gradients, each nonzero one dot product and one axpy of batch-long
 * contiguous rows.
 *
 * <p>Each method works on rows [rowFrom, rowTo) so that callers split rows by nonzeros over threads; the
 * input gradient is a scatter (rows of dX^T are shared between weight rows), so each thread needs its own
 * dX^T buffer. {@link ScalarSparseTrainingKernels} is the reference; the Vector API one is loaded by the
 * backend ({@link #of}).
 */
public interface SparseTrainingKernels {

    static SparseTrainingKernels of(Backend backend) {
        return backend.kernels(SparseTrainingKernels.class, ScalarSparseTrainingKernels.INSTANCE,
                MethodHandles.lookup(), "VectorSparseTrainingKernels");
    }

    /** The scalar reference. */
    static SparseTrainingKernels scalar() { return ScalarSparseTrainingKernels.INSTANCE; }

    /** "scalar" or "vector-256" / "vector-512". */
    String name();

    /**
     * For each nonzero k = (r, c) of rows [rowFrom, rowTo): {@code dw[k] += dot(dyt[r][:], xt[c][:])} and
     * {@code dxt[c][:] += w[k] * dyt[r][:]}.
     */
    void backward(int[] rowPtr, char[] cols, float[] w, float[] dyt, float[] xt, int batch, float[] dw, float[] dxt,
                  int rowFrom, int rowTo);

    /** The weight gradient alone (a sampled dense-dense product): {@code dw[k] += dot(dyt[r][:], xt[c][:])}. */
    void weightGradient(int[] rowPtr, char[] cols, float[] dyt, float[] xt, int batch, float[] dw, int rowFrom, int rowTo);
}
