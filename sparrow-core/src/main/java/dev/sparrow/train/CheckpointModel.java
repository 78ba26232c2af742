package dev.sparrow.train;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.io.CheckpointModels;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.util.Echo;
import dev.sparrow.util.Json;


/**
 * Rebuilds the model a checkpoint's run config names and loads the checkpoint into it. The config is user
 * input: a 13 KB file naming {@code mlp-1000000-1000} once made eval allocate 6 GB. So the model's size is
 * computed from its name first and must equal the parameter values the file holds (already read, so bounded
 * by the file's size) before anything is built; names and shapes are then checked before the copy.
 */
public final class CheckpointModel {
    private CheckpointModel() {}

    /** The run config in the checkpoint's metadata, typed; a missing or malformed one is named. */
    public static TrainConfig config(CheckpointData data) {
        String json = data.config().orElseThrow(() -> new IllegalArgumentException(data.file()
                + ": no run config ('" + Checkpoint.CONFIG_KEY + "') in the checkpoint metadata; was it written by 'sparrow train'?"));
        try {
            return TrainConfig.fromJson(Json.parseObject(json, Json.Limits.of(1 << 20)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(data.file() + ": metadata '" + Checkpoint.CONFIG_KEY + "': "
                    + Echo.of(e.getMessage()), e);
        }
    }

    /** {@link #config}'s model, checked against the file's size, built and loaded from the file. */
    public static Sequential load(CheckpointData data, int[] sampleShape, int classes) {
        return load(data, config(data), sampleShape, classes);
    }

    /** As {@link #load(CheckpointData, int[], int)} with the config already read. */
    public static Sequential load(CheckpointData data, TrainConfig config, int[] sampleShape, int classes) {
        return CheckpointModels.build(data, config.model(), sampleShape, classes, config.seed());
    }
}
