package dev.sparrow.nn;

/**
 * A layer that can say how much arithmetic one forward pass of one sample costs, for model summaries
 * and for sizing models to a time budget. Counts 2 FLOPs per multiply-accumulate of the GEMM-shaped
 * work (Linear, Conv2d); element-wise work (ReLU, BatchNorm, pooling) is left out because it is a few
 * percent of the total and is memory-bound anyway. A training step costs about three times this
 * (forward, input gradient, weight gradient).
 */
public interface FlopCounting {

    /** FLOPs of one forward pass for one sample of shape {@code inputShape} (batch excluded). */
    long forwardFlops(int[] inputShape);

    /** The forward FLOPs of {@code layer}, or 0 if it does not count them. */
    static long of(Layer layer, int[] inputShape) {
        return layer instanceof FlopCounting f ? f.forwardFlops(inputShape) : 0L;
    }
}
