package dev.sparrow.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A whole safetensors file in memory.
 *
 * @param metadata the {@code __metadata__} string map (empty when absent)
 * @param tensors  tensors by name, in the order of their data in the file
 */
public record SafetensorsFile(Map<String, String> metadata, Map<String, TensorData> tensors) {
    public SafetensorsFile {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }
}
