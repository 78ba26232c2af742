package dev.sparrow.train;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.ResidualBlock;
import dev.sparrow.nn.layers.Sequential;

/**
 * Estimates the activation memory of one training step and refuses a batch the heap cannot hold before anything
 * is allocated: the batch size and the model are each allowed alone (a CNN at batch 128, an MLP at batch 60,000),
 * but a CNN at batch 60,000 needs tens of GB and otherwise ends in OutOfMemoryError deep inside a layer.
 *
 * <p>The estimate is a lower bound of what the layers keep: every layer's output and its gradient, plus a
 * convolution's im2col columns; a residual block counts four of its outputs (two convolutions, their batch norms).
 */
public final class TrainingMemory {
    private TrainingMemory() {}

    /** Floats one sample needs in a training step of this model (forward outputs, gradients, im2col columns). */
    public static long floatsPerSample(Layer model, int[] sampleShape) {
        long total = 0;
        int[] shape = sampleShape;
        for (Layer layer : model instanceof Sequential s ? s.children() : java.util.List.of(model)) {
            int[] out = layer.outputShape(shape);
            long outSize = size(out);
            total += 2 * outSize; // the output kept for backward, and its gradient
            if (layer instanceof Conv2d c && out.length == 3) {
                total += (long) c.inChannels() * c.kernelHeight() * c.kernelWidth() * out[1] * out[2];
            } else if (layer instanceof ResidualBlock) {
                total += 6 * outSize;
            }
            shape = out;
        }
        return total;
    }

    /** Throws IllegalArgumentException naming the batch, the estimate and the heap when they do not fit. */
    public static void check(Layer model, int[] sampleShape, int batchSize, long heapBytes) {
        long perSample = 4 * floatsPerSample(model, sampleShape);
        long need = perSample > Long.MAX_VALUE / Math.max(1, batchSize) ? Long.MAX_VALUE : perSample * batchSize;
        if (need > heapBytes) {
            throw new IllegalArgumentException("batch size " + batchSize + " needs about " + (need >> 20)
                    + " MB of activations for one training step (" + (perSample >> 10) + " KB per sample); the heap"
                    + " holds at most " + (heapBytes >> 20) + " MB (-Xmx): use a smaller batch size");
        }
    }

    private static long size(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
