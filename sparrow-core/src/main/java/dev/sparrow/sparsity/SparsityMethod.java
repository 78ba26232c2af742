package dev.sparrow.sparsity;

import dev.sparrow.optim.Optimizer;
import dev.sparrow.sparse.Structure;
import dev.sparrow.tensor.Tensor;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A sparse training method: sets the initial masks of the sparse layers, then may change them after
 * optimizer steps. Layers come from {@link SparsityBudget}; a layer whose budget is its whole size
 * stays dense (no mask).
 *
 * <p>Calling order in training (see {@code train.SparseTraining}): the trainer runs forward, backward and
 * {@code optimizer.step}, then {@link #afterStep}. The gradients are cleared only by the next step's
 * {@code zeroGrad}, so {@code afterStep} still sees the dense gradient of the step just taken
 * ({@code Parameter.grad()} is dense even at masked weights: layers compute it in full).
 */
public interface SparsityMethod {

    /**
     * Binds the method to its layers and the optimizer (whose state is reset for regrown weights;
     * may be null) and draws the initial masks from {@code rng}.
     */
    void initialize(List<LayerBudget> layers, Optimizer optimizer, SplittableRandom rng);

    /**
     * Binds like {@link #initialize} (drawing the same seeds from {@code rng}) but keeps the masks the
     * parameters already have, e.g. restored from a checkpoint.
     */
    void resume(List<LayerBudget> layers, Optimizer optimizer, SplittableRandom rng);

    /** Called after optimizer step {@code step} (1-based count of steps taken) of {@code totalSteps}. */
    void afterStep(long step, long totalSteps);

    /**
     * Whether {@link #afterStep} for this step reads the dense gradient; every other step could be
     * computed fully sparse. By default every step does (the safe answer, and N:M SR-STE's: its
     * straight-through estimator reads it always); {@link AbstractSparsityMethod} answers per step.
     */
    default boolean needsDenseGradient(long step, long totalSteps) { return true; }

    /**
     * Whether {@link #afterStep} for this step may change masks or weights, so that a packed (sparse
     * engine) parameter must be repacked after it; by default every step may.
     */
    default boolean updatesMasksAt(long step, long totalSteps) { return true; }

    /**
     * The structure every mask this method sets has, after {@link #initialize} and after every update,
     * so an inference planner can skip the formats that cannot hold it; the default promises nothing.
     */
    default Structure structure() { return Structure.UNSTRUCTURED; }

    /** The bound layers (empty before {@link #initialize}). */
    List<LayerBudget> layers();

    /**
     * State the method keeps outside the parameters, masks and optimizer, which a checkpoint must hold
     * for an exact resume (live views; saved under {@code sparsity.<key>}); empty by default.
     */
    default Map<String, Tensor> state() { return Map.of(); }

    /**
     * Restores {@link #state()} after {@link #resume}; by default there is none and a non-empty state
     * is an error.
     */
    default void loadState(Map<String, Tensor> state) {
        if (state != null && !state.isEmpty()) {
            throw new IllegalArgumentException(describe() + " keeps no state of its own, but the checkpoint has " + state.keySet());
        }
    }

    /** Name and settings for run configs, e.g. "rigl(dt=100,end=0.75,alpha=0.3)". */
    String describe();
}
