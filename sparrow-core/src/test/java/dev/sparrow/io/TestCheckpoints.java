package dev.sparrow.io;

import java.nio.file.Path;
import java.util.Map;

/** Checkpoints built in memory, for tests that vary the metadata thousands of times without a file write each. */
public final class TestCheckpoints {
    private TestCheckpoints() {}

    /** {@code read}'s tensors under other metadata, as if read from {@code read.file()}. */
    public static CheckpointData withMetadata(CheckpointData read, Map<String, String> metadata) {
        return new CheckpointData(read.file(), metadata, read.tensors());
    }
}
