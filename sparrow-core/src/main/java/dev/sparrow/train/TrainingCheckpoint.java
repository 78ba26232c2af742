package dev.sparrow.train;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.nn.Layer;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole training state in one checkpoint: the model through {@link Checkpoint} and
 * {@link CheckpointData#restoreInto}, the optimizer through its own {@link Optimizer#state()} and
 * {@link Optimizer#loadState}. It lives here rather than in io so that io does not depend on optim.
 */
public final class TrainingCheckpoint {
    private TrainingCheckpoint() {}

    /**
     * Saves {@code model}, the optimizer's state and name ({@value Checkpoint#OPTIMIZER_KEY},
     * {@value Checkpoint#OPTIMIZER_STEP_KEY}) and a sparse training method's state, atomically.
     */
    public static void save(Path file, Layer model, Optimizer optimizer, Map<String, Tensor> sparsityState,
                            Map<String, String> metadata) throws IOException {
        if (optimizer == null) throw new IllegalArgumentException("optimizer is null");
        if (metadata == null) throw new IllegalArgumentException("metadata is null");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.OPTIMIZER_KEY, optimizer.describe());
        meta.put(Checkpoint.OPTIMIZER_STEP_KEY, Long.toString(optimizer.stepCount()));
        meta.putAll(metadata);
        Checkpoint.save(file, model, optimizer.state(), sparsityState, meta);
    }

    /**
     * Copies parameters, masks and buffers into {@code model} and the optimizer state into
     * {@code optimizer}. Both are checked before either changes: a missing, extra or mis-shaped tensor
     * is an {@link IllegalArgumentException} listing each such tensor by name.
     */
    public static void restore(CheckpointData saved, Layer model, Optimizer optimizer) {
        if (optimizer == null) throw new IllegalArgumentException("optimizer is null");
        List<String> problems = saved.problems(model);
        Map<String, Tensor> optimizerState = saved.optimizerState();
        addOptimizerProblems(optimizer, optimizerState, problems);
        if (!problems.isEmpty()) throw saved.doesNotFit(model, problems);
        try {
            optimizer.loadState(optimizerState);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("checkpoint " + saved.file() + ": optimizer " + optimizer.describe()
                    + " rejected the saved state: " + e.getMessage(), e);
        }
        saved.restoreInto(model);
    }

    private static void addOptimizerProblems(Optimizer optimizer, Map<String, Tensor> saved, List<String> problems) {
        Map<String, Tensor> current = optimizer.state();
        // An optimizer may create its state lazily; then only its own loadState can judge the names.
        if (current.isEmpty()) return;
        for (Map.Entry<String, Tensor> e : current.entrySet()) {
            Tensor s = saved.get(e.getKey());
            String name = Checkpoint.OPTIMIZER_PREFIX + e.getKey();
            if (s == null) {
                problems.add("optimizer state '" + name + "' " + e.getValue().shapeString() + " is missing from the checkpoint");
            } else if (!Arrays.equals(s.shape(), e.getValue().shape())) {
                problems.add("optimizer state '" + name + "' has shape " + s.shapeString() + "; expected " + e.getValue().shapeString());
            }
        }
        for (String key : saved.keySet()) {
            if (!current.containsKey(key)) {
                problems.add("optimizer state '" + Checkpoint.OPTIMIZER_PREFIX + key + "' is in the checkpoint but "
                        + optimizer.describe() + " has no such state");
            }
        }
    }
}
