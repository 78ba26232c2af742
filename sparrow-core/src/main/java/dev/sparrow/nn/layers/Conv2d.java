package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.FlopCounting;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.init.Init;
import dev.sparrow.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * 2-D convolution over NCHW input by im2col + GEMM, weight [cout, cin, kh, kw] as in PyTorch.
 * Weights start Kaiming normal (fan-in = cin·kh·kw, ReLU gain), biases zero.
 *
 * <p>The batch is split into one contiguous slice per thread; each slice unfolds one sample at a time
 * into its own column buffer (K × P floats, K = cin·kh·kw, P = output pixels) and runs a serial GEMM,
 * so every sample's output is computed the same way whatever the thread count. The weight gradient is
 * summed per slice and the slices are added in order. Backward unfolds the input again rather than
 * keeping B column matrices from forward (that would cost B·K·P floats). A 1×1 convolution with
 * stride 1 and no padding skips the unfolding. Backward gives the dense weight gradient even where a
 * mask is set (see {@link Linear}).
 */
public final class Conv2d implements Layer, FlopCounting {
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
    private float[][] columns = new float[0][];     // per slice (K·P)
    private float[][] weightGrads = new float[0][];  // per slice (cout·K)
    private float[][] biasGrads = new float[0][];    // per slice (cout)
    private int slices;
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

    /** Square kernel. */
    public Conv2d(int cin, int cout, int kernel, int stride, int padding, boolean bias, SplittableRandom rng) {
        this(cin, cout, kernel, kernel, stride, padding, bias, rng);
    }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    private boolean isPointwise() {
        return kh == 1 && kw == 1 && stride == 1 && padding == 0;
    }

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        Buffers.requireRank(x, 4, describe(), "[batch, " + cin + ", height, width]");
        if (!Buffers.sampleShapeEquals(x, inSample)) {
            int[] s = Buffers.sampleShape(x);
            outSample = outputShape(s);
            inSample = s;
            geometry = new Im2col(cin, s[1], s[2], kh, kw, stride, padding);
            columns = new float[0][];
            weightGrads = new float[0][];
            biasGrads = new float[0][];
        }
        int batch = x.dim(0);
        output = Buffers.ensure(output, batch, outSample);
        input = x;
        kernels = ctx.kernels();
        prepareSlices(batch, ctx.pool().threads());
        ctx.pool().parallelFor(slices, 1, forwardTask);
        return output;
    }

    private void prepareSlices(int batch, int threads) {
        slices = Math.max(1, Math.min(batch, threads));
        if (columns.length < slices) {
            int colSize = isPointwise() ? 0 : geometry.rows() * geometry.cols();
            float[][] c = new float[slices][];
            for (int i = 0; i < slices; i++) c[i] = i < columns.length ? columns[i] : new float[colSize];
            columns = c;
        }
    }

    private void forwardSlices(int from, int to) {
        int batch = input.dim(0);
        for (int s = from; s < to; s++) {
            int first = (int) ((long) batch * s / slices);
            int end = (int) ((long) batch * (s + 1) / slices);
            for (int n = first; n < end; n++) forwardSample(n, columns[s]);
        }
    }

    private void forwardSample(int n, float[] col) {
        int k = geometry.rows();
        int p = geometry.cols();
        float[] x = input.data();
        int xOff = n * cin * geometry.height * geometry.width;
        float[] b = x;
        int bOff = xOff;
        if (!isPointwise()) {
            geometry.unfold(x, xOff, col, 0);
            b = col;
            bOff = 0;
        }
        float[] y = output.data();
        int yOff = n * cout * p;
        kernels.gemm(false, false, cout, p, k, weight.value().data(), 0, k, b, bOff, p,
                0f, y, yOff, p, ComputePool.serial());
        if (bias != null) {
            float[] bv = bias.value().data();
            for (int c = 0; c < cout; c++) {
                float v = bv[c];
                int row = yOff + c * p;
                for (int i = 0; i < p; i++) y[row + i] += v;
            }
        }
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        Buffers.requireGradShape(gradOut, output, describe());
        int batch = input.dim(0);
        gradInput = Buffers.ensure(gradInput, batch, inSample);
        gradOutput = gradOut;
        kernels = ctx.kernels();
        prepareSlices(batch, ctx.pool().threads());
        int kSize = cout * geometry.rows();
        if (weightGrads.length < slices) {
            float[][] w = new float[slices][];
            float[][] b = new float[slices][];
            for (int i = 0; i < slices; i++) {
                w[i] = i < weightGrads.length ? weightGrads[i] : new float[kSize];
                b[i] = i < biasGrads.length ? biasGrads[i] : new float[cout];
            }
            weightGrads = w;
            biasGrads = b;
        }
        ctx.pool().parallelFor(slices, 1, backwardTask);
        float[] gw = weight.grad().data();
        for (int s = 0; s < slices; s++) {
            float[] part = weightGrads[s];
            for (int i = 0; i < kSize; i++) gw[i] += part[i];
        }
        if (bias != null) {
            float[] gb = bias.grad().data();
            for (int s = 0; s < slices; s++) {
                float[] part = biasGrads[s];
                for (int c = 0; c < cout; c++) gb[c] += part[c];
            }
        }
        gradOutput = null;
        return gradInput;
    }

    private void backwardSlices(int from, int to) {
        int batch = input.dim(0);
        for (int s = from; s < to; s++) {
            java.util.Arrays.fill(weightGrads[s], 0f);
            java.util.Arrays.fill(biasGrads[s], 0f);
            int first = (int) ((long) batch * s / slices);
            int end = (int) ((long) batch * (s + 1) / slices);
            for (int n = first; n < end; n++) backwardSample(n, columns[s], weightGrads[s], biasGrads[s]);
        }
    }

    private void backwardSample(int n, float[] col, float[] gw, float[] gb) {
        int k = geometry.rows();
        int p = geometry.cols();
        float[] x = input.data();
        int xOff = n * cin * geometry.height * geometry.width;
        float[] g = gradOutput.data();
        int gOff = n * cout * p;
        boolean pointwise = isPointwise();
        float[] cols = x;
        int colsOff = xOff;
        if (!pointwise) {
            geometry.unfold(x, xOff, col, 0);
            cols = col;
            colsOff = 0;
        }
        // dW (cout, K) += dY_n (cout, P) · colᵀ (P, K)
        kernels.gemm(false, true, cout, k, p, g, gOff, p, cols, colsOff, p, 1f, gw, 0, k, ComputePool.serial());
        if (bias != null) {
            for (int c = 0; c < cout; c++) {
                float acc = 0f;
                int row = gOff + c * p;
                for (int i = 0; i < p; i++) acc += g[row + i];
                gb[c] += acc;
            }
        }
        // dcol (K, P) = Wᵀ (K, cout) · dY_n (cout, P), then fold back onto the input pixels
        float[] dx = gradInput.data();
        if (pointwise) {
            kernels.gemm(true, false, k, p, cout, weight.value().data(), 0, k, g, gOff, p, 0f, dx, xOff, p, ComputePool.serial());
        } else {
            kernels.gemm(true, false, k, p, cout, weight.value().data(), 0, k, g, gOff, p, 0f, col, 0, p, ComputePool.serial());
            geometry.fold(col, 0, dx, xOff);
        }
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
