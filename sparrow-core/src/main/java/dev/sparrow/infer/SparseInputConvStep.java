package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;
import dev.sparrow.nn.layers.Im2col;

import java.util.Arrays;

/**
 * A stride-1 convolution whose input is a k-WTA output: only the nonzero input positions are visited
 * (input-stationary scatter). Each nonzero x[ci][iy][ix] is multiplied into every output pixel its patch reaches,
 * through the nonzero weights of input channel ci only, so the work is (nonzero inputs) × (nonzero weights of a
 * channel whose kernel row lands inside the output): the two sparsities multiply. A following BatchNorm is folded
 * in, a ReLU fused.
 *
 * <p>Weights are packed per kernel position (ci, ky, kx), a kernel row's positions contiguous: for each nonzero
 * weight its output channel and kernel column as one precomputed offset into an accumulator. For one nonzero input
 * and one kernel row, the kernel columns whose products land inside the output are one run of entries (16 or so
 * for 95%-sparse 64 → 64 5×5: 64 · 5 · 0.05), multiply-added with no bounds test. An earlier version looped over
 * (kernel row, kernel column) and then over the two or three output channels of that kernel position; those short
 * loops of varying length mispredicted their exits and the step took twice as long. The accumulator rows are
 * wider than the output by kw − 1 columns (offsets never go negative) and kernel rows are bounded per input row
 * (the rows whose output row is inside the image).
 *
 * <p>Each input row's nonzeros are first compacted branch-free into (column, value) lists, as a k-WTA leaves them
 * scattered at random (a branch per input mispredicted on one in ten). The accumulator of one image
 * (cout × outH × paddedWidth, 32 KiB for gsc-cnn's second conv) stays in L1/L2 and is copied to the NCHW output
 * with the bias and the ReLU at the end. A batch is split over the pool by samples, each thread with its own
 * accumulator (in the workspace's column buffer).
 *
 * <p>The second layout ({@link #channelBlocks}, built when given {@link ScatterKernels}) vectorises over output
 * channels: the accumulator is channels-last, [outH][paddedWidth][channels rounded up to the block], and the
 * weights of each kernel position (ci, ky, kx) are kept as the blocks of {@link ScatterKernels#lanes()} consecutive
 * output channels that hold a nonzero (at 95% sparsity and 8 lanes about a third of the blocks: 2.7 per position
 * against 3.2 single weights), so a nonzero input adds to a block of output channels with one vector load, multiply,
 * add and store. The output pass transposes to NCHW with the bias and the ReLU. Which layout wins is timed per layer
 * ({@link SparseInputChooser}).
 */
final class SparseInputConvStep extends Step {
    final String name;
    private final Im2col geometry;
    private final int outChannels;
    /** Columns of an accumulator row: the input width, plus the padding, plus kw − 1 margin columns. */
    private final int paddedWidth;
    /**
     * One output channel's accumulator: outH × paddedWidth, plus 16 floats so that planes 8 apart are not 4 KiB apart
     * (a load from a place 4 KiB from a pending store waits for it: 4K aliasing).
     */
    private final int paddedPlane;
    /** Block layout: floats of one accumulator row, paddedWidth × paddedChannels plus one block (against 4K aliasing). */
    private final int rowFloats;
    /**
     * (cin·kh·kw + 1,): where the nonzero weights of each kernel position (ci, ky, kx) start; those of one kernel
     * row are contiguous and sorted by kx, so the columns that reach the output from an input column are one run.
     */
    private final int[] positionStart;
    /** Per nonzero weight: oc · paddedPlane + (kw − 1) + padding − kx, its product's place from (output row, ix). */
    private final int[] offset;
    private final float[] values;
    private final float[] bias;   // (cout,), may be null
    private final boolean relu;
    private final boolean batchNormFolded;
    final long nnz;
    /** The timing that chose this step over the weight-sparse one, or null when untimed. */
    SparseInputChooser.Result timing;
    private final ComputePool pool;
    /** The channels-last block layout's kernels, or null for the per-channel-plane scalar layout. */
    private final ScatterKernels channelBlocks;
    /** Lanes of a block (channelBlocks' lanes) and the accumulator's channels (cout rounded up to them). */
    private final int lanes, paddedChannels;
    /** Block layout: per kernel position the start of its blocks (cols + 1), each block's offset and lanes values. */
    private final int[] blockStart;
    private final int[] blockOffset;
    private final float[] blockValues;
    /** Complementary layout: slots (groups of output channels) per kernel position; 0 for the other layouts. */
    private final int slots;

