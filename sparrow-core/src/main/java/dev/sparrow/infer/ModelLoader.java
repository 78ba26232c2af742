package dev.sparrow.infer;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.io.CheckpointModels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Rebuilds a trained model from its checkpoint, for {@link InferenceSession#loadModel}. */
final class ModelLoader {
    private ModelLoader() {}

    /** See {@link InferenceSession#loadModel(Path)}. */
    static SavedModel load(Path checkpoint) throws IOException {
        CheckpointData data = read(checkpoint);
        Optional<ModelSpec> saved = data.modelSpec();
        if (saved.isPresent()) return new SavedModel(rebuild(data, saved.get()), saved.get(), Optional.empty());
        ModelSpec spec = ModelSpec.fashionMnist(legacyArchitecture(data));
        String note = checkpoint + " was written before checkpoints described their model: assuming Fashion-MNIST"
                + " (1 x 28 x 28 images, its 10 class names, mean " + ModelSpec.FASHION_MNIST_MEAN + ", std "
                + ModelSpec.FASHION_MNIST_STD + ")";
        return new SavedModel(rebuild(data, spec), spec, Optional.of(note));
    }

    /** See {@link InferenceSession#loadModel(Path, int[], int)}: the caller's shape and class count win. */
    static Sequential load(Path checkpoint, int[] sampleShape, int classes) throws IOException {
        CheckpointData data = read(checkpoint);
        String architecture = data.modelSpec().map(ModelSpec::architecture).orElseGet(() -> legacyArchitecture(data));
        return rebuild(data, new ModelSpec(architecture, sampleShape, ModelSpec.numberedClasses(classes), 0, 1));
    }

    private static CheckpointData read(Path checkpoint) throws IOException {
        if (checkpoint == null) throw new IllegalArgumentException("checkpoint path is null");
        return Checkpoint.read(checkpoint);
    }

    private static String legacyArchitecture(CheckpointData data) {
        return data.legacyArchitecture().orElseThrow(() -> new IllegalArgumentException(data.file()
                + ": checkpoint has neither '" + Checkpoint.SPEC_KEY + "' nor '" + Checkpoint.CONFIG_KEY
                + "' metadata naming the model"));
    }

    private static Sequential rebuild(CheckpointData data, ModelSpec spec) {
        // checked against the file's size before building (the name is user input); the seed only draws initial
        // weights, which the checkpoint replaces
        return CheckpointModels.build(data, spec.architecture(), spec.sampleShape(), spec.classes(), 0);
    }
}
