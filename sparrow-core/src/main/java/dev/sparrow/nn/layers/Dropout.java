package dev.sparrow.nn.layers;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Inverted dropout: in training each element is kept with probability 1 − p and scaled by 1/(1 − p),
 * so evaluation is the identity (the input itself is returned). The keep pattern comes from
 * {@code ctx.random()} in element order, on the calling thread, so seeded runs repeat exactly;
 * backward applies the same pattern.
 */
public final class Dropout implements Layer {
    private final double p;
    private final float scale;
    private int[] sample;
    private Tensor output;     // like the input
    private Tensor gradInput;  // like the input
    private float[] keep = new float[0]; // 0 or 1/(1 − p) per element of the last training forward
    private boolean trainedForward;
    private Tensor lastOutput;

    public Dropout(double p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
        this.scale = (float) (1.0 / (1.0 - p));
    }

    public double p() { return p; }

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        if (x == null || x.rank() < 1) throw new IllegalArgumentException(describe() + ": expected a batch-first input, got " + x);
        trainedForward = ctx.training() && p > 0;
        if (!trainedForward) {
            lastOutput = x;
            return x;
        }
        if (!Buffers.sampleShapeEquals(x, sample)) sample = Buffers.sampleShape(x);
        output = Buffers.ensure(output, x.dim(0), sample);
        if (keep.length != x.size()) keep = new float[x.size()];
        SplittableRandom rng = ctx.random();
        float[] in = x.data();
        float[] out = output.data();
        for (int i = 0; i < in.length; i++) {
            float k = rng.nextDouble() < p ? 0f : scale;
            keep[i] = k;
            out[i] = in[i] * k;
        }
        lastOutput = output;
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        Buffers.requireGradShape(gradOut, lastOutput, describe());
        if (!trainedForward) return gradOut;
        gradInput = Buffers.ensure(gradInput, gradOut.dim(0), sample);
        float[] g = gradOut.data();
        float[] d = gradInput.data();
        for (int i = 0; i < g.length; i++) d[i] = g[i] * keep[i];
        return gradInput;
    }

    /** The keep factors of the last training forward (0 or 1/(1 − p)), for tests. */
    float[] keepFactors() { return keep; }

    @Override
    public int[] outputShape(int[] inputShape) {
        return inputShape.clone();
    }

    @Override
    public String describe() {
        return "Dropout(" + p + ")";
    }
}