    /** {@code weights} row-major [cout][cin·kh·kw] (BatchNorm folded, masked weights 0). */
    SparseInputConvStep(String name, float[] weights, int cout, float[] bias, boolean relu, boolean batchNormFolded,
                        Im2col geometry, ComputePool pool) {
        this(name, weights, cout, bias, relu, batchNormFolded, geometry, pool, null);
    }

    /**
     * As above; with {@code channelBlocks} non-null the channels-last layout whose inner loop is those kernels
     * (blocks of their {@link ScatterKernels#lanes()} output channels).
     */
    SparseInputConvStep(String name, float[] weights, int cout, float[] bias, boolean relu, boolean batchNormFolded,
                        Im2col geometry, ComputePool pool, ScatterKernels channelBlocks) {
        this(name, weights, cout, bias, relu, batchNormFolded, geometry, pool, channelBlocks, 0);
    }

    /**
     * The complementary packed layout, or null when {@code weights} are not complementary (no group of 4 or more
     * consecutive output channels whose masks are disjoint, see {@link #complementaryGroup}): every kernel position
     * holds one slot per group of output channels, its weight (0 where no channel of the group has one there) and
     * the accumulator offset of its owner. A nonzero input then makes one fixed-length pass over a kernel row's
     * slots (kw · groups, every kernel column: the accumulator's margin columns take the products that fall outside
     * the output) and routes each product to its owner: no loop whose length depends on the data.
     */
    static SparseInputConvStep complementary(String name, float[] weights, int cout, float[] bias, boolean relu,
                                             boolean batchNormFolded, Im2col geometry, ComputePool pool) {
        int n = complementaryGroup(weights, cout, geometry.rows());
        return n < 4 ? null : new SparseInputConvStep(name, weights, cout, bias, relu, batchNormFolded, geometry, pool, null, n);
    }

    /**
     * The largest n (up to 256) such that in every group of n consecutive rows of {@code weights} [rows][cols] at
     * most one weight per column is nonzero (Numenta's complementary sparsity), or 1 when only n = 1 holds.
     */
    static int complementaryGroup(float[] weights, int rows, int cols) {
        int[] seen = new int[cols];
        for (int n = Math.min(rows, 256); n > 1; n--) {
            boolean disjoint = true;
            for (int g = 0; g * n < rows && disjoint; g++) {
                Arrays.fill(seen, 0);
                for (int r = g * n; r < Math.min(rows, (g + 1) * n) && disjoint; r++) {
                    for (int c = 0; c < cols; c++) {
                        if (weights[r * cols + c] == 0f) continue;
                        if (seen[c]++ > 0) {
                            disjoint = false;
                            break;
                        }
                    }
                }
            }
            if (disjoint) return n;
        }
        return 1;
    }

