package dev.sparrow.onnx;

import dev.sparrow.graph.ModelGraph;
import dev.sparrow.infer.ModelFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** {@code .onnx} files for {@code InferenceSession.load} and the CLI, through {@link OnnxImporter}. */
public final class OnnxModelFormat implements ModelFormat {
    @Override
    public String name() { return "onnx"; }

    @Override
    public boolean accepts(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    @Override
    public ModelGraph read(Path path) throws IOException {
        return OnnxImporter.read(path);
    }
}
