package dev.sparrow.io;

import java.util.List;
import java.util.Map;

/**
 * The validated header of a safetensors file.
 *
 * @param metadata     the {@code __metadata__} entries (empty when absent), in file order
 * @param tensors      the tensor entries in the order of their data (by offset)
 * @param headerLength N, the length of the JSON header in bytes (padding included)
 * @param dataLength   length of the data buffer that follows the header
 */
public record SafetensorsHeader(Map<String, String> metadata, List<TensorInfo> tensors, long headerLength, long dataLength) {
    public SafetensorsHeader {
        metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /** The entry named {@code name}, or null. */
    public TensorInfo tensor(String name) {
        for (TensorInfo t : tensors) {
            if (t.name().equals(name)) return t;
        }
        return null;
    }

    /** Byte offset in the file where the data buffer starts. */
    public long dataStart() { return 8 + headerLength; }
}
