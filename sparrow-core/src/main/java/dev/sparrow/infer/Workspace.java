package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.tensor.Tensor;

/** The buffers one in-flight call uses: two ping-pong activation buffers and the fallback staging tensors. */
final class Workspace {
    final int slot;
    final float[] a;
    final float[] b;
    /** im2col buffers of the convolution steps (one per thread). */
    final float[] columns;
    /** A sample's outputs while k-WTA selects its winners. */
    final float[] selection;
    /** Grouped convolution outputs before they are copied back to NCHW (one set per thread). */
    final float[] convOutputs;
    private final ExecutionContext context;
    private final Tensor[] staging;
    private final int[] stagingBatch;

    Workspace(int slot, int maxFeatures, int maxBatch, int columnFloats, int stagingFloats, int fallbackSteps, Kernels kernels,
              ComputePool pool) {
        this.slot = slot;
        this.a = new float[Math.multiplyExact(maxFeatures, maxBatch)];
        this.b = new float[Math.multiplyExact(maxFeatures, maxBatch)];
        this.columns = new float[columnFloats];
        this.selection = new float[maxFeatures];
        this.convOutputs = new float[stagingFloats];
        this.context = new ExecutionContext(kernels, pool, 0L).training(false);
        this.staging = new Tensor[fallbackSteps];
        this.stagingBatch = new int[fallbackSteps];
    }

    ExecutionContext context() { return context; }

    /** A [batch, shape...] tensor for fallback step {@code slot}, reused while the batch size stays the same. */
    Tensor staging(int slot, int batch, int[] sampleShape) {
        if (staging[slot] == null || stagingBatch[slot] != batch) {
            int[] shape = new int[sampleShape.length + 1];
            shape[0] = batch;
            System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
            staging[slot] = Tensor.zeros(shape);
            stagingBatch[slot] = batch;
        }
        return staging[slot];
    }
}
