package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.FlopCounting;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.init.Init;
import dev.sparrow.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * 2-D convolution over NCHW input by im2col + GEMM, weight [cout, cin, kh, kw] as in PyTorch.
 * Weights start Kaiming normal (fan-in = cin·kh·kw, ReLU gain), biases zero.
 *
 * <p>Samples are processed in fixed groups of G consecutive samples, unfolded side by side into one
 * column matrix [K, G·P] (K = cin·kh·kw, P = output pixels) so that each GEMM is wide enough to run
 * near the kernel's peak even when P is small (49 pixels at 7×7); G is chosen from the layer's shape,
 * the batch size and the engine only. Groups are spread over the pool's threads, each thread with its own buffers
 * and a serial GEMM, so a sample's output and input gradient are computed the same way whatever the
 * thread count. The weight gradient is summed per thread and the partial sums are added in thread
 * order. Backward unfolds the input again rather than keeping B column matrices from forward.
 * Backward gives the dense weight gradient even where a mask is set (see {@link Linear}).
 *
 * <p>On the sparse training engine ({@link #useSparseEngine}) the weight is packed and viewed as [cout, K] in
 * CSR over its mask ({@link PackedRows}, as Linear's engine), and the column matrix is exactly the
 * batch-innermost activation that engine wants ([K][G·P], the group's pixels innermost): forward is the sparse
 * weight times the columns, the weight gradient is computed only at the active weights (a sampled dense-dense
 * product of dY and the columns, vectorised along the pixels), and the column gradient is Wᵀ·dY over Wᵀ in CSR,
 * folded back as on the dense path. Each thread sums its packed weight gradient apart, added in thread order.
 */
public final class Conv2d implements SparseEngineLayer, FlopCounting {
    /** Target GEMM width (G·P columns): wide enough to amortise packing the weight. */
    private static final int TARGET_COLUMNS = 1024;
    /** Cap on one thread's column buffer, in floats (4 MiB). */
    private static final int MAX_COLUMN_FLOATS = 1 << 20;

    /**
     * Cap on one thread's column buffer on the sparse engine, in floats (1 MiB). Its kernels gain nothing from
     * wide groups (no packing to amortise), and the dW pass reads a column row per active weight: a smaller
     * buffer is read from L2 rather than L3 (the CNN's step ran about 10% faster than with the dense cap).
     */
    private static final int SPARSE_COLUMN_FLOATS = 1 << 18;
    /** Groups per batch the sparse engine keeps at least, so that threads have groups to share. */
    private static final int MIN_SPARSE_GROUPS = 16;

    private final int cin, cout, kh, kw, stride, padding;
    private final Parameter weight; // (cout, cin, kh, kw) = (cout, K)
    private final Parameter bias;   // (cout,) or null

    private Im2col geometry;         // for the last input's height and width
    private int[] inSample;          // (cin, h, w)
    private int[] outSample;         // (cout, oh, ow)
    private Tensor input;            // (batch, cin, h, w), the caller's tensor
    private Tensor output;           // (batch, cout, oh, ow)
    private Tensor gradOutput;       // (batch, cout, oh, ow), the caller's tensor during backward
    private Tensor gradInput;        // (batch, cin, h, w)
    private float[][] columns = new float[0][];     // per thread (K, G·P)
    private float[][] products = new float[0][];    // per thread (cout, G·P): output or gradient of a group
    private float[][] weightGrads = new float[0][];  // per thread (cout·K)
    private float[][] biasGrads = new float[0][];    // per thread (cout)
    private float[][] packedGrads = new float[0][];  // per thread (nnz): the sparse engine's weight gradient
    private PackedRows sparse;       // the sparse training engine, or null for the masked dense one
    private boolean inputGradientWanted;
    private boolean denseGradientWanted;
    private int group;               // G: samples per GEMM
    private int groups;              // ⌈batch / G⌉
    private int slices;              // threads in use
    private ComputePool gemmPool;    // the context's pool when one slice runs, else serial
    private Kernels kernels;
    private final ComputePool.RangeTask forwardTask = this::forwardSlices;
    private final ComputePool.RangeTask backwardTask = this::backwardSlices;

    public Conv2d(int cin, int cout, int kh, int kw, int stride, int padding, boolean bias, SplittableRandom rng) {
        if (cin < 1 || cout < 1) throw new IllegalArgumentException("Conv2d: channels must be >= 1, got cin=" + cin + ", cout=" + cout);
        if (kh < 1 || kw < 1) throw new IllegalArgumentException("Conv2d: kernel must be >= 1, got " + kh + "x" + kw);
        if (stride < 1) throw new IllegalArgumentException("Conv2d: stride must be >= 1, got " + stride);
        if (padding < 0) throw new IllegalArgumentException("Conv2d: padding must be >= 0, got " + padding);
        if (rng == null) throw new IllegalArgumentException("Conv2d: rng is null");
        this.cin = cin;
        this.cout = cout;
        this.kh = kh;
        this.kw = kw;
        this.stride = stride;
        this.padding = padding;
        Tensor w = Tensor.zeros(cout, cin, kh, kw);
        Init.kaimingNormal(w, Init.RELU_GAIN, rng);
        this.weight = new Parameter("weight", w, true);
        this.bias = bias ? new Parameter("bias", Tensor.zeros(cout), false) : null;
    }

    public Conv2d(int cin, int cout, int kh, int kw, int stride, int padding, boolean bias, long seed) {
        this(cin, cout, kh, kw, stride, padding, bias, new SplittableRandom(seed));
    }

    /** Square kernel. */
    public Conv2d(int cin, int cout, int kernel, int stride, int padding, boolean bias, SplittableRandom rng) {
        this(cin, cout, kernel, kernel, stride, padding, bias, rng);
    }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    public int inChannels() { return cin; }

    public int outChannels() { return cout; }

    public int kernelHeight() { return kh; }

    public int kernelWidth() { return kw; }

    public int stride() { return stride; }

    public int padding() { return padding; }

    /**
     * Switches this layer to the sparse training engine (on: the weight is packed, forward and backward visit
     * only its active weights; see the class comment) or back to the masked dense one. Needs a mask and at most
     * 65536 weights per output channel (16-bit indices).
     */
    public void useSparseEngine(boolean on) {
        if (on) {
            if (!weight.hasMask()) throw new IllegalStateException(describe() + ": the sparse engine needs a mask");
            int k = cin * kh * kw;
            if (!PackedRows.fits(k) || !PackedRows.fits(cout)) {
                throw new IllegalStateException(describe() + ": too many weights per channel for the sparse engine");
            }
            if (!weight.isPacked()) weight.pack();
            if (sparse == null) sparse = new PackedRows(weight, describe(), cout, k);
        } else {
            weight.unpack();
            sparse = null;
        }
    }

    /** Whether the sparse training engine runs this layer. */
    public boolean usesSparseEngine() { return sparse != null && weight.isPacked(); }

    /** The sample shape [cin, height, width] of the last input, or null before the first forward. */
    public int[] lastInputSample() { return inSample == null ? null : inSample.clone(); }

    /** The unfolding of this convolution for samples of {@code height} x {@code width}. */
    public Im2col geometry(int height, int width) {
        return new Im2col(cin, height, width, kh, kw, stride, padding);
    }

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        Buffers.requireRank(x, 4, describe(), "[batch, " + cin + ", height, width]");
        if (!Buffers.sampleShapeEquals(x, inSample)) {
            int[] s = Buffers.sampleShape(x);
            outSample = outputShape(s);
            inSample = s;
            geometry = new Im2col(cin, s[1], s[2], kh, kw, stride, padding);
            group = 0;
        }
        int batch = x.dim(0);
        output = Buffers.ensure(output, batch, outSample);
        input = x;
        prepare(batch, ctx);
        if (usesSparseEngine()) sparse.refresh();
        ctx.pool().parallelFor(slices, 1, forwardTask);
        return output;
    }

    /** Sizes the groups for this batch and makes sure every thread has its buffers. */
    private void prepare(int batch, ExecutionContext ctx) {
        int p = geometry.cols();
        int k = geometry.rows();
        int g = usesSparseEngine()
                ? Math.max(1, Math.min(Math.min(batch, batch / MIN_SPARSE_GROUPS), SPARSE_COLUMN_FLOATS / Math.max(1, k * p)))
                : Math.max(1, Math.min(batch, Math.min((TARGET_COLUMNS + p - 1) / p, MAX_COLUMN_FLOATS / Math.max(1, k * p))));
        if (g != group) {
            group = g;
            columns = new float[0][];
            products = new float[0][];
        }
        groups = (batch + group - 1) / group;
        slices = Math.max(1, Math.min(groups, ctx.pool().threads()));
        gemmPool = slices == 1 ? ctx.pool() : ComputePool.serial();
        kernels = ctx.kernels();
        if (columns.length < slices) {
            columns = grow(columns, slices, k * group * p);
            products = grow(products, slices, cout * group * p);
        }
    }

    private static float[][] grow(float[][] old, int n, int size) {
        float[][] a = new float[n][];
        for (int i = 0; i < n; i++) a[i] = i < old.length ? old[i] : new float[size];
        return a;
    }

    private int firstGroup(int slice) {
        return (int) ((long) groups * slice / slices);
    }

    private void forwardSlices(int from, int to) {
        for (int s = from; s < to; s++) {
            for (int g = firstGroup(s); g < firstGroup(s + 1); g++) forwardGroup(g, columns[s], products[s]);
        }
    }

    private void forwardGroup(int g, float[] col, float[] prod) {
        int k = geometry.rows();
        int p = geometry.cols();
        int first = g * group;
        int count = Math.min(group, input.dim(0) - first);
        int ld = count * p;
        int inSize = cin * geometry.height * geometry.width;
        float[] x = input.data();
        for (int i = 0; i < count; i++) geometry.unfold(x, (first + i) * inSize, col, i * p, ld);
        // prod (cout, count·P) = W (cout, K) · col (K, count·P)
        if (usesSparseEngine()) {
            sparse.forward(col, ld, prod, null, gemmPool);
        } else {
            kernels.gemm(false, false, cout, ld, k, weight.value().data(), 0, k, col, 0, ld, 0f, prod, 0, ld, gemmPool);
        }
        float[] y = output.data();
        float[] bv = bias == null ? null : bias.value().data();
        for (int i = 0; i < count; i++) {
            int yBase = (first + i) * cout * p;
            for (int c = 0; c < cout; c++) {
                int src = c * ld + i * p;
                int dst = yBase + c * p;
                if (bv == null) {
                    System.arraycopy(prod, src, y, dst, p);
                } else {
                    float b = bv[c];
                    for (int j = 0; j < p; j++) y[dst + j] = prod[src + j] + b;
                }
            }
        }
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        return backward(gradOut, ctx, true);
    }

    /** The weight and bias gradients without the input gradient (nobody reads it: the model's first layer). */
    @Override
    public void backwardParameters(Tensor gradOut, ExecutionContext ctx) {
        backward(gradOut, ctx, false);
    }

    private Tensor backward(Tensor gradOut, ExecutionContext ctx, boolean inputGradient) {
        Buffers.requireGradShape(gradOut, output, describe());
        int batch = output.dim(0);
        if (inputGradient) gradInput = Buffers.ensure(gradInput, batch, inSample);
        gradOutput = gradOut;
        inputGradientWanted = inputGradient;
        prepare(batch, ctx);
        boolean packed = usesSparseEngine();
        denseGradientWanted = !packed || ctx.denseWeightGradients();
        int kSize = cout * geometry.rows();
        if (weightGrads.length < slices) {
            // the weight size is fixed, so old partial buffers always fit
            weightGrads = grow(weightGrads, slices, kSize);
            biasGrads = grow(biasGrads, slices, cout);
        }
        if (packed) {
            sparse.refresh();
            int nnz = sparse.nonzeros();
            // a repack may change the number of active weights (GMP prunes gradually)
            if (packedGrads.length < slices || packedGrads[0].length != nnz) packedGrads = new float[slices][nnz];
            if (inputGradient) sparse.gatherTransposed(ctx.pool());
        }
        ctx.pool().parallelFor(slices, 1, backwardTask);
        if (packed) {
            float[] gw = weight.packedGrads();
            for (int s = 0; s < slices; s++) {
                float[] part = packedGrads[s];
                for (int i = 0; i < gw.length; i++) gw[i] += part[i];
            }
        }
        if (denseGradientWanted) {
            float[] gw = weight.grad().data();
            for (int s = 0; s < slices; s++) {
                float[] part = weightGrads[s];
                for (int i = 0; i < kSize; i++) gw[i] += part[i];
            }
            if (packed) weight.denseGradWritten();
        }
        if (bias != null) {
            float[] gb = bias.grad().data();
            for (int s = 0; s < slices; s++) {
                float[] part = biasGrads[s];
                for (int c = 0; c < cout; c++) gb[c] += part[c];
            }
        }
        gradOutput = null;
        return inputGradient ? gradInput : null;
    }

    private void backwardSlices(int from, int to) {
        for (int s = from; s < to; s++) {
            if (denseGradientWanted) java.util.Arrays.fill(weightGrads[s], 0f);
            if (usesSparseEngine()) java.util.Arrays.fill(packedGrads[s], 0f);
            java.util.Arrays.fill(biasGrads[s], 0f);
            for (int g = firstGroup(s); g < firstGroup(s + 1); g++) {
                backwardGroup(g, columns[s], products[s], weightGrads[s], biasGrads[s], usesSparseEngine() ? packedGrads[s] : null);
            }
        }
    }

    /** @param packedGw the packed weight gradient's partial sum on the sparse engine, else null */
    private void backwardGroup(int g, float[] col, float[] prod, float[] gw, float[] gb, float[] packedGw) {
        int k = geometry.rows();
        int p = geometry.cols();
        int first = g * group;
        int count = Math.min(group, output.dim(0) - first);
        int ld = count * p;
        int inSize = cin * geometry.height * geometry.width;
        float[] x = input.data();
        for (int i = 0; i < count; i++) geometry.unfold(x, (first + i) * inSize, col, i * p, ld);
        // gather dY of the group into prod (cout, count·P), summing the bias gradient on the way
        float[] dy = gradOutput.data();
        for (int i = 0; i < count; i++) {
            int base = (first + i) * cout * p;
            for (int c = 0; c < cout; c++) {
                int src = base + c * p;
                int dst = c * ld + i * p;
                System.arraycopy(dy, src, prod, dst, p);
                if (bias != null) {
                    float acc = 0f;
                    for (int j = 0; j < p; j++) acc += dy[src + j];
                    gb[c] += acc;
                }
            }
        }
        // dW (cout, K) += dY (cout, count·P) · colᵀ (count·P, K): at the active weights on the sparse engine, and
        // dense where the masked engine runs or a method reads the dense gradient this step
        if (packedGw != null) sparse.weightGradient(prod, col, ld, packedGw, gemmPool);
        if (denseGradientWanted) kernels.gemm(false, true, cout, k, ld, prod, 0, ld, col, 0, ld, 1f, gw, 0, k, gemmPool);
        if (!inputGradientWanted) return;
        // dcol (K, count·P) = Wᵀ (K, cout) · dY (cout, count·P), folded back onto each sample's pixels
        if (packedGw != null) {
            sparse.inputGradient(prod, ld, col, gemmPool);
        } else {
            kernels.gemm(true, false, k, ld, cout, weight.value().data(), 0, k, prod, 0, ld, 0f, col, 0, ld, gemmPool);
        }
        float[] dx = gradInput.data();
        for (int i = 0; i < count; i++) geometry.fold(col, i * p, ld, dx, (first + i) * inSize);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        Buffers.checkSampleShape(inputShape, 3, describe(), "[" + cin + ", height, width]");
        if (inputShape[0] != cin) {
            throw new IllegalArgumentException(describe() + ": expected " + cin + " input channels but got sample shape "
                    + java.util.Arrays.toString(inputShape));
        }
        int h = inputShape[1] + 2 * padding - kh;
        int w = inputShape[2] + 2 * padding - kw;
        if (h < 0 || w < 0) {
            throw new IllegalArgumentException(describe() + ": input " + inputShape[1] + "x" + inputShape[2]
                    + " (padded by " + padding + ") is smaller than the kernel " + kh + "x" + kw);
        }
        return new int[] {cout, h / stride + 1, w / stride + 1};
    }

    @Override
    public long forwardFlops(int[] inputShape) {
        int[] o = outputShape(inputShape);
        long pixels = (long) o[1] * o[2];
        return pixels * cout * (2L * cin * kh * kw + (bias != null ? 1 : 0));
    }

    @Override
    public List<Parameter> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    @Override
    public String describe() {
        return "Conv2d(" + cin + "->" + cout + ", " + kh + "x" + kw
                + (stride != 1 ? ", stride " + stride : "") + (padding != 0 ? ", pad " + padding : "")
                + (bias == null ? ", no bias" : "") + ")";
    }
}
