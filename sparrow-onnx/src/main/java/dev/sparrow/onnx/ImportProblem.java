package dev.sparrow.onnx;

/**
 * What went wrong inside the import, thrown by helpers that do not know the file or the node; the importer adds
 * both and rethrows it as an {@link OnnxFormatException}.
 */
final class ImportProblem extends RuntimeException {
    ImportProblem(String message) {
        super(message, null, false, false);
    }
}
