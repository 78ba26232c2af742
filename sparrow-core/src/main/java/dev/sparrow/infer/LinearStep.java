package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.TopK;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.PackedWeights;

/**
 * A Linear layer in its chosen format, on transposed activations, with the activation after it fused:
 * a ReLU inside the kernel's output pass, or k-winners-take-all (evaluation mode: the layer's
 * k_inference winners per sample, no boosting) applied to each sample's outputs while they are still
 * in cache.
 */
final class LinearStep extends Step {
    final String name;
    final PackedWeights weights;
    private final float[] bias;
    final boolean relu;
    /** k-WTA winners per sample, or -1 for none. */
    final int winners;
    private final SparseKernels kernels;
    private final ComputePool pool;
    final Autotuner.Result tuning;
    /** The structures found in the mask (empty when declared or not looked for). */
    final java.util.List<dev.sparrow.sparse.Structure> structures;

    LinearStep(String name, PackedWeights weights, float[] bias, boolean relu, int winners, SparseKernels kernels,
               ComputePool pool, Autotuner.Result tuning,
               java.util.List<dev.sparrow.sparse.Structure> structures) {
        super(weights.cols(), weights.rows());
        if (relu && winners >= 0) throw new IllegalArgumentException(name + ": ReLU and k-WTA cannot both follow one layer");
        this.name = name;
        this.weights = weights;
        this.bias = bias;
        this.relu = relu;
        this.winners = winners;
        this.kernels = kernels;
        this.pool = pool;
        this.tuning = tuning;
        this.structures = structures;
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
        if (winners >= 0) {
            for (int s = 0; s < batch; s++) TopK.keepLargest(out, s, batch, outFeatures, winners, ws.selection);
        }
    }

    @Override
    String format() { return weights.format(); }

    @Override
    String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(name).append(": Linear(").append(inFeatures).append("->").append(outFeatures).append(')');
        if (relu) sb.append("+ReLU");
        if (winners >= 0) sb.append("+kWTA(k=").append(winners).append(')');
        double density = (double) weights.nnz() / ((double) inFeatures * outFeatures);
        sb.append(String.format(" density %.3f format %s", density, weights.format()));
        if (!structures.isEmpty()) sb.append(" mask has ").append(structures);
        if (tuning != null) sb.append(' ').append(tuning.describe());
        return sb.toString();
    }
}
