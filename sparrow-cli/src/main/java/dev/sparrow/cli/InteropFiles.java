package dev.sparrow.cli;

import dev.sparrow.data.FashionMnist;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** What 'sparrow export' and 'sparrow import' share: checkpoint loading, sample shapes, output checks. */
final class InteropFiles {
    /** Metadata of a checkpoint made by 'sparrow import': the sample shape ("1,28,28") and class count it was built for. */
    static final String INPUT_SHAPE_KEY = "sparrow.input_shape";
    static final String CLASSES_KEY = "sparrow.classes";

    private InteropFiles() {}

    /** A model rebuilt from a checkpoint, with the sample shape it takes. */
    record Loaded(Sequential model, int[] sampleShape, int classes, CheckpointData data, String modelName) {}

    static Loaded load(Path checkpoint) throws IOException {
        if (!Files.isRegularFile(checkpoint)) throw new UserInputException(checkpoint + ": no such checkpoint file");
        if (!Files.isReadable(checkpoint)) throw new UserInputException(checkpoint + ": the checkpoint is not readable");
        CheckpointData data = Checkpoint.read(checkpoint);
        String json = data.config().orElseThrow(() -> new UserInputException(checkpoint
                + ": no run config in the checkpoint metadata; was it written by 'sparrow train' or 'sparrow import'?"));
        TrainConfig config = TrainConfig.fromJson(Json.parseObject(json, Json.Limits.of(1 << 20)));
        // a trained checkpoint describes its model (own data included); one made by 'sparrow import' names its shape
        var spec = data.modelSpec();
        int[] shape = spec.isPresent() ? spec.get().sampleShape()
                : data.metadata().containsKey(INPUT_SHAPE_KEY)
                ? parseShape(data.metadata().get(INPUT_SHAPE_KEY), checkpoint + ": metadata " + INPUT_SHAPE_KEY)
                : BenchModelCommand.FASHION_MNIST_SHAPE.clone();
        int classes = spec.isPresent() ? spec.get().classes() : FashionMnist.CLASSES;
        if (spec.isEmpty() && data.metadata().containsKey(CLASSES_KEY)) {
            try {
                classes = Integer.parseInt(data.metadata().get(CLASSES_KEY));
            } catch (NumberFormatException e) {
                throw new UserInputException(checkpoint + ": metadata " + CLASSES_KEY + " is not a number");
            }
        }
        Sequential model = ModelZoo.create(config.model(), shape, classes, config.seed());
        data.restoreInto(model);
        return new Loaded(model, shape, classes, data, config.model());
    }

    /** "1,28,28" as {1, 28, 28}; {@code what} names the option in the error. */
    static int[] parseShape(String text, String what) {
        try {
            int[] s = Arrays.stream(text.split(",", -1)).map(String::trim).mapToInt(Integer::parseInt).toArray();
            for (int d : s) if (d < 1) throw new NumberFormatException();
            if (s.length == 0) throw new NumberFormatException();
            return s;
        } catch (NumberFormatException e) {
            throw new UserInputException(what + " is '" + text + "'; expected positive integers separated by commas, e.g. 1,28,28");
        }
    }

    static String shapeText(int[] s) {
        return String.join(",", Arrays.stream(s).mapToObj(Integer::toString).toList());
    }

    /** Fails with one line unless {@code out} can be written: its folder exists and is writable, and it is no folder. */
    static void checkWritable(Path out, String option) {
        Path absolute = out.toAbsolutePath();
        Path dir = absolute.getParent();
        if (Files.isDirectory(absolute)) throw new UserInputException(option + " " + out + " is a folder; expected a file name");
        if (dir == null || !Files.isDirectory(dir)) throw new UserInputException(option + " " + out + ": folder " + dir + " does not exist");
        if (!Files.isWritable(dir)) throw new UserInputException(option + " " + out + ": folder " + dir + " is not writable");
    }

    /** {@code file} without its last extension ("model.onnx" → "model"), as a sibling path. */
    static Path stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return file.resolveSibling(dot > 0 ? name.substring(0, dot) : name);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
