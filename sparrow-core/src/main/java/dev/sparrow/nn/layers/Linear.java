package dev.sparrow.nn.layers;

import dev.sparrow.kernel.Kernels;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.FlopCounting;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.StepPhases;
import dev.sparrow.nn.init.Init;
import dev.sparrow.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * y = x·Wᵀ + b with W stored [out, in] as in PyTorch. Input [batch, in], output [batch, out].
 * Weights start Kaiming normal (fan-in, ReLU gain; see {@link Init}), biases zero.
 *
 * <p>A masked weight is already zero in {@link Parameter#value()}, so forward needs no mask. Backward
 * computes the full dense weight gradient, masked positions included, because RigL-style methods
 * grow connections where that gradient is large; the optimizer keeps masked weights at zero.
 */
public final class Linear implements SparseEngineLayer, FlopCounting {
    private final int in;
    private final int out;
    private final Parameter weight; // (out, in)
    private final Parameter bias;   // (out,) or null

    private Tensor input;     // (batch, in), the caller's tensor from the last forward
    private Tensor output;    // (batch, out)
    private Tensor gradInput; // (batch, in)
    private final int[] outSample;
    private final int[] inSample;
    private SparseLinearEngine sparse; // the sparse training engine, or null for the masked dense one

    public Linear(int in, int out, boolean bias, SplittableRandom rng) {
        if (in < 1) throw new IllegalArgumentException("Linear: in must be >= 1, got " + in);
        if (out < 1) throw new IllegalArgumentException("Linear: out must be >= 1, got " + out);
        if (rng == null) throw new IllegalArgumentException("Linear: rng is null");
        this.in = in;
        this.out = out;
        Tensor w = Tensor.zeros(out, in);
        Init.kaimingNormal(w, Init.RELU_GAIN, rng);
        this.weight = new Parameter("weight", w, true);
        this.bias = bias ? new Parameter("bias", Tensor.zeros(out), false) : null;
        this.inSample = new int[] {in};
        this.outSample = new int[] {out};
    }

    public Linear(int in, int out, boolean bias, long seed) {
        this(in, out, bias, new SplittableRandom(seed));
    }

    public Parameter weight() { return weight; }

    /** The bias, or null when built without one. */
    public Parameter bias() { return bias; }

    /**
     * Switches this layer to the sparse training engine (on: the weight is packed, forward and backward
     * visit only its active weights; see {@link SparseLinearEngine}) or back to the masked dense one.
     * Needs a mask and at most 65536 inputs (16-bit column indices).
     */
    public void useSparseEngine(boolean on) {
        if (on) {
            if (!weight.hasMask()) throw new IllegalStateException(describe() + ": the sparse engine needs a mask");
            if (!SparseLinearEngine.fits(in)) throw new IllegalStateException(describe() + ": too many inputs for the sparse engine");
            if (!weight.isPacked()) weight.pack();
            if (sparse == null) sparse = new SparseLinearEngine(this);
        } else {
            weight.unpack();
            sparse = null;
        }
    }

    /** Whether the sparse training engine runs this layer. */
    public boolean usesSparseEngine() { return sparse != null && weight.isPacked(); }

    public int inFeatures() { return in; }

    public int outFeatures() { return out; }

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        Buffers.requireRank(x, 2, describe(), "[batch, " + in + "]");
        if (x.dim(1) != in) {
            throw new IllegalArgumentException(describe() + ": expected input [batch, " + in + "] but got " + x.shapeString());
        }
        int batch = x.dim(0);
        output = Buffers.ensure(output, batch, outSample);
        input = x;
        if (usesSparseEngine()) {
            sparse.forward(x, output, ctx);
            return output;
        }
        Kernels k = ctx.kernels();
        k.gemm(false, true, batch, out, in, x.data(), 0, in, weight.value().data(), 0, in,
                0f, output.data(), 0, out, ctx.pool());
        if (bias != null) k.addBiasRows(batch, out, bias.value().data(), 0, output.data(), 0, out);
        input = x;
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput, ExecutionContext ctx) {
        return backward(gradOutput, ctx, true);
    }

    /** The weight and bias gradients without the input gradient (nobody reads it: the model's first layer). */
    @Override
    public void backwardParameters(Tensor gradOutput, ExecutionContext ctx) {
        backward(gradOutput, ctx, false);
    }

    private Tensor backward(Tensor gradOutput, ExecutionContext ctx, boolean inputGradient) {
        Buffers.requireGradShape(gradOutput, output, describe());
        int batch = input.dim(0);
        Kernels k = ctx.kernels();
        float[] g = gradOutput.data();
        long t = StepPhases.now(ctx.phases());
        if (bias != null) k.sumRows(batch, out, g, 0, out, bias.grad().data(), 0);
        StepPhases.lap(ctx.phases(), StepPhases.Phase.BIAS_GRAD, t);
        if (inputGradient) gradInput = Buffers.ensure(gradInput, batch, inSample);
        if (usesSparseEngine()) {
            sparse.backward(gradOutput, input, inputGradient ? gradInput : null, ctx);
            return inputGradient ? gradInput : null;
        }
        // dW (out, in) += dYᵀ (out, batch) · X (batch, in)
        k.gemm(true, false, out, in, batch, g, 0, out, input.data(), 0, in,
                1f, weight.grad().data(), 0, in, ctx.pool());
        if (!inputGradient) return null;
        // dX (batch, in) = dY (batch, out) · W (out, in)
        k.gemm(false, false, batch, in, out, g, 0, out, weight.value().data(), 0, in,
                0f, gradInput.data(), 0, in, ctx.pool());
        return gradInput;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        Buffers.checkSampleShape(inputShape, 1, describe(), "[" + in + "]");
        if (inputShape[0] != in) {
            throw new IllegalArgumentException(describe() + ": expected a sample shape [" + in + "] but got [" + inputShape[0] + "]");
        }
        return new int[] {out};
    }

    @Override
    public long forwardFlops(int[] inputShape) {
        return 2L * in * out + (bias != null ? out : 0);
    }

    @Override
    public List<Parameter> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    @Override
    public String describe() {
        return "Linear(" + in + "->" + out + (bias == null ? ", no bias" : "") + ")";
    }
}