    private SparseInputConvStep(String name, float[] weights, int cout, float[] bias, boolean relu, boolean batchNormFolded,
                                Im2col geometry, ComputePool pool, ScatterKernels channelBlocks, int groupSize) {
        super(geometry.channels * geometry.height * geometry.width, cout * geometry.cols());
        if (geometry.stride != 1 || geometry.padding >= geometry.kw) {
            throw new IllegalArgumentException(name + ": sparse-input convolution needs stride 1 and padding < kernel width");
        }
        if (weights.length != cout * geometry.rows()) {
            throw new IllegalArgumentException(name + ": weights have " + weights.length + " values, expected "
                    + cout + " x " + geometry.rows());
        }
        this.name = name;
        this.geometry = geometry;
        this.outChannels = cout;
        this.paddedWidth = geometry.width + geometry.padding + geometry.kw - 1;
        this.paddedPlane = Math.addExact(Math.multiplyExact(geometry.outH, paddedWidth), SKEW);
        this.channelBlocks = channelBlocks;
        this.lanes = channelBlocks == null ? 1 : channelBlocks.lanes();
        this.paddedChannels = (cout + lanes - 1) / lanes * lanes;
        this.rowFloats = Math.addExact(Math.multiplyExact(paddedWidth, paddedChannels), lanes);
        Math.multiplyExact(paddedChannels, paddedPlane); // the accumulator's size must be an int
        Math.multiplyExact(geometry.outH, rowFloats);
        int kw = geometry.kw, cols = geometry.rows();
        if (channelBlocks != null) {
            // blocks of `lanes` output channels per kernel position, those with a nonzero only, sorted by position
            int blocksPerPosition = paddedChannels / lanes;
            blockStart = new int[cols + 1];
            for (int c = 0; c < cols; c++) {
                int n = 0;
                for (int b = 0; b < blocksPerPosition; b++) {
                    boolean any = false;
                    for (int r = b * lanes; r < Math.min(cout, (b + 1) * lanes); r++) any |= weights[r * cols + c] != 0f;
                    n += any ? 1 : 0;
                }
                blockStart[c + 1] = blockStart[c] + n;
            }
            int blocks = blockStart[cols];
            blockOffset = new int[blocks];
            blockValues = new float[Math.multiplyExact(blocks, lanes)];
            long count = 0;
            for (int c = 0, p = 0; c < cols; c++) {
                int kx = c % kw;
                for (int b = 0; b < blocksPerPosition; b++) {
                    boolean any = false;
                    for (int r = b * lanes; r < Math.min(cout, (b + 1) * lanes); r++) any |= weights[r * cols + c] != 0f;
                    if (!any) continue;
                    // (oy·pw + ix)·C + this: output (oy, ox = ix + pad − kx, channel b·lanes + l) at column left + ox
                    blockOffset[p] = (geometry.padding + kw - 1 - kx) * paddedChannels + b * lanes;
                    for (int r = b * lanes; r < Math.min(cout, (b + 1) * lanes); r++) {
                        float w = weights[r * cols + c];
                        blockValues[p * lanes + r - b * lanes] = w;
                        count += w != 0f ? 1 : 0;
                    }
                    p++;
                }
            }
            nnz = count;
            slots = 0;
            positionStart = null;
            offset = null;
            values = null;
            this.bias = bias;
            this.relu = relu;
            this.batchNormFolded = batchNormFolded;
            this.pool = pool;
            return;
        }
        blockStart = null;
        blockOffset = null;
        blockValues = null;
        if (groupSize > 0) {
            // complementary: per kernel position one slot per group of groupSize channels, its owner's offset
            int groups = (cout + groupSize - 1) / groupSize;
            slots = groups;
            positionStart = null;
            offset = new int[Math.multiplyExact(cols, groups)];
            values = new float[offset.length];
            long count = 0;
            for (int c = 0; c < cols; c++) {
                int kx = c % kw;
                for (int g = 0; g < groups; g++) {
                    int owner = g * groupSize; // a slot no channel owns adds 0 to the group's first
                    float w = 0f;
                    for (int r = g * groupSize; r < Math.min(cout, (g + 1) * groupSize); r++) {
                        if (weights[r * cols + c] != 0f) {
                            owner = r;
                            w = weights[r * cols + c];
                            count++;
                        }
                    }
                    offset[c * groups + g] = owner * paddedPlane + kw - 1 + geometry.padding - kx;
                    values[c * groups + g] = w;
                }
            }
            nnz = count;
            this.bias = bias;
            this.relu = relu;
            this.batchNormFolded = batchNormFolded;
            this.pool = pool;
            return;
        }
        slots = 0;
        // kernel positions (ci, ky, kx) in order, so a kernel row's entries are sorted by kx
        positionStart = new int[cols + 1];
        for (int r = 0; r < cout; r++) {
            for (int c = 0; c < cols; c++) if (weights[r * cols + c] != 0f) positionStart[c + 1]++;
        }
        for (int c = 0; c < cols; c++) positionStart[c + 1] += positionStart[c];
        nnz = positionStart[cols];
        offset = new int[(int) nnz];
        values = new float[(int) nnz];
        int[] next = Arrays.copyOf(positionStart, cols);
        for (int r = 0; r < cout; r++) {
            for (int c = 0; c < cols; c++) {
                float w = weights[r * cols + c];
                if (w == 0f) continue;
                int kx = c % kw;
                int p = next[c]++;
                offset[p] = r * paddedPlane + kw - 1 + geometry.padding - kx;
                values[p] = w;
            }
        }
        this.bias = bias;
        this.relu = relu;
        this.batchNormFolded = batchNormFolded;
        this.pool = pool;
    }

