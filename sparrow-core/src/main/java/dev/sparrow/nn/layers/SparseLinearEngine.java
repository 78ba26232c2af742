package dev.sparrow.nn.layers;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.StepPhases;
import dev.sparrow.nn.StepPhases.Phase;
import dev.sparrow.sparse.Csr;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.SparseTrainingKernels;
import dev.sparrow.tensor.Tensor;

import java.util.Arrays;

/**
 * The sparse training engine of one {@link Linear} layer (SparseProp's design): the weight is packed
 * ({@link Parameter#pack()}), its active weights in CSR order (row-major, ascending columns), and
 * <ul>
 * <li>forward: Y^T = W X^T + b by {@link Csr#spmm} over a view of the packed values, with X^T [in][batch]
 * (batch innermost, so a nonzero is one broadcast times contiguous vectors);</li>
 * <li>backward: one pass over the nonzeros ({@link SparseTrainingKernels#backward}) gives the packed
 * weight gradient (only at active weights: a sampled dense-dense product) and dX^T; threads split the
 * rows by nonzeros, each with its own dX^T, summed after;</li>
 * <li>the dense weight gradient only when the context asks for it ({@link ExecutionContext#denseWeightGradients()},
 * a RigL-style growth step), by the dense GEMM.</li>
 * </ul>
 * The optimizer updates the packed values with state for active weights only. When the mask changes the
 * parameter is repacked (a new positions array), and the index structure here is rebuilt from it (O(nnz + rows)).
 */
final class SparseLinearEngine {
    private final Linear layer;
    private final Parameter weight;
    private final int in;
    private final int out;
    private final SparseKernels sparseKernels = SparseKernels.of(Backend.get());
    private final SparseTrainingKernels trainKernels = SparseTrainingKernels.of(Backend.get());

    private int[] builtFor;
    private int[] rowPtr;
    private char[] cols;
    private Csr csr;
    // W^T as CSR (the nonzeros by input column), for dX^T = W^T dY^T by the forward's spmm kernel: its structure is
    // rebuilt with the packing, its values gathered from the packed values each step (they change every step)
    private int[] byColumn;   // packed index of the j-th nonzero in column order
    private float[] valuesByColumn;
    private Csr csrT;

    private int batch = -1;
    private float[] xt;   // (in, batch)
    private float[] yt;   // (out, batch)
    private float[] dyt;  // (out, batch)
    private float[] dxt;  // (in, batch)
    private float[][] dxtParts = new float[0][];
    private final Transposer transposer = new Transposer();
    private static final int GATHER_GRAIN = 8192;
    private float[] gatherFrom;
    private final ComputePool.RangeTask gatherTask = (from, to) -> gather(gatherFrom, from, to);

    SparseLinearEngine(Linear layer) {
        this.layer = layer;
        this.weight = layer.weight();
        this.in = layer.inFeatures();
        this.out = layer.outFeatures();
    }

    static boolean fits(int in) { return in <= 65536; }

    private void structure() {
        int[] pos = weight.packedPositions();
        if (pos == builtFor && csr != null) return;
        int[] ptr = new int[out + 1];
        char[] c = new char[pos.length];
        for (int j = 0; j < pos.length; j++) {
            int r = pos[j] / in;
            ptr[r + 1]++;
            c[j] = (char) (pos[j] - r * in);
        }
        for (int r = 0; r < out; r++) ptr[r + 1] += ptr[r];
        rowPtr = ptr;
        cols = c;
        csr = Csr.sharing(layer.describe(), out, in, ptr, weight.packedValues(), c);
        if (out <= 65536) transposedStructure(ptr, c);
        builtFor = pos;
    }

    /** The column-major order of the nonzeros (a counting sort by column, rows ascending within a column). */
    private void transposedStructure(int[] ptr, char[] c) {
        int nnz = c.length;
        int[] colPtr = new int[in + 1];
        for (int j = 0; j < nnz; j++) colPtr[c[j] + 1]++;
        for (int i = 0; i < in; i++) colPtr[i + 1] += colPtr[i];
        int[] next = Arrays.copyOf(colPtr, in);
        int[] order = new int[nnz];
        char[] rowOf = new char[nnz];
        for (int r = 0; r < out; r++) {
            for (int j = ptr[r]; j < ptr[r + 1]; j++) {
                int at = next[c[j]]++;
                order[at] = j;
                rowOf[at] = (char) r;
            }
        }
        byColumn = order;
        valuesByColumn = new float[nnz];
        csrT = Csr.sharing(layer.describe() + " transposed", in, out, colPtr, valuesByColumn, rowOf);
    }

    private void buffers(int b) {
        if (b == batch) return;
        batch = b;
        xt = new float[in * b];
        yt = new float[out * b];
        dyt = new float[out * b];
        dxt = new float[in * b];
        dxtParts = new float[0][];
    }

    void forward(Tensor x, Tensor output, ExecutionContext ctx) {
        StepPhases ph = ctx.phases();
        long t = StepPhases.now(ph);
        structure();
        t = StepPhases.lap(ph, Phase.INDEX_REBUILD, t);
        int b = x.dim(0);
        buffers(b);
        transposer.transpose(x.data(), b, in, xt, ctx.pool());
        t = StepPhases.lap(ph, Phase.TRANSPOSES, t);
        Parameter bias = layer.bias();
        csr.spmm(sparseKernels, xt, 0, b, b, yt, 0, b, bias == null ? null : bias.value().data(), false, ctx.pool());
        t = StepPhases.lap(ph, Phase.FORWARD_SPMM, t);
        transposer.transpose(yt, out, b, output.data(), ctx.pool());
        StepPhases.lap(ph, Phase.TRANSPOSES, t);
    }

