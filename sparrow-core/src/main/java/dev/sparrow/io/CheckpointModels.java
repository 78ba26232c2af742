package dev.sparrow.io;

import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.util.Echo;
import dev.sparrow.util.Json;
import dev.sparrow.util.JsonException;

import java.util.Map;

/**
 * Builds the model-zoo model a checkpoint names and loads the checkpoint into it. The name is user input: a
 * 13 KB file naming {@code mlp-1000000-1000} once made eval allocate 6 GB. So the model's size is computed from
 * its name first and must equal the parameter values the file holds (already read, so bounded by the file's
 * size) before anything is built; names and shapes are then checked before the copy.
 */
public final class CheckpointModels {
    private CheckpointModels() {}

    /** The model {@code architecture} names, checked against the file's size, built and loaded from the file. */
    public static Sequential build(CheckpointData data, String architecture, int[] sampleShape, int classes, long seed) {
        long needed = ModelZoo.parameterCount(architecture, sampleShape, classes);
        long held = parameterValues(data);
        if (needed != held) {
            throw new IllegalArgumentException(data.file() + ": model " + Echo.quote(architecture) + " has " + needed
                    + " parameters but the file holds " + held + " parameter values; the file does not fit its own config");
        }
        Sequential model = ModelZoo.create(architecture, sampleShape, classes, seed);
        data.restoreInto(model);
        return model;
    }

    /** Elements of the tensors that are neither masks, buffers, optimizer nor sparsity state. */
    public static long parameterValues(CheckpointData data) {
        java.util.Set<String> buffers = bufferNames(data);
        long n = 0;
        for (Map.Entry<String, TensorData> e : data.tensors().entrySet()) {
            String name = e.getKey();
            if (name.startsWith(Checkpoint.OPTIMIZER_PREFIX) || name.startsWith(Checkpoint.SPARSITY_PREFIX)
                    || buffers.contains(name) || isMaskOfNeighbour(data, name)) {
                continue;
            }
            n += e.getValue().elementCount();
        }
        return n;
    }

    private static boolean isMaskOfNeighbour(CheckpointData data, String name) {
        return name.endsWith(Checkpoint.MASK_SUFFIX)
                && data.tensors().containsKey(name.substring(0, name.length() - Checkpoint.MASK_SUFFIX.length()));
    }

    private static java.util.Set<String> bufferNames(CheckpointData data) {
        java.util.Set<String> names = new java.util.HashSet<>();
        String json = data.metadata().get(Checkpoint.BUFFERS_KEY);
        if (json == null) return names;
        try {
            if (Json.parse(json, json.length()) instanceof java.util.List<?> list) {
                for (Object o : list) if (o instanceof String s) names.add(s);
            }
        } catch (JsonException e) {
            // without the list every F32 tensor counts, and the count check then names the mismatch
        }
        return names;
    }
}