    /** Floats of one image's accumulator. */
    private int accumulatorFloats() {
        return channelBlocks != null ? geometry.outH * rowFloats : paddedChannels * paddedPlane;
    }

    /** Floats between two channel planes of the per-plane accumulator beyond outH × paddedWidth. */
    private static final int SKEW = 16;

    /** Floats of the workspace's column buffer this step needs: one accumulator per thread. */
    int columnFloats() { return Math.multiplyExact(accumulatorFloats(), pool.threads()); }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        int slots = Math.min(pool.threads(), batch);
        if (slots == 1) {
            for (int s = 0; s < batch; s++) image(ws, 0, in, s * inFeatures, out, s * outFeatures);
            return;
        }
        KernelCall<SparseInputConvStep, Workspace> call = KernelCall.of(this, ws);
        call.x = in;
        call.y = out;
        call.batch = batch;
        call.evenly(pool, slots, 1, SparseInputConvStep::slots); // one range of samples per slot: its own accumulator
    }

    private static void slots(KernelCall<SparseInputConvStep, Workspace> call, int from, int to) {
        SparseInputConvStep step = call.target;
        int batch = call.batch, slots = Math.min(step.pool.threads(), batch);
        for (int slot = from; slot < to; slot++) {
            int first = (int) ((long) batch * slot / slots), last = (int) ((long) batch * (slot + 1) / slots);
            for (int s = first; s < last; s++) {
                step.image(call.context, slot, call.x, s * step.inFeatures, call.y, s * step.outFeatures);
            }
        }
    }

    /**
     * One image: scatter its nonzero inputs into the accumulator of {@code slot}, then bias, ReLU, NCHW. The three
     * layouts share the walk; they differ in the weights' lists, the accumulator's strides and the inner loop.
     */
    private void image(Workspace ws, int slot, float[] x, int xOff, float[] y, int yOff) {
        Im2col g = geometry;
        int oh = g.outH, h = g.height, w = g.width, kh = g.kh, pad = g.padding, pw = paddedWidth;
        float[] acc = ws.columns;
        int a0 = slot * accumulatorFloats();
        Arrays.fill(acc, a0, a0 + accumulatorFloats(), 0f);
        int[] cols = ws.activeIndex;
        float[] vals = ws.activeValues;
        int l0 = slot * (cols.length / pool.threads()); // this slot's part of the (column, value) lists
        ScatterKernels k = channelBlocks; // null: per-channel planes, one product at a time
        int[] start = k == null ? positionStart : blockStart, off = k == null ? offset : blockOffset;
        float[] wv = k == null ? values : blockValues;
        // accumulator floats per output row and per input column: planes (pw, 1), channels-last (rowFloats, C)
        int rowStride = k == null ? pw : rowFloats, colStride = k == null ? 1 : paddedChannels;
        int ow = g.outW, kw = g.kw;
        for (int ci = 0; ci < g.channels; ci++) {
            for (int iy = 0; iy < h; iy++) {
                int rowBase = xOff + (ci * h + iy) * w;
                int m = compact(x, rowBase, w, cols, vals, l0);
                if (m == l0) continue;
                // the kernel rows whose output row oy = iy + pad - ky is inside the output
                int kyFrom = Math.max(0, iy + pad - oh + 1), kyTo = Math.min(kh, iy + pad + 1);
                for (int ky = kyFrom; ky < kyTo; ky++) {
                    int kr = (ci * kh + ky) * kw;
                    if (slots == 0 && start[kr] == start[kr + kw]) continue;
                    int rowAcc = a0 + (iy + pad - ky) * rowStride;
                    for (int j = l0; j < m; j++) {
                        int ix = cols[j];
                        // the kernel columns whose output column ix + pad - kx is inside the output: one run; for
                        // the complementary slots every column (fixed length; the margin columns take the rest)
                        int from = slots > 0 ? kr * slots : start[kr + Math.max(0, ix + pad - ow + 1)];
                        int to = slots > 0 ? from + kw * slots : start[kr + Math.min(kw, ix + pad + 1)];
                        int b = rowAcc + ix * colStride;
                        float v = vals[j];
                        if (k != null) k.scatter(acc, b, off, wv, from, to, v);
                        else for (int p = from; p < to; p++) acc[b + off[p]] += wv[p] * v;
                    }
                }
            }
        }
        if (k == null) planesToOutput(acc, a0, y, yOff);
        else blocksToOutput(acc, a0, y, yOff);
    }

    /** Compacts x[rowBase, rowBase + w)'s nonzeros into (column, value) lists from l0; returns their end. */
    private static int compact(float[] x, int rowBase, int w, int[] cols, float[] vals, int l0) {
        int m = l0;
        for (int ix = 0; ix < w; ix++) { // branch-free: a k-WTA leaves its winners at random
            float v = x[rowBase + ix];
            cols[m] = ix;
            vals[m] = v;
            m += v != 0f ? 1 : 0;
        }
        return m;
    }

    /** The per-plane accumulator from a0 to NCHW with the bias and the ReLU (output column ox at column kw − 1 + ox). */
    private void planesToOutput(float[] acc, int a0, float[] y, int yOff) {
        int oh = geometry.outH, ow = geometry.outW, pw = paddedWidth, left = geometry.kw - 1;
        for (int co = 0; co < outChannels; co++) {
            float bc = bias == null ? 0f : bias[co];
            for (int oy = 0; oy < oh; oy++) {
                int src = a0 + co * paddedPlane + oy * pw + left, dst = yOff + (co * oh + oy) * ow;
                if (relu) for (int ox = 0; ox < ow; ox++) y[dst + ox] = Math.max(acc[src + ox] + bc, 0f);
                else for (int ox = 0; ox < ow; ox++) y[dst + ox] = acc[src + ox] + bc;
            }
        }
    }

    /** The channels-last accumulator from a0 to NCHW with the bias and the ReLU (a transpose). */
    private void blocksToOutput(float[] acc, int a0, float[] y, int yOff) {
        int oh = geometry.outH, ow = geometry.outW, cp = paddedChannels, left = geometry.kw - 1;
        for (int co = 0; co < outChannels; co++) {
            float bc = bias == null ? 0f : bias[co];
            for (int oy = 0; oy < oh; oy++) {
                int src = a0 + oy * rowFloats + left * cp + co, dst = yOff + (co * oh + oy) * ow;
                if (relu) for (int ox = 0; ox < ow; ox++) y[dst + ox] = Math.max(acc[src + ox * cp] + bc, 0f);
                else for (int ox = 0; ox < ow; ox++) y[dst + ox] = acc[src + ox * cp] + bc;
            }
        }
    }

    @Override
    String format() {
        return channelBlocks != null ? "sparse-input channel blocks" : slots > 0 ? "sparse-input complementary packed"
                : "sparse-input scatter";
    }

    @Override
    String describe() {
        double density = (double) nnz / ((double) outChannels * geometry.rows());
        return String.format("%s: Conv2d(%d->%d, %dx%d%s) on %dx%d%s%s density %.3f format %s "
                        + "(nonzero inputs only, after k-WTA)", name, geometry.channels, outChannels, geometry.kh, geometry.kw,
                geometry.padding != 0 ? ", pad " + geometry.padding : "", geometry.height, geometry.width,
                batchNormFolded ? "+BatchNorm(folded)" : "", relu ? "+ReLU" : "", density,
                channelBlocks != null ? "sparse-input channel blocks (" + channelBlocks.name() + ")"
                        : slots > 0 ? "sparse-input complementary packed (" + slots + " slots per kernel position)"
                        : "sparse-input scatter")
                + (timing == null ? "" : "; " + timing.describe());
    }
}
