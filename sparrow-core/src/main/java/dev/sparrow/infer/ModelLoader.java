package dev.sparrow.infer;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.file.Path;

/** Rebuilds a trained model from its checkpoint, for {@link InferenceSession#loadModel}. */
final class ModelLoader {
    private ModelLoader() {}

    /** See {@link InferenceSession#loadModel}. */
    static Sequential load(Path checkpoint, int[] sampleShape, int classes) throws IOException {
        if (checkpoint == null) throw new IllegalArgumentException("checkpoint path is null");
        CheckpointData data = Checkpoint.read(checkpoint);
        String config = data.config().orElseThrow(() -> new IllegalArgumentException(
                checkpoint + ": checkpoint has no '" + Checkpoint.CONFIG_KEY + "' metadata naming the model"));
        TrainConfig tc = TrainConfig.fromJson(Json.parseObject(config, Json.Limits.of(1 << 20)));
        Sequential model = ModelZoo.create(tc.model(), sampleShape, classes, tc.seed());
        data.restoreInto(model);
        return model;
    }
}
