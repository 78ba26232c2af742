package dev.sparrow.onnx;

import java.io.IOException;

/**
 * An ONNX file Sparrow cannot import: the message names the file, the node (name and op type) where that applies,
 * and what was expected. The one exception {@link OnnxImporter} throws for bad input.
 */
public final class OnnxFormatException extends IOException {
    public OnnxFormatException(String file, String node, String problem) {
        super(file + ": " + (node == null ? "" : node + ": ") + problem);
    }

    public OnnxFormatException(String file, String node, String problem, Throwable cause) {
        super(file + ": " + (node == null ? "" : node + ": ") + problem, cause);
    }
}
