package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;
import dev.sparrow.nn.layers.Im2col;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.SparseMatrix;

/**
 * A Conv2d layer (with a following BatchNorm2d folded into its weights and bias, and a following ReLU
 * fused) as a sparse (or dense) matrix W [cout][cin·kh·kw] times the image's channel-major columns,
 * XNNPACK's design with the output pixels in place of the batch: for each image, out[cout][P] =
 * act(W · col[K][P] + b) is one {@link SparseMatrix#spmm} with batch P, written straight into the
 * NCHW output. A 1x1 convolution with stride 1 and no padding reads the image itself as col; any other
 * is unfolded by im2col into the workspace first.
 *
 * <p>Batches of at least as many images as threads run whole images on each thread (each with its own
 * column buffer); smaller batches run images one after another with the kernel split over the pool.
 */
final class ConvStep extends Step {
    final String name;
    final SparseMatrix weights;
    private final float[] bias;
    final boolean relu;
    private final boolean batchNormFolded;
    private final Im2col geometry;
    private final boolean pointwise;
    private final int pixels;
    private final SparseKernels kernels;
    private final ComputePool pool;
    final Autotuner.Result tuning;

    ConvStep(String name, SparseMatrix weights, float[] bias, boolean relu, boolean batchNormFolded, Im2col geometry,
             SparseKernels kernels, ComputePool pool, Autotuner.Result tuning) {
        super(geometry.channels * geometry.height * geometry.width, weights.rows() * geometry.cols());
        this.name = name;
        this.weights = weights;
        this.bias = bias;
        this.relu = relu;
        this.batchNormFolded = batchNormFolded;
        this.geometry = geometry;
        this.pointwise = geometry.kh == 1 && geometry.kw == 1 && geometry.stride == 1 && geometry.padding == 0;
        this.pixels = geometry.cols();
        this.kernels = kernels;
        this.pool = pool;
        this.tuning = tuning;
    }

    /** Floats of column buffer one call needs (0 for a pointwise convolution). */
    int columnFloats() {
        return pointwise ? 0 : pool.threads() * geometry.rows() * pixels;
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        int slots = pool.threads();
        if (slots > 1 && batch >= slots) {
            // the frame carries the call's arguments, so the split allocates nothing (see KernelCall)
            KernelCall call = KernelCall.of(this, ws);
            call.x = in;
            call.y = out;
            call.batch = batch;
            call.evenly(pool, slots, 1, ConvStep::slots);
        } else {
            for (int n = 0; n < batch; n++) image(ws, 0, in, out, n, pool);
        }
    }

    /** Images slot, slot + threads, ... of the batch, for slots [from, to), each with its own column buffer. */
    private static void slots(KernelCall call, int from, int to) {
        ConvStep step = (ConvStep) call.target;
        Workspace ws = (Workspace) call.kernels;
        int slots = step.pool.threads();
        for (int slot = from; slot < to; slot++) {
            for (int n = slot; n < call.batch; n += slots) step.image(ws, slot, call.x, call.y, n, ComputePool.serial());
        }
    }

    private void image(Workspace ws, int slot, float[] in, float[] out, int n, ComputePool kernelPool) {
        float[] cols = in;
        int colOff = n * inFeatures;
        if (!pointwise) {
            cols = ws.columns;
            colOff = slot * geometry.rows() * pixels;
            geometry.unfold(in, n * inFeatures, cols, colOff, pixels);
        }
        int outOff = n * outFeatures;
        if (pixels == 1) {
            weights.gemv(kernels, cols, colOff, out, outOff, bias, relu, kernelPool);
        } else {
            weights.spmm(kernels, cols, colOff, pixels, pixels, out, outOff, pixels, bias, relu, kernelPool);
        }
    }

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
        if (tuning != null) sb.append(' ').append(tuning.describe());
        return sb.toString();
    }
}
