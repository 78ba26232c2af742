package dev.sparrow.infer;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/** Rebuilds a trained model from its checkpoint, for {@link InferenceSession#loadModel}. */
final class ModelLoader {
    private ModelLoader() {}

    /** See {@link InferenceSession#loadModel(Path)}. */
    static SavedModel load(Path checkpoint) throws IOException {
        if (checkpoint == null) throw new IllegalArgumentException("checkpoint path is null");
        CheckpointData data = Checkpoint.read(checkpoint);
        Optional<ModelSpec> saved = data.modelSpec();
        ModelSpec spec;
        Optional<String> note = Optional.empty();
        if (saved.isPresent()) {
            spec = saved.get();
        } else {
            String architecture = data.legacyArchitecture().orElseThrow(() -> new IllegalArgumentException(
                    checkpoint + ": checkpoint has neither '" + Checkpoint.SPEC_KEY + "' nor '" + Checkpoint.CONFIG_KEY
                            + "' metadata naming the model"));
            spec = ModelSpec.fashionMnist(architecture);
            note = Optional.of(checkpoint + " was written before checkpoints described their model: assuming Fashion-MNIST"
                    + " (1 x 28 x 28 images, its 10 class names, mean " + ModelSpec.FASHION_MNIST_MEAN + ", std "
                    + ModelSpec.FASHION_MNIST_STD + ")");
        }
        return new SavedModel(rebuild(data, spec), spec, note);
    }

    /** See {@link InferenceSession#loadModel(Path, int[], int)}. */
    static Sequential load(Path checkpoint, int[] sampleShape, int classes) throws IOException {
        SavedModel m = load(checkpoint);
        if (Arrays.equals(m.spec().sampleShape(), sampleShape) && m.spec().classes() == classes) return m.model();
        CheckpointData data = Checkpoint.read(checkpoint);
        ModelSpec asked = new ModelSpec(m.spec().architecture(), sampleShape, ModelSpec.numberedClasses(classes),
                m.spec().mean(), m.spec().std());
        return rebuild(data, asked);
    }

    private static Sequential rebuild(CheckpointData data, ModelSpec spec) {
        // the seed only draws initial weights, which the checkpoint replaces
        Sequential model = ModelZoo.create(spec.architecture(), spec.sampleShape(), spec.classes(), 0);
        data.restoreInto(model);
        return model;
    }
}
