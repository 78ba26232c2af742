package dev.sparrow.sparse;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;

/**
 * A sparse weight matrix W [rows, cols] in one storage format, with its kernels. Every format is built
 * from {@link MaskedWeights} and {@link #toDense() converts back} exactly.
 *
 * <p>Kernels: {@link #gemv} computes y = act(W x + b) for one input; {@link #spmm} computes
 * Y = act(W X + b) for a batch kept batch-contiguous: X^T is stored [cols][batch] (row c of X^T at
 * {@code xtOff + c * ldx}) and Y^T [rows][batch], so that every nonzero weight is one broadcast times a
 * contiguous run of the batch. Outputs are overwritten (old contents, even NaN, are ignored). bias is
 * null or holds at least {@code rows} values; {@code relu} applies max(0, .) as the output is written.
 * The {@link SparseKernels} argument picks the backend; the overloads without it use
 * the chosen backend's, {@code SparseKernels.of(Backend.get())}.
 */
public interface PackedWeights {

    /** The layer this matrix belongs to (used in every error message). */
    String layerName();

    /** Short format name with its parameters, e.g. "csr16" or "nm2:16". */
    String format();

    int rows();

    int cols();

    /** Number of stored active weights (padding slots excluded). */
    long nnz();

    /** Bytes held by this matrix's arrays (values, indices, pointers, padding included). */
    long bytes();

    /** The masked dense matrix [rows * cols], row-major, zeros where inactive. */
    float[] toDense();

    void gemv(SparseKernels kernels, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, ComputePool pool);

    void spmm(SparseKernels kernels, float[] xt, int xtOff, int ldx, int batch,
              float[] yt, int ytOff, int ldy, float[] bias, boolean relu, ComputePool pool);

    default void gemv(float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu) {
        gemv(SparseKernels.of(Backend.get()), x, xOff, y, yOff, bias, relu, ComputePool.serial());
    }

    default void gemv(float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, ComputePool pool) {
        gemv(SparseKernels.of(Backend.get()), x, xOff, y, yOff, bias, relu, pool);
    }

    default void spmm(float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                      float[] bias, boolean relu, ComputePool pool) {
        spmm(SparseKernels.of(Backend.get()), xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, pool);
    }

    /** Bytes per stored nonzero (a dense fp32 matrix costs 4 / density). */
    default double bytesPerNonzero() {
        return nnz() == 0 ? Double.NaN : (double) bytes() / nnz();
    }
}
