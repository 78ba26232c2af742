package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;
import dev.sparrow.nn.layers.Im2col;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.PackedWeights;
import dev.sparrow.sparse.PixelTileConv;
import dev.sparrow.sparse.ShiftedPlaneConv;

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
 *
 * <p>A stride-1 convolution may instead run direct ({@link ShiftedPlaneConv}): the group's
 * images are copied once into zero-padded planes (stacked per channel, neighbours sharing their zero rows and
 * columns, so a 4x4 image takes 5x5 positions instead of 6x6), each nonzero weight adds a shifted run
 * of them to its output channel, and the valid positions go back to NCHW with bias and ReLU. That writes the
 * input once instead of kh·kw times; the planner times both ways per layer ({@link ConvPathChooser}). Dense
 * weights run direct too, as kh·kw shifted GEMMs accumulated in registers ({@link ShiftedPlaneConv#ofDense}), or
 * pixel-tiled ({@link PixelTileConv}: output channels as the vector, a list of valid output pixels broadcast from the
 * same padded planes, any stride), which computes no padding positions, so it also covers 4x4 images and stride 2.
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
    /** How a step runs: im2col + {@link #weights}, shifted planes, or pixel tiles. */
    enum Path { IM2COL, SHIFTED, TILED }

    /** The direct convolution's taps, or null: im2col and {@link #weights}. */
    final ShiftedPlaneConv direct;
    /** The pixel-tiled dense convolution, or null. */
    final PixelTileConv tiled;
    /**
     * The direct layout: zero rows and columns {@code gap} wide between images and between rows (one gap serves as
     * the bottom padding of an image and the top of the next, and as the right padding of a row and the left of the
     * next), so a row is {@code rowStride} = width + gap floats and an image {@code imageFloats} = (height + gap)
     * rows; a channel holds gap rows, then maxGroup images, in {@code channelStride} floats.
     */
    private final int gap, rowStride, imageRows, imageFloats, channelStride;
    /** Floats of padded input per thread slot; floats between output channels' accumulator rows. */
    private final int padFloats, ldAcc;
    /** Where the kernel's position 0 reads with tap (0, 0, 0): gap - padding rows and columns in. */
    private final int tapOrigin;
    /** The times that chose between im2col and direct (null when not timed). */
    String pathTiming;
    /** After a k-WTA: the timing on sparse inputs by which this step beat the winners-only ones, or null. */
    SparseInputChooser.Result sparseTiming;

    ConvStep(String name, PackedWeights weights, float[] bias, boolean relu, boolean batchNormFolded, Im2col geometry,
             int maxBatch, SparseKernels kernels, ComputePool pool, Autotuner.Result tuning,
               java.util.List<dev.sparrow.sparse.Structure> structures) {
        this(name, weights, bias, relu, batchNormFolded, geometry, maxBatch, kernels, pool, tuning, structures, false);
    }

    /** With {@code direct}, runs as a direct convolution over padded planes (stride 1 only) instead of im2col. */
    ConvStep(String name, PackedWeights weights, float[] bias, boolean relu, boolean batchNormFolded, Im2col geometry,
             int maxBatch, SparseKernels kernels, ComputePool pool, Autotuner.Result tuning,
             java.util.List<dev.sparrow.sparse.Structure> structures, boolean direct) {
        this(name, weights, bias, relu, batchNormFolded, geometry, maxBatch, kernels, pool, tuning, structures,
                direct ? Path.SHIFTED : Path.IM2COL);
    }

    /** On {@code path}: shifted planes need stride 1, pixel tiles dense weights. */
    ConvStep(String name, PackedWeights weights, float[] bias, boolean relu, boolean batchNormFolded, Im2col geometry,
             int maxBatch, SparseKernels kernels, ComputePool pool, Autotuner.Result tuning,
             java.util.List<dev.sparrow.sparse.Structure> structures, Path path) {
        super(geometry.channels * geometry.height * geometry.width, weights.rows() * geometry.cols());
        boolean direct = path == Path.SHIFTED;
        boolean padded = path != Path.IM2COL;
        if (direct && geometry.stride != 1) throw new IllegalArgumentException(name + ": the direct convolution needs stride 1");
        if (path == Path.TILED && !weights.format().equals("dense")) {
            throw new IllegalArgumentException(name + ": the pixel-tiled convolution needs dense weights");
        }
        this.name = name;
        this.weights = weights;
        this.bias = bias;
        this.relu = relu;
        this.batchNormFolded = batchNormFolded;
        this.geometry = geometry;
        this.pointwise = geometry.kh == 1 && geometry.kw == 1 && geometry.stride == 1 && geometry.padding == 0;
        this.pixels = geometry.cols();
        int p = geometry.padding;
        // wide enough for the padding on either side (reads reach p rows and columns past the image at stride 1), and
        // for the output grid, which is 2p - k + 1 larger than the image, to fit one image's share of rows and columns
        this.gap = Math.max(p, Math.max(2 * p - geometry.kh + 1, 2 * p - geometry.kw + 1));
        this.rowStride = geometry.width + gap;
        this.imageRows = geometry.height + gap;
        this.imageFloats = Math.multiplyExact(imageRows, rowStride);
        this.maxGroup = padded ? group(imageFloats, maxBatch) : group(pixels, maxBatch);
        this.channelStride = Math.addExact(Math.multiplyExact(gap + maxGroup * imageRows, rowStride), gap);
        this.tapOrigin = (gap - p) * rowStride + gap - p;
        // the kernel reads up to its largest tap offset past the last position (see ShiftedPlaneConv#accumulate)
        this.padFloats = Math.addExact(Math.multiplyExact(geometry.channels, channelStride),
                tapOrigin + (geometry.kh - 1) * rowStride + geometry.kw + ShiftedPlaneConv.POSITION_MULTIPLE);
        this.tiled = path != Path.TILED ? null : PixelTileConv.ofDense(name, weights.toDense(), weights.rows(),
                geometry.channels, geometry.kh, geometry.kw, channelStride, rowStride, pixelList(geometry, maxGroup,
                        imageFloats, rowStride), PixelTileConv.vectorsFor(weights.rows()));
        this.ldAcc = tiled != null ? tiled.paddedRows() : roundUp(Math.multiplyExact(maxGroup, imageFloats));
        // dense weights get the register-blocked dense form (4 channels per input load); sparse ones the CSR walk
        this.direct = !direct ? null : weights.format().equals("dense")
                ? ShiftedPlaneConv.ofDense(name, weights.toDense(), weights.rows(), geometry.channels, geometry.kh,
                        geometry.kw, channelStride, rowStride)
                : ShiftedPlaneConv.of(name, weights.toDense(), weights.rows(), geometry.channels, geometry.kh,
                        geometry.kw, channelStride, rowStride);
        this.kernels = kernels;
        this.pool = pool;
        this.tuning = tuning;
        this.structures = structures;
    }

    /** Where output pixel (j, oy, ox) of a group's image j reads its tap (0, 0, 0), from the padded planes' origin. */
    private static int[] pixelList(Im2col g, int images, int imageFloats, int rowStride) {
        int s = g.stride, n = g.outH * g.outW;
        int[] list = new int[Math.multiplyExact(images, n)];
        for (int j = 0, i = 0; j < images; j++) {
            for (int oy = 0; oy < g.outH; oy++) {
                for (int ox = 0; ox < g.outW; ox++) list[i++] = j * imageFloats + oy * s * rowStride + ox * s;
            }
        }
        return list;
    }

    /** Images per kernel call for outputs of {@code pixels} pixels and batches of up to {@code batch}. */
    static int group(int pixels, int batch) {
        return Math.max(1, Math.min(batch, TARGET_COLUMNS / pixels));
    }

    /** Floats of column buffer one call needs: one group per thread (0 for a lone pointwise image). */
    int columnFloats() {
        if (direct != null || tiled != null) return Math.multiplyExact(pool.threads(), padFloats);
        if (pointwise && maxGroup == 1) return 0;
        return Math.multiplyExact(pool.threads(), geometry.rows() * maxGroup * pixels);
    }

    /** Floats of output staging one call needs: grouped outputs before they go back to NCHW. */
    int stagingFloats() {
        if (direct != null) return Math.multiplyExact(pool.threads(), Math.multiplyExact(weights.rows(), ldAcc));
        if (tiled != null) return Math.multiplyExact(pool.threads(), Math.multiplyExact(maxGroup * pixels, ldAcc));
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
        if (direct != null) {
            directGroup(ws, slot, in, out, first, count, kernelPool);
            return;
        }
        if (tiled != null) {
            tiledGroup(ws, slot, in, out, first, count, kernelPool);
            return;
        }
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

    private static int roundUp(int positions) {
        int m = ShiftedPlaneConv.POSITION_MULTIPLE;
        return Math.addExact(positions, m - 1) / m * m;
    }

    /** Images [first, first + count) into buffer set {@code slot}'s padded planes; returns where they start. */
    private int padGroup(Workspace ws, int slot, float[] in, int first, int count) {
        float[] pad = ws.columns;
        int padOff = slot * padFloats;
        int h = geometry.height, w = geometry.width;
        for (int c = 0; c < geometry.channels; c++) {
            int base = padOff + c * channelStride;
            java.util.Arrays.fill(pad, base, base + gap * rowStride, 0f);
            for (int j = 0; j < count; j++) {
                padImage(in, (first + j) * inFeatures + c * h * w, h, w, gap, pad, base + (gap + j * imageRows) * rowStride);
            }
        }
        return padOff;
    }

    /** Images [first, first + count) through the pixel-tiled convolution, with buffer set {@code slot}. */
    private void tiledGroup(Workspace ws, int slot, float[] in, float[] out, int first, int count, ComputePool kernelPool) {
        int padOff = padGroup(ws, slot, in, first, count);
        float[] acc = ws.convOutputs;
        int accOff = slot * maxGroup * pixels * ldAcc;
        tiled.accumulate(kernels, ws.columns, padOff + tapOrigin, count * pixels, acc, accOff, ldAcc, kernelPool);
        int rows = weights.rows();
        for (int j = 0; j < count; j++) {
            int dst = (first + j) * outFeatures, src = accOff + j * pixels * ldAcc;
            if (relu) transposeRelu(acc, src, ldAcc, bias, out, dst, rows, pixels);
            else transpose(acc, src, ldAcc, bias, out, dst, rows, pixels);
        }
    }

    /** Pixels per pass of the transposes: their accumulator rows (pixels x ld floats) stay in L1 across the channels. */
    private static final int TRANSPOSE_PIXELS = 16;

    /** out[dst + oc·pixels + i] = acc[src + i·ld + oc] + bias[oc], for oc < rows and i < pixels. */
    private static void transpose(float[] acc, int src, int ld, float[] bias, float[] out, int dst, int rows, int pixels) {
        for (int i0 = 0; i0 < pixels; i0 += TRANSPOSE_PIXELS) {
            int n = Math.min(TRANSPOSE_PIXELS, pixels - i0);
            for (int oc = 0; oc < rows; oc++) {
                float b = bias == null ? 0f : bias[oc];
                for (int i = 0, a = src + i0 * ld + oc, o = dst + oc * pixels + i0; i < n; i++, a += ld) out[o + i] = acc[a] + b;
            }
        }
    }

    /** As {@link #transpose}, then ReLU. */
    private static void transposeRelu(float[] acc, int src, int ld, float[] bias, float[] out, int dst, int rows, int pixels) {
        for (int i0 = 0; i0 < pixels; i0 += TRANSPOSE_PIXELS) {
            int n = Math.min(TRANSPOSE_PIXELS, pixels - i0);
            for (int oc = 0; oc < rows; oc++) {
                float b = bias == null ? 0f : bias[oc];
                for (int i = 0, a = src + i0 * ld + oc, o = dst + oc * pixels + i0; i < n; i++, a += ld) {
                    out[o + i] = Math.max(acc[a] + b, 0f);
                }
            }
        }
    }

    /** Images [first, first + count) through the direct convolution, with buffer set {@code slot}. */
    private void directGroup(Workspace ws, int slot, float[] in, float[] out, int first, int count, ComputePool kernelPool) {
        float[] pad = ws.columns;
        int padOff = padGroup(ws, slot, in, first, count);
        int outH = geometry.outH, outW = geometry.outW;
        int positions = roundUp(((count - 1) * imageRows + outH - 1) * rowStride + outW);
        float[] acc = ws.convOutputs;
        int accOff = slot * weights.rows() * ldAcc;
        direct.accumulate(kernels, pad, padOff + tapOrigin, positions, acc, accOff, ldAcc, kernelPool);
        // the valid positions back to NCHW, with bias and ReLU
        for (int j = 0; j < count; j++) {
            for (int oc = 0; oc < weights.rows(); oc++) {
                float b = bias == null ? 0f : bias[oc];
                int src = accOff + oc * ldAcc + j * imageFloats, dst = (first + j) * outFeatures + oc * pixels;
                if (relu) unpadRelu(acc, src, rowStride, b, out, dst, outH, outW);
                else unpad(acc, src, rowStride, b, out, dst, outH, outW);
            }
        }
    }

    // The copies in and out are small methods of one loop each: C2 compiles them early and apart, so a layer
    // without ReLU after one with it does not deoptimise the step (which, interpreted, ran 30x slower in tuning).

    /** One h x w image of src into rows of gap zeros + w values at dst, then gap zero rows and gap zeros. */
    private static void padImage(float[] src, int srcOff, int h, int w, int gap, float[] dst, int dstOff) {
        int stride = w + gap;
        for (int y = 0; y < h; y++) {
            int row = dstOff + y * stride;
            java.util.Arrays.fill(dst, row, row + gap, 0f);
            System.arraycopy(src, srcOff + y * w, dst, row + gap, w);
        }
        // and the first gap floats after them: the last zero row's right padding (the next image refills them)
        java.util.Arrays.fill(dst, dstOff + h * stride, dstOff + (h + gap) * stride + gap, 0f);
    }

    /** out[dst + oy·outW + ox] = acc[src + oy·ld + ox] + b over an outH x outW plane. */
    private static void unpad(float[] acc, int src, int ld, float b, float[] out, int dst, int outH, int outW) {
        for (int oy = 0; oy < outH; oy++, src += ld, dst += outW) {
            for (int ox = 0; ox < outW; ox++) out[dst + ox] = acc[src + ox] + b;
        }
    }

    /** As {@link #unpad}, then ReLU. */
    private static void unpadRelu(float[] acc, int src, int ld, float b, float[] out, int dst, int outH, int outW) {
        for (int oy = 0; oy < outH; oy++, src += ld, dst += outW) {
            for (int ox = 0; ox < outW; ox++) out[dst + ox] = Math.max(acc[src + ox] + b, 0f);
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
        if (direct != null) sb.append(direct.dense() ? ", direct dense" : ", direct").append(" (shifted padded planes, no im2col)");
        if (tiled != null) sb.append(", direct pixel-tiled (").append(tiled.block()).append(" channels x ")
                .append(tiled.tilePixels()).append(" pixels, no im2col)");
        if (maxGroup > 1) sb.append(", ").append(maxGroup).append(" images per call");
        if (pathTiming != null) sb.append(", ").append(pathTiming);
        if (!structures.isEmpty()) sb.append(" mask has ").append(structures);
        if (tuning != null) sb.append(' ').append(tuning.describe());
        if (sparseTiming != null) sb.append("; ").append(sparseTiming.describe());
        return sb.toString();
    }
}
