package dev.sparrow.infer;

import dev.sparrow.io.ModelSpec;

/**
 * What {@link InferenceSession.Builder#open()} asks a {@link DeviceProvider} to build: the model as a graph with its
 * masks, and the builder's settings that mean the same on every device.
 *
 * @param model     the model graph and each masked weight's mask (none for a graph read from a file: its zeros are
 *                  its mask)
 * @param batchSize the largest batch per call, and the batch the formats are timed at
 * @param tuning    whether the candidates are timed per layer (off: the device's default format)
 * @param spec      class names and input normalisation, or null
 */
public record DeviceRequest(LoweredModel model, int batchSize, boolean tuning, ModelSpec spec) {
    public DeviceRequest {
        if (model == null) throw new IllegalArgumentException("model is null");
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
}
