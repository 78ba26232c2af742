package dev.sparrow.cuda;

import dev.sparrow.infer.Device;
import dev.sparrow.infer.DeviceProvider;
import dev.sparrow.infer.DeviceRequest;
import dev.sparrow.infer.Predictor;

import java.util.Optional;

/**
 * {@link Device#CUDA} for sparrow-core's {@code InferenceSession.Builder.open()}, found with {@link
 * java.util.ServiceLoader} (META-INF/services): a {@link CudaSession} of the request, or, where {@link
 * CudaBackend#load()} is unsupported (no {@code libcuda.so.1}, no device, {@code -Dsparrow.cuda=off}, ...), its
 * one-line reason, so that the CPU session runs instead. Loads on every machine; nothing native is touched before
 * {@link #unsupportedReason()} or {@link #open}.
 */
public final class CudaDeviceProvider implements DeviceProvider {
    /** For {@link java.util.ServiceLoader}. */
    public CudaDeviceProvider() {}

    @Override
    public Device device() { return Device.CUDA; }

    @Override
    public Optional<String> unsupportedReason() {
        return Optional.ofNullable(CudaSession.unsupportedReason());
    }

    /** A {@link CudaSession} at the request's batch, formats timed per Dense layer unless tuning is off. */
    @Override
    public Predictor open(DeviceRequest request) {
        if (request == null) throw new IllegalArgumentException("request is null");
        return CudaSession.builder(request.model()).batchSize(request.batchSize()).tuning(request.tuning())
                .spec(request.spec()).build();
    }
}
