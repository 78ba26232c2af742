package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;
import dev.sparrow.sparse.SparseInputMatrix;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.PackedWeights;

/**
 * A Linear layer in its chosen format, on transposed activations, with the activation after it fused:
 * a ReLU inside the kernel's output pass, or k-winners-take-all (evaluation mode: the layer's
 * k_inference winners per sample, no boosting) applied to each sample's outputs while they are still
 * in cache, the samples split over the pool. When its input is a k-WTA output ({@code sparseInput}) and the
 * weights are input-major ({@link SparseInputMatrix}: CSC, complementary packed), only the winners' weight
 * columns are visited: at batch 1 the winners are gathered into (index, value) lists first, at larger batches
 * each sample scans its own column of the transposed input.
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
    /** Whether the input is sparse (a k-WTA output) and the weights scatter per input: visit winners only. */
    final boolean sparseInput;
    private final WinnerSelection selection;
    private final WinnerKernels winnerKernels = WinnerKernels.of(dev.sparrow.kernel.Backend.get());
    private final float z;
    final Autotuner.Result tuning;
    /** The timing that chose the winners-only kernel over the weight-sparse one, or null when untimed. */
    SparseInputChooser.Result sparseTiming;
    /** The structures found in the mask (empty when declared or not looked for). */
    final java.util.List<dev.sparrow.sparse.Structure> structures;

    LinearStep(String name, PackedWeights weights, float[] bias, boolean relu, int winners, SparseKernels kernels,
               ComputePool pool, Autotuner.Result tuning,
               java.util.List<dev.sparrow.sparse.Structure> structures) {
        this(name, weights, bias, relu, winners, kernels, pool, tuning, structures, false, WinnerSelection.EXACT);
    }

    LinearStep(String name, PackedWeights weights, float[] bias, boolean relu, int winners, SparseKernels kernels,
               ComputePool pool, Autotuner.Result tuning,
               java.util.List<dev.sparrow.sparse.Structure> structures, boolean sparseInput, WinnerSelection selection) {
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
        this.sparseInput = sparseInput && weights instanceof SparseInputMatrix;
        this.selection = selection;
        this.z = winners >= 0 ? WinnerSelection.z(winners, weights.rows()) : 0f;
    }

    @Override
    Boolean readsTransposed() { return Boolean.TRUE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        if (sparseInput) {
            SparseInputMatrix w = (SparseInputMatrix) weights;
            if (batch == 1) {
                // gather the winners, then scatter only their columns (the output stays in L1)
                int[] idx = ws.activeIndex;
                float[] val = ws.activeValues;
                int count = 0;
                for (int i = 0; i < inFeatures; i++) {
                    float v = in[i];
                    idx[count] = i;
                    val[count] = v;
                    count += v != 0f ? 1 : 0; // branch-free: winners are scattered at random
                }
                w.gemvSparseInput(kernels, idx, val, count, out, 0, bias, relu);
            } else {
                w.spmmSparseInput(kernels, in, 0, batch, batch, out, 0, batch, bias, relu, pool);
            }
        } else if (batch == 1) {
            weights.gemv(kernels, in, 0, out, 0, bias, relu, pool);
        } else {
            weights.spmm(kernels, in, 0, batch, batch, out, 0, batch, bias, relu, pool);
        }
        if (winners >= 0) {
            int slots = Math.min(pool.threads(), batch);
            KernelCall<LinearStep, Workspace> call = KernelCall.of(this, ws);
            call.y = out;
            call.batch = batch;
            call.evenly(pool, slots, 1, LinearStep::selectSlots); // one range of samples per slot: its own scratch
        }
    }

    /** k-WTA over the samples of slots [from, to): a sample's outputs are a column of the transposed output. */
    private static void selectSlots(KernelCall<LinearStep, Workspace> call, int from, int to) {
        LinearStep s = call.target;
        int batch = call.batch, slots = Math.min(s.pool.threads(), batch), n = s.outFeatures;
        for (int slot = from; slot < to; slot++) {
            int first = (int) ((long) batch * slot / slots), last = (int) ((long) batch * (slot + 1) / slots);
            for (int sample = first; sample < last; sample++) {
                s.selection.select(call.y, call.y, sample, batch, n, s.winners, s.z, call.context.selection, slot * n,
                        s.winnerKernels);
            }
        }
    }

    @Override
    String format() { return weights.format(); }

    @Override
    String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(name).append(": Linear(").append(inFeatures).append("->").append(outFeatures).append(')');
        if (relu) sb.append("+ReLU");
        if (winners >= 0) {
            sb.append("+kWTA(k=").append(winners).append(selection == WinnerSelection.THRESHOLD ? ", threshold" : "").append(')');
        }
        double density = (double) weights.nnz() / ((double) inFeatures * outFeatures);
        sb.append(String.format(" density %.3f format %s", density, weights.format()));
        if (sparseInput) sb.append(" on the winners only (sparse input)");
        if (sparseTiming != null) sb.append("; ").append(sparseTiming.describe());
        if (!structures.isEmpty()) sb.append(" mask has ").append(structures);
        if (tuning != null) sb.append(' ').append(tuning.describe());
        return sb.toString();
    }
}
