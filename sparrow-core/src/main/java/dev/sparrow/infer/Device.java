package dev.sparrow.infer;

/**
 * Where a session runs: {@link #CPU} (this module's {@link InferenceSession}) or {@link #CUDA} (an NVIDIA GPU, through
 * a {@link DeviceProvider} on the class path: sparrow-cuda). Pick one with {@link InferenceSession.Builder#device} and
 * get the session with {@link InferenceSession.Builder#open()}.
 */
public enum Device {
    /** The CPU session of sparrow-core: always available. */
    CPU,
    /** An NVIDIA GPU through the CUDA driver (sparrow-cuda on the class path, {@code libcuda.so.1}, a device). */
    CUDA
}
