package dev.sparrow.infer;

import dev.sparrow.graph.ModelGraph;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A model file format another module reads into a {@link ModelGraph} (sparrow-onnx reads {@code .onnx}), found
 * with {@link ServiceLoader} so that sparrow-core depends on no importer.
 */
public interface ModelFormat {
    /** A short name for messages, e.g. "onnx". */
    String name();

    /** Whether this format reads {@code path} (by its name; the file is not opened). */
    boolean accepts(Path path);

    /** The model in {@code path}; IOException or IllegalArgumentException naming the file and what is wrong. */
    ModelGraph read(Path path) throws IOException;

    /** The model in {@code path}, read by the first format on the class path that accepts it. */
    static ModelGraph readAny(Path path) throws IOException {
        if (path == null) throw new IllegalArgumentException("model path is null");
        List<String> known = new ArrayList<>();
        for (ModelFormat f : ServiceLoader.load(ModelFormat.class)) {
            if (f.accepts(path)) return f.read(path);
            known.add(f.name());
        }
        throw new IllegalArgumentException(path + ": no model format on the class path reads this file (formats found: "
                + (known.isEmpty() ? "none; .onnx files need the sparrow-onnx module" : String.join(", ", known)) + ")");
    }

    /** Whether some format on the class path accepts {@code path}. */
    static boolean anyAccepts(Path path) {
        for (ModelFormat f : ServiceLoader.load(ModelFormat.class)) if (f.accepts(path)) return true;
        return false;
    }
}
