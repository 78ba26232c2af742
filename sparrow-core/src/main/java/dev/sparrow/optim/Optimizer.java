package dev.sparrow.optim;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.tensor.Tensor;

import java.util.Map;

/**
 * Updates parameters from their gradients. Created over a named, ordered parameter map (see
 * {@code Modules.namedParameters}); a masked weight stays exactly zero through every step, including
 * momentum and weight decay.
 */
public interface Optimizer {

    /** Applies one update with the given learning rate, then re-applies each parameter's mask. */
    void step(float learningRate);

    /**
     * The same step with its work split over {@code pool} (the training step's threads); the result does not
     * depend on the pool's size. By default the step runs on the calling thread.
     */
    default void step(float learningRate, ComputePool pool) {
        step(learningRate);
    }

    /** Zeroes every parameter's gradient. */
    void zeroGrad();

    /** Number of steps taken so far (restored from checkpoints). */
    long stepCount();

    /**
     * Named state tensors for checkpoints, e.g. "0.weight.momentum" or "0.weight.adam_m", plus any
     * scalars stored as one-element tensors. Returned tensors are live: reading them after a step sees it.
     */
    Map<String, Tensor> state();

    /** Restores state produced by {@link #state()}; names or shapes that do not match are an error. */
    void loadState(Map<String, Tensor> state);

    /**
     * Zeroes the optimizer state of single weights of one parameter (for regrown connections in
     * sparse training: they start with fresh momentum and moments).
     */
    void resetState(String parameterName, int[] flatIndices);

    /** Name and hyper-parameters for run configs, e.g. "sgd(momentum=0.9,nesterov=true,wd=5e-4)". */
    String describe();
}
