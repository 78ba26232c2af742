package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

/**
 * Max over k×k windows moved by {@code stride}, no padding (output size ⌊(H − k)/stride⌋ + 1 as in
 * PyTorch). Ties go to the first maximum in row-major order; backward routes each output gradient to
 * that position. Work is split over (sample, channel) planes.
 */
public final class MaxPool2d implements Layer {
    private final int kernel, stride;
    private int[] inSample, outSample;
    private Tensor input;      // the caller's tensor during forward
    private Tensor output;     // (batch, c, oh, ow)
    private int[] argmax = new int[0]; // (batch·c·oh·ow) index into the input of each output's maximum
    private Tensor gradOutput; // the caller's tensor during backward
    private Tensor gradInput;  // (batch, c, h, w)
    private final ComputePool.RangeTask forwardTask = this::forwardPlanes;
    private final ComputePool.RangeTask backwardTask = this::backwardPlanes;

    public MaxPool2d(int kernel, int stride) {
        if (kernel < 1) throw new IllegalArgumentException("MaxPool2d: kernel must be >= 1, got " + kernel);
        if (stride < 1) throw new IllegalArgumentException("MaxPool2d: stride must be >= 1, got " + stride);
        this.kernel = kernel;
        this.stride = stride;
    }

    public int kernel() { return kernel; }

    public int stride() { return stride; }

    /** Non-overlapping windows: stride = kernel. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel);
    }

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        Buffers.requireRank(x, 4, describe(), "[batch, channels, height, width]");
        if (!Buffers.sampleShapeEquals(x, inSample)) {
            int[] s = Buffers.sampleShape(x);
            outSample = outputShape(s);
            inSample = s;
        }
        output = Buffers.ensure(output, x.dim(0), outSample);
        if (argmax.length != output.size()) argmax = new int[output.size()];
        input = x;
        ctx.pool().parallelFor(x.dim(0) * inSample[0], 1, forwardTask);
        input = null;
        return output;
    }

    private void forwardPlanes(int from, int to) {
        float[] x = input.data();
        float[] y = output.data();
        int h = inSample[1], w = inSample[2], oh = outSample[1], ow = outSample[2];
        if (kernel == 2 && stride == 2) {
            forwardPlanes2x2(from, to, x, y, h, w, oh, ow);
            return;
        }
        for (int plane = from; plane < to; plane++) {
            int xBase = plane * h * w;
            int yBase = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int start = xBase + oy * stride * w + ox * stride;
                    int best = start;
                    float max = x[start];
                    for (int ky = 0; ky < kernel; ky++) {
                        int row = start + ky * w;
                        for (int kx = 0; kx < kernel; kx++) {
                            float v = x[row + kx];
                            if (v > max || (v != v && max == max)) { // NaN wins, as in PyTorch
                                max = v;
                                best = row + kx;
                            }
                        }
                    }
                    y[yBase + oy * ow + ox] = max;
                    argmax[yBase + oy * ow + ox] = best;
                }
            }
        }
    }

    /** The common 2×2, stride 2 case unrolled; same tie and NaN rules as the general loop. */
    private void forwardPlanes2x2(int from, int to, float[] x, float[] y, int h, int w, int oh, int ow) {
        for (int plane = from; plane < to; plane++) {
            int xBase = plane * h * w;
            int yBase = plane * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int row0 = xBase + 2 * oy * w;
                int row1 = row0 + w;
                int out = yBase + oy * ow;
                for (int ox = 0; ox < ow; ox++) {
                    int i = row0 + 2 * ox;
                    int best = i;
                    float max = x[i];
                    float v = x[i + 1];
                    if (v > max || (v != v && max == max)) { max = v; best = i + 1; }
                    int j = row1 + 2 * ox;
                    v = x[j];
                    if (v > max || (v != v && max == max)) { max = v; best = j; }
                    v = x[j + 1];
                    if (v > max || (v != v && max == max)) { max = v; best = j + 1; }
                    y[out + ox] = max;
                    argmax[out + ox] = best;
                }
            }
        }
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        Buffers.requireGradShape(gradOut, output, describe());
        gradInput = Buffers.ensure(gradInput, output.dim(0), inSample);
        gradOutput = gradOut;
        ctx.pool().parallelFor(output.dim(0) * inSample[0], 1, backwardTask);
        gradOutput = null;
        return gradInput;
    }

    private void backwardPlanes(int from, int to) {
        float[] dy = gradOutput.data();
        float[] dx = gradInput.data();
        int planeIn = inSample[1] * inSample[2];
        int planeOut = outSample[1] * outSample[2];
        java.util.Arrays.fill(dx, from * planeIn, to * planeIn, 0f);
        for (int i = from * planeOut; i < to * planeOut; i++) dx[argmax[i]] += dy[i];
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        Buffers.checkSampleShape(inputShape, 3, describe(), "[channels, height, width]");
        if (inputShape[1] < kernel || inputShape[2] < kernel) {
            throw new IllegalArgumentException(describe() + ": input " + inputShape[1] + "x" + inputShape[2]
                    + " is smaller than the window");
        }
        return new int[] {inputShape[0], (inputShape[1] - kernel) / stride + 1, (inputShape[2] - kernel) / stride + 1};
    }

    @Override
    public String describe() {
        return "MaxPool2d(" + kernel + (stride != kernel ? ", stride " + stride : "") + ")";
    }
}