    /** @param gradInput where dX goes, or null when nobody reads it (then only the weight gradient is computed) */
    void backward(Tensor gradOutput, Tensor input, Tensor gradInput, ExecutionContext ctx) {
        StepPhases ph = ctx.phases();
        long t = StepPhases.now(ph);
        structure();
        t = StepPhases.lap(ph, Phase.INDEX_REBUILD, t);
        int b = batch;
        float[] g = gradOutput.data();
        ComputePool pool = ctx.pool();
        transposer.transpose(g, b, out, dyt, pool);
        t = StepPhases.lap(ph, Phase.TRANSPOSES, t);
        int parts = Math.min(pool.threads(), out);
        float[] w = weight.packedValues();
        float[] dw = weight.packedGrads();
        if (gradInput == null) {
            weightGradient(dw, b, pool, parts);
            t = StepPhases.lap(ph, Phase.WEIGHT_GRAD, t);
        } else if (csrT != null) {
            weightGradient(dw, b, pool, parts);
            t = StepPhases.lap(ph, Phase.WEIGHT_GRAD, t);
            // dX^T (in, batch) = W^T dY^T: each input's row accumulated in registers over its nonzeros and stored once
            gatherTransposedValues(w, pool);
            t = StepPhases.lap(ph, Phase.WT_GATHER, t);
            csrT.spmm(sparseKernels, dyt, 0, b, b, dxt, 0, b, null, false, pool);
            t = StepPhases.lap(ph, Phase.INPUT_GRAD, t);
            transposer.transpose(dxt, in, b, gradInput.data(), pool);
            t = StepPhases.lap(ph, Phase.TRANSPOSES, t);
        } else {
            backwardWithInputGradient(w, dw, b, pool, parts);
            t = StepPhases.lap(ph, Phase.INPUT_GRAD, t);
            transposer.transpose(dxt, in, b, gradInput.data(), pool);
            t = StepPhases.lap(ph, Phase.TRANSPOSES, t);
        }
        if (ctx.denseWeightGradients()) {
            // dW (out, in) += dYᵀ (out, batch) · X (batch, in), for the method that reads it this step
            ctx.kernels().gemm(true, false, out, in, b, g, 0, out, input.data(), 0, in,
                    1f, weight.grad().data(), 0, in, pool);
            weight.denseGradWritten();
            StepPhases.lap(ph, Phase.DENSE_GRAD, t);
        }
    }

    /** dW at the active weights only (a sampled dense-dense product), threads splitting the rows by nonzeros. */
    private void weightGradient(float[] dw, int b, ComputePool pool, int parts) {
        if (parts <= 1 || rowPtr[out] < 4096) {
            trainKernels.weightGradient(rowPtr, cols, dyt, xt, b, dw, 0, out);
            return;
        }
        final int n = parts;
        pool.parallelFor(n, 1, (from, to) -> {
            for (int p = from; p < to; p++) {
                int r0 = boundary(p, n), r1 = boundary(p + 1, n);
                if (r0 < r1) trainKernels.weightGradient(rowPtr, cols, dyt, xt, b, dw, r0, r1);
            }
        });
    }

    private void backwardWithInputGradient(float[] w, float[] dw, int b, ComputePool pool, int parts) {
        Arrays.fill(dxt, 0f);
        if (parts <= 1 || rowPtr[out] < 4096) {
            trainKernels.backward(rowPtr, cols, w, dyt, xt, b, dw, dxt, 0, out);
        } else {
            if (dxtParts.length < parts - 1) {
                dxtParts = new float[parts - 1][in * b];
            }
            final int n = parts;
            pool.parallelFor(n, 1, (from, to) -> {
                for (int p = from; p < to; p++) {
                    int r0 = boundary(p, n), r1 = boundary(p + 1, n);
                    float[] target = p == 0 ? dxt : dxtParts[p - 1];
                    if (p > 0) Arrays.fill(target, 0f);
                    if (r0 < r1) trainKernels.backward(rowPtr, cols, w, dyt, xt, b, dw, target, r0, r1);
                }
            });
            int len = in * b;
            pool.parallelFor(len, 1024, (from, to) -> {
                for (int p = 0; p < n - 1; p++) {
                    float[] part = dxtParts[p];
                    for (int i = from; i < to; i++) dxt[i] += part[i];
                }
            });
        }
    }

    /** W^T's values gathered from the packed values (they change every step), split over the pool by nonzeros. */
    private void gatherTransposedValues(float[] w, ComputePool pool) {
        int nnz = byColumn.length;
        if (pool.threads() <= 1 || nnz < GATHER_GRAIN * 2) {
            gather(w, 0, nnz);
            return;
        }
        gatherFrom = w;
        try {
            pool.parallelFor(nnz, GATHER_GRAIN, gatherTask);
        } finally {
            gatherFrom = null;
        }
    }

    private void gather(float[] w, int from, int to) {
        int[] order = byColumn;
        float[] wt = valuesByColumn;
        for (int j = from; j < to; j++) wt[j] = w[order[j]];
    }

    /** The first row of part p of n, splitting the rows by nonzeros. */
    private int boundary(int p, int n) {
        if (p <= 0) return 0;
        if (p >= n) return out;
        long target = (long) rowPtr[out] * p / n;
        int lo = 0, hi = out;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (rowPtr[mid] >= target) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    /** dst (cols, rows) = src (rows, cols) transposed, on the calling thread (see {@link Transposer}). */
    static void transpose(float[] src, int rows, int cols, float[] dst) {
        Transposer.run(src, rows, cols, dst, 0, Integer.MAX_VALUE / 64);
    }
}
