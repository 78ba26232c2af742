package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.kernel.PackedDenseMatrix;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.PackedWeights;

/**
 * The dense candidate of a Linear layer behind the same interface as the sparse formats, so that the
 * session and the autotuner treat "dense" as one more format. Inactive weights are stored as zeros. Batches
 * run on weights packed once ({@link PackedDenseMatrix}), as ONNX Runtime prepacks its initializers (1.1-1.4x
 * faster GEMM); batch 1 runs the row-major GEMV, which shares each load of x between four rows and was
 * faster than the packed GEMV on weights that stay in cache (this MLP's 784x300 layer: 24 vs 35 us), so
 * both copies are kept: a sparse format is only worth choosing against the best dense kernel.
 */
final class DenseWeights implements PackedWeights {
    private final String layerName;
    private final int rows;
    private final int cols;
    private final float[] values; // W [rows * cols], masked, row-major: the GEMV's layout
    private final PackedDenseMatrix packed; // the same W in the kernels' packed layout: the GEMM's
    private final Kernels kernels;
    private final long nnz;

    DenseWeights(String layerName, float[] maskedValues, int rows, int cols, Kernels kernels) {
        this.layerName = layerName;
        this.rows = rows;
        this.cols = cols;
        this.values = maskedValues.clone();
        this.packed = kernels.pack(maskedValues, 0, cols, rows, cols);
        this.kernels = kernels;
        long n = 0;
        for (float v : values) if (v != 0f) n++;
        this.nnz = n;
    }

    @Override public String layerName() { return layerName; }
    @Override public String format() { return "dense"; }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long nnz() { return nnz; }
    /** The bytes one call reads: one copy of W. */
    @Override public long bytes() { return 4L * values.length; }
    @Override public float[] toDense() { return values.clone(); }

    // The sparse kernels the interface passes in are not needed: dense weights run on the session's Kernels.
    @Override
    public void gemv(SparseKernels notUsedByDenseWeights, float[] x, int xOff, float[] y, int yOff, float[] bias,
                     boolean relu, ComputePool pool) {
        kernels.gemv(false, rows, cols, values, 0, cols, x, xOff, 0f, y, yOff, pool);
        biasRelu(y, yOff, 1, 1, bias, relu);
    }

    @Override
    public void spmm(SparseKernels notUsedByDenseWeights, float[] xt, int xtOff, int ldx, int batch, float[] yt,
                     int ytOff, int ldy, float[] bias, boolean relu, ComputePool pool) {
        // Y^T [rows][batch] = W [rows][cols] . X^T [cols][batch]
        kernels.gemm(packed, batch, xt, xtOff, ldx, 0f, yt, ytOff, ldy, pool);
        biasRelu(yt, ytOff, ldy, batch, bias, relu);
    }

    private void biasRelu(float[] yt, int off, int ld, int batch, float[] bias, boolean relu) {
        if (bias == null && !relu) return;
        // Math.max, not a conditional: C2 vectorises it, while v < 0 ? 0 : v became a branch that mispredicts on
        // outputs of mixed sign (see ReluStep); one loop per case keeps the inner loops free of the relu test
        for (int r = 0; r < rows; r++) {
            float b = bias == null ? 0f : bias[r];
            int base = off + r * ld;
            if (relu) for (int j = 0; j < batch; j++) yt[base + j] = Math.max(yt[base + j] + b, 0f);
            else for (int j = 0; j < batch; j++) yt[base + j] += b;
        }
    }
}
