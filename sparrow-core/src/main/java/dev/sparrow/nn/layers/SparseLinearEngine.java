package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.StepPhases;
import dev.sparrow.nn.StepPhases.Phase;
import dev.sparrow.sparse.Csr;
import dev.sparrow.sparse.SparseTrainingKernels;
import dev.sparrow.tensor.Tensor;

/**
 * The sparse training engine of one {@link Linear} layer (SparseProp's design): the weight is packed
 * ({@link Parameter#pack()}), its active weights in CSR order (row-major, ascending columns), and
 * <ul>
 * <li>forward: Y^T = W X^T + b by {@link Csr#spmm} over a view of the packed values, with X^T [in][batch]
 * (batch innermost, so a nonzero is one broadcast times contiguous vectors);</li>
 * <li>backward: the packed weight gradient (only at active weights: a sampled dense-dense product) and
 * dX^T = W^T dY^T by spmm over W^T in CSR, or, for more than 65536 outputs, both in one pass over the
 * nonzeros ({@link SparseTrainingKernels#backward}); threads split the rows by nonzeros;</li>
 * <li>the dense weight gradient only when the context asks for it ({@link ExecutionContext#denseWeightGradients()},
 * a RigL-style growth step), by the dense GEMM.</li>
 * </ul>
 * The CSR structure and the three products are {@link PackedRows}, shared with {@link Conv2d}'s sparse engine.
 * The optimizer updates the packed values with state for active weights only. When the mask changes the
 * parameter is repacked (a new positions array), and the index structure is rebuilt from it (O(nnz + rows)).
 */
final class SparseLinearEngine {
    private final Linear layer;
    private final Parameter weight;
    private final int in;
    private final int out;
    private final PackedRows packed;

    private int batch = -1;
    private float[] xt;   // (in, batch)
    private float[] yt;   // (out, batch)
    private float[] dyt;  // (out, batch)
    private float[] dxt;  // (in, batch)
    private final Transposer transposer = new Transposer();

    SparseLinearEngine(Linear layer) {
        this.layer = layer;
        this.weight = layer.weight();
        this.in = layer.inFeatures();
        this.out = layer.outFeatures();
        this.packed = new PackedRows(weight, layer.describe(), out, in);
    }

    static boolean fits(int in) { return PackedRows.fits(in); }

    private void buffers(int b) {
        if (b == batch) return;
        batch = b;
        xt = new float[in * b];
        yt = new float[out * b];
        dyt = new float[out * b];
        dxt = new float[in * b];
    }

    void forward(Tensor x, Tensor output, ExecutionContext ctx) {
        StepPhases ph = ctx.phases();
        long t = StepPhases.now(ph);
        packed.refresh();
        t = StepPhases.lap(ph, Phase.INDEX_REBUILD, t);
        int b = x.dim(0);
        buffers(b);
        transposer.transpose(x.data(), b, in, xt, ctx.pool());
        t = StepPhases.lap(ph, Phase.TRANSPOSES, t);
        Parameter bias = layer.bias();
        packed.forward(xt, b, yt, bias == null ? null : bias.value().data(), ctx.pool());
        t = StepPhases.lap(ph, Phase.FORWARD_SPMM, t);
        transposer.transpose(yt, out, b, output.data(), ctx.pool());
        StepPhases.lap(ph, Phase.TRANSPOSES, t);
    }

    /** @param gradInput where dX goes, or null when nobody reads it (then only the weight gradient is computed) */
    void backward(Tensor gradOutput, Tensor input, Tensor gradInput, ExecutionContext ctx) {
        StepPhases ph = ctx.phases();
        long t = StepPhases.now(ph);
        packed.refresh();
        t = StepPhases.lap(ph, Phase.INDEX_REBUILD, t);
        int b = batch;
        float[] g = gradOutput.data();
        ComputePool pool = ctx.pool();
        transposer.transpose(g, b, out, dyt, pool);
        t = StepPhases.lap(ph, Phase.TRANSPOSES, t);
        float[] dw = weight.packedGrads();
        if (gradInput == null) {
            packed.weightGradient(dyt, xt, b, dw, pool);
            t = StepPhases.lap(ph, Phase.WEIGHT_GRAD, t);
        } else if (packed.transposable()) {
            packed.weightGradient(dyt, xt, b, dw, pool);
            t = StepPhases.lap(ph, Phase.WEIGHT_GRAD, t);
            packed.gatherTransposed(pool);
            t = StepPhases.lap(ph, Phase.WT_GATHER, t);
            packed.inputGradient(dyt, b, dxt, pool);
            t = StepPhases.lap(ph, Phase.INPUT_GRAD, t);
            transposer.transpose(dxt, in, b, gradInput.data(), pool);
            t = StepPhases.lap(ph, Phase.TRANSPOSES, t);
        } else {
            packed.fusedBackward(dyt, xt, b, dw, dxt, pool);
            t = StepPhases.lap(ph, Phase.INPUT_GRAD, t);
            transposer.transpose(dxt, in, b, gradInput.data(), pool);
            t = StepPhases.lap(ph, Phase.TRANSPOSES, t);
        }
        if (ctx.denseWeightGradients()) {
            // dW (out, in) += dYᵀ (out, batch) · X (batch, in), for the method that reads it this step
            ctx.kernels().gemm(true, false, out, in, b, g, 0, out, input.data(), 0, in,
                    1f, weight.grad().data(), 0, in, pool);
            weight.denseGradWritten();
        }
    }

    /** dst (cols, rows) = src (rows, cols) transposed, on the calling thread (see {@link Transposer}). */
    static void transpose(float[] src, int rows, int cols, float[] dst) {
        Transposer.run(src, rows, cols, dst, 0, Integer.MAX_VALUE / 64);
    }
}
