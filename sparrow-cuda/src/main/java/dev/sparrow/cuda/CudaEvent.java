package dev.sparrow.cuda;

import java.lang.foreign.MemorySegment;

/** A CUDA event, for timing work on a stream. */
public final class CudaEvent implements AutoCloseable {
    private final CudaDevice device;
    private MemorySegment handle;

    CudaEvent(CudaDevice device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    public void record(CudaStream stream) {
        device.makeCurrent();
        device.driver.eventRecord(handle, stream.handle());
    }

    public void synchronize() {
        device.makeCurrent();
        device.driver.eventSynchronize(handle);
    }

    /** Milliseconds from {@code start} to this event (both recorded and completed). */
    public float millisSince(CudaEvent start) {
        device.makeCurrent();
        return device.driver.eventElapsedMillis(start.handle, handle);
    }

    @Override
    public void close() {
        if (handle != null) {
            device.makeCurrent();
            device.driver.eventDestroy(handle);
            handle = null;
        }
    }
}
