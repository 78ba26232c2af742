package dev.sparrow.infer;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.train.CheckpointModel;

import java.io.IOException;
import java.nio.file.Path;

/** Rebuilds a trained model from its checkpoint, for {@link InferenceSession#loadModel}. */
final class ModelLoader {
    private ModelLoader() {}

    /** See {@link InferenceSession#loadModel}. */
    static Sequential load(Path checkpoint, int[] sampleShape, int classes) throws IOException {
        if (checkpoint == null) throw new IllegalArgumentException("checkpoint path is null");
        CheckpointData data = Checkpoint.read(checkpoint);
        // checked against the file's size before building: the config is user input (see CheckpointModel)
        return CheckpointModel.load(data, sampleShape, classes);
    }
}
