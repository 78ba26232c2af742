package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;
import dev.sparrow.nn.layers.Im2col;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.PackedWeights;

/**
 * A Conv2d layer (with a following BatchNorm2d folded into its weights and bias, and a following ReLU
 * fused) as a sparse (or dense) matrix W [cout][cin·kh·kw] times channel-major columns, XNNPACK's
 * design with the output pixels in place of the batch: out[cout][P] = act(W · col[K][P] + b) is one
 * {@link PackedWeights#spmm} with P columns. A single image is written straight into the NCHW output; a
 * 1x1 convolution with stride 1 and no padding then reads the image itself as col, any other is
 * unfolded by im2col into the workspace first.
 *
 * <p>Small images are grouped: {@link #group(int, int)} images are unfolded side by side into one
 * matrix of up to {@value #TARGET_COLUMNS} columns, so each kernel call is long enough to amortise its
 * per-row costs (a 7x7 output has only 49 columns), and the result is copied back to NCHW. Groups run
 * one per thread when there are at least as many groups as threads, each with its own buffers;
 * otherwise one after another with the kernel split over the pool.
 */
final class ConvStep extends Step {
    /** Columns per kernel call that grouping aims at (the training-time Conv2d uses the same). */
    static final int TARGET_COLUMNS = 1024;

    final String name;
    final PackedWeights weights;
    private final float[] bias;
    final boolean relu;
    private final boolean batchNormFolded;
    private final Im2col geometry;
    private final boolean pointwise;
    private final int pixels;
    private final int maxGroup;
    private final SparseKernels kernels;
    private final ComputePool pool;
    final Autotuner.Result tuning;
    /** The structures found in the mask (empty when declared or not looked for). */
    final java.util.List<dev.sparrow.sparse.Structure> structures;

    ConvStep(String name, PackedWeights weights, float[] bias, boolean relu, boolean batchNormFolded, Im2col geometry,
             int maxBatch, SparseKernels kernels, ComputePool pool, Autotuner.Result tuning,
               java.util.List<dev.sparrow.sparse.Structure> structures) {
        super(geometry.channels * geometry.height * geometry.width, weights.rows() * geometry.cols());
        this.name = name;
        this.weights = weights;
        this.bias = bias;
        this.relu = relu;
        this.batchNormFolded = batchNormFolded;
        this.geometry = geometry;
        this.pointwise = geometry.kh == 1 && geometry.kw == 1 && geometry.stride == 1 && geometry.padding == 0;
        this.pixels = geometry.cols();
        this.maxGroup = group(pixels, maxBatch);
        this.kernels = kernels;
        this.pool = pool;
        this.tuning = tuning;
        this.structures = structures;
    }

    /** Images per kernel call for outputs of {@code pixels} pixels and batches of up to {@code batch}. */
    static int group(int pixels, int batch) {
        return Math.max(1, Math.min(batch, TARGET_COLUMNS / pixels));
    }

    /** Floats of column buffer one call needs: one group per thread (0 for a lone pointwise image). */
    int columnFloats() {
        if (pointwise && maxGroup == 1) return 0;
        return Math.multiplyExact(pool.threads(), geometry.rows() * maxGroup * pixels);
    }

    /** Floats of output staging one call needs: grouped outputs before they go back to NCHW. */
    int stagingFloats() {
        return maxGroup == 1 ? 0 : Math.multiplyExact(pool.threads(), weights.rows() * maxGroup * pixels);
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        int g = Math.min(maxGroup, batch);
        int groups = (batch + g - 1) / g;
        int slots = pool.threads();
        if (slots > 1 && groups >= slots) {
            // the frame carries the call's arguments, so the split allocates nothing (see KernelCall)
            KernelCall<ConvStep, Workspace> call = KernelCall.of(this, ws);
            call.x = in;
            call.y = out;
            call.batch = batch;
            call.evenly(pool, slots, 1, ConvStep::slots);
        } else {
            for (int first = 0; first < batch; first += g) group(ws, 0, in, out, first, Math.min(g, batch - first), pool);
        }
    }

    /** Groups slot, slot + threads, ... of the batch, for slots [from, to), each with its own buffers. */
    private static void slots(KernelCall<ConvStep, Workspace> call, int from, int to) {
        ConvStep step = call.target;
        Workspace ws = call.context;
        int slots = step.pool.threads();
        int g = Math.min(step.maxGroup, call.batch);
        for (int slot = from; slot < to; slot++) {
            for (int first = slot * g; first < call.batch; first += slots * g) {
                step.group(ws, slot, call.x, call.y, first, Math.min(g, call.batch - first), ComputePool.serial());
            }
        }
    }

    /** Images [first, first + count) through one kernel call, with buffer set {@code slot}. */
    private void group(Workspace ws, int slot, float[] in, float[] out, int first, int count, ComputePool kernelPool) {
        int width = count * pixels;
        float[] cols = in;
        int colOff = first * inFeatures;
        if (!pointwise || count > 1) {
            cols = ws.columns;
            colOff = slot * geometry.rows() * maxGroup * pixels;
            for (int j = 0; j < count; j++) geometry.unfold(in, (first + j) * inFeatures, cols, colOff + j * pixels, width);
        }
        if (count == 1) {
            int outOff = first * outFeatures;
            if (pixels == 1) weights.gemv(kernels, cols, colOff, out, outOff, bias, relu, kernelPool);
            else weights.spmm(kernels, cols, colOff, pixels, pixels, out, outOff, pixels, bias, relu, kernelPool);
            return;
        }
        float[] stage = ws.convOutputs;
        int stageOff = slot * weights.rows() * maxGroup * pixels;
        weights.spmm(kernels, cols, colOff, width, width, stage, stageOff, width, bias, relu, kernelPool);
        int channels = weights.rows();
        for (int j = 0; j < count; j++) {
            int dst = (first + j) * outFeatures;
            for (int c = 0; c < channels; c++) {
                System.arraycopy(stage, stageOff + c * width + j * pixels, out, dst + c * pixels, pixels);
            }
        }
    }

    @Override
    String format() { return weights.format(); }

    @Override
    String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(name).append(": Conv2d(").append(geometry.channels).append("->").append(weights.rows()).append(", ")
                .append(geometry.kh).append('x').append(geometry.kw);
        if (geometry.stride != 1) sb.append(", stride ").append(geometry.stride);
        if (geometry.padding != 0) sb.append(", pad ").append(geometry.padding);
        sb.append(") on ").append(geometry.height).append('x').append(geometry.width);
        if (batchNormFolded) sb.append("+BatchNorm(folded)");
        if (relu) sb.append("+ReLU");
        double density = (double) weights.nnz() / ((double) weights.rows() * weights.cols());
        sb.append(String.format(" density %.3f format %s", density, weights.format()));
        if (maxGroup > 1) sb.append(", ").append(maxGroup).append(" images per call");
        if (!structures.isEmpty()) sb.append(" mask has ").append(structures);
        if (tuning != null) sb.append(' ').append(tuning.describe());
        return sb.toString();
    }
}
