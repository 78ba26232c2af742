package dev.sparrow.infer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A device other than the CPU, from another module (sparrow-cuda provides {@link Device#CUDA}), found with
 * {@link ServiceLoader} so that sparrow-core depends on none. In the manner of NVIDIA's cuVS Java provider, a
 * provider loads on every machine and says in one line why it cannot run here ({@link #unsupportedReason()}); the
 * CPU session then runs ({@link InferenceSession.Builder#open()}), as Lucene's vectorization provider falls back to
 * its scalar one and says why once.
 */
public interface DeviceProvider {
    /** The device this provider runs sessions on. */
    Device device();

    /**
     * Why no session can run on this device here, in one line (no driver library, no device, ...), probed once;
     * empty where {@link #open} can build one.
     */
    Optional<String> unsupportedReason();

    /**
     * Builds a session of {@code request} on the device.
     *
     * @throws UnsupportedOperationException with a one-line reason where the device cannot run it (unsupported
     *                                       here, or an op it has no kernel for, named)
     */
    Predictor open(DeviceRequest request);

    /** The provider of {@code device} on the class path, if any ({@link Device#CPU} has none: it is built in). */
    static Optional<DeviceProvider> find(Device device) {
        return find(device, ServiceLoader.load(DeviceProvider.class));
    }

    /** The first of {@code providers} for {@code device}. */
    static Optional<DeviceProvider> find(Device device, Iterable<DeviceProvider> providers) {
        if (device == null) throw new IllegalArgumentException("device is null");
        for (DeviceProvider p : providers) if (p.device() == device) return Optional.of(p);
        return Optional.empty();
    }

    /**
     * Why {@code device} cannot run a session here, in one line; empty where it can (always for the CPU). Where no
     * provider is on the class path the line says which module is missing.
     */
    static Optional<String> unavailableReason(Device device) {
        if (device == Device.CPU) return Optional.empty();
        Optional<DeviceProvider> p = find(device);
        return p.isPresent() ? p.get().unsupportedReason() : Optional.of(missing(device));
    }

    /** The line for a device without a provider on the class path. */
    static String missing(Device device) {
        List<String> modules = new ArrayList<>();
        if (device == Device.CUDA) modules.add("sparrow-cuda");
        return "no provider of device " + device + " on the class path"
                + (modules.isEmpty() ? "" : " (add " + String.join(", ", modules) + ")");
    }
}
