package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

/** max(x, 0) element-wise, any shape. Backward passes the gradient where the output is positive. */
public final class ReLU implements Layer {
    private static final int GRAIN = 1 << 14;

    private int[] sample;
    private Tensor output;      // like the input
    private Tensor gradInput;   // like the input
    private Tensor input;       // the caller's tensor during forward
    private Tensor gradOutput;  // the caller's tensor during backward
    private Kernels kernels;
    private final ComputePool.RangeTask forwardTask = this::forwardRange;
    private final ComputePool.RangeTask backwardTask = this::backwardRange;

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        if (x == null || x.rank() < 1) throw new IllegalArgumentException(describe() + ": expected a batch-first input, got " + x);
        if (!Buffers.sampleShapeEquals(x, sample)) sample = Buffers.sampleShape(x);
        output = Buffers.ensure(output, x.dim(0), sample);
        input = x;
        kernels = ctx.kernels();
        ctx.pool().parallelFor(x.size(), GRAIN, forwardTask);
        input = null;
        return output;
    }

    private void forwardRange(int from, int to) {
        kernels.relu(to - from, input.data(), from, output.data(), from);
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        Buffers.requireGradShape(gradOut, output, describe());
        gradInput = Buffers.ensure(gradInput, output.dim(0), sample);
        gradOutput = gradOut;
        kernels = ctx.kernels();
        ctx.pool().parallelFor(gradOut.size(), GRAIN, backwardTask);
        gradOutput = null;
        return gradInput;
    }

    private void backwardRange(int from, int to) {
        kernels.reluBackward(to - from, output.data(), from, gradOutput.data(), from, gradInput.data(), from);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        return inputShape.clone();
    }

    @Override
    public String describe() {
        return "ReLU";
    }
}
