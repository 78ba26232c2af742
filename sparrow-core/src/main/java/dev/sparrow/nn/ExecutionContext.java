package dev.sparrow.nn;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.Kernels;

import java.util.SplittableRandom;

/**
 * What a forward or backward pass runs with: the kernels, the thread pool, whether this is training
 * (dropout, batch statistics) and the random source for stochastic layers (seeded, so runs repeat).
 */
public final class ExecutionContext {
    private final Kernels kernels;
    private final ComputePool pool;
    private SplittableRandom random;
    private boolean training;
    private boolean denseWeightGradients = true;
    private StepPhases phases;

    public ExecutionContext(Kernels kernels, ComputePool pool, long seed) {
        this.kernels = kernels;
        this.pool = pool;
        this.random = new SplittableRandom(seed);
    }

    /** Chosen kernels, serial pool, seed 0: for tests and single-threaded use. */
    public static ExecutionContext defaults() {
        return new ExecutionContext(Backend.get().kernels(), ComputePool.serial(), 0L);
    }

    public Kernels kernels() { return kernels; }

    public ComputePool pool() { return pool; }

    public SplittableRandom random() { return random; }

    /** Restarts the random stream from {@code seed}; the trainer does this before every step. */
    public void reseed(long seed) { this.random = new SplittableRandom(seed); }

    public boolean training() { return training; }

    /**
     * Whether backward passes must write the full dense weight gradient of masked weights (a sparse
     * training method reads it on this step, e.g. RigL's growth). True by default; the trainer clears it
     * on steps no method needs it, so the sparse training engine computes gradients only at active weights.
     * Layers on the masked engine always write it.
     */
    public boolean denseWeightGradients() { return denseWeightGradients; }

    public ExecutionContext denseWeightGradients(boolean on) {
        this.denseWeightGradients = on;
        return this;
    }

    /** Where layers add their time per phase ({@code sparrow bench train --explain}), or null (the default: untimed). */
    public StepPhases phases() { return phases; }

    public ExecutionContext phases(StepPhases phases) {
        this.phases = phases;
        return this;
    }

    public ExecutionContext training(boolean on) {
        this.training = on;
        return this;
    }
}
