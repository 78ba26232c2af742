package dev.sparrow.cli;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.SparsityReport;

import java.io.IOException;
import java.nio.file.Path;

/** The sparsity a run actually reached, read back from its checkpoint's masks (not the requested budget). */
final class ReachedSparsity {
    private ReachedSparsity() {}

    /** Fraction of zero weights over the weights of rank 2 and 4, in [0, 1]. */
    static double of(Path checkpoint) throws IOException {
        return SparsityReport.of(Checkpoint.read(checkpoint)).sparsity();
    }
}
