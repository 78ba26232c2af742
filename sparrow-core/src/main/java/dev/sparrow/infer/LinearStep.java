package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.SparseMatrix;

/** A Linear layer (and the ReLU after it, fused) in its chosen format, on transposed activations. */
final class LinearStep extends Step {
    final String name;
    final SparseMatrix weights;
    private final float[] bias;
    final boolean relu;
    private final SparseKernels kernels;
    private final ComputePool pool;
    final Autotuner.Result tuning;

    LinearStep(String name, SparseMatrix weights, float[] bias, boolean relu, SparseKernels kernels, ComputePool pool,
               Autotuner.Result tuning) {
        super(weights.cols(), weights.rows());
        this.name = name;
        this.weights = weights;
        this.bias = bias;
        this.relu = relu;
        this.kernels = kernels;
        this.pool = pool;
        this.tuning = tuning;
    }

    @Override
    Boolean readsTransposed() { return Boolean.TRUE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        if (batch == 1) {
            weights.gemv(kernels, in, 0, out, 0, bias, relu, pool);
        } else {
            weights.spmm(kernels, in, 0, batch, batch, out, 0, batch, bias, relu, pool);
        }
    }

    @Override
    String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(name).append(": Linear(").append(inFeatures).append("->").append(outFeatures).append(')');
        if (relu) sb.append("+ReLU");
        double density = (double) weights.nnz() / ((double) inFeatures * outFeatures);
        sb.append(String.format(" density %.3f format %s", density, weights.format()));
        if (tuning != null) sb.append(' ').append(tuning.describe());
        return sb.toString();
    }
}
