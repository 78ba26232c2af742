package dev.sparrow.cuda;

import java.lang.foreign.MemorySegment;

/** A CUDA stream; work on one stream runs in order. */
public final class CudaStream implements AutoCloseable {
    private final CudaDevice device;
    private final boolean owned;
    private MemorySegment handle;

    CudaStream(CudaDevice device, MemorySegment handle, boolean owned) {
        this.device = device;
        this.handle = handle;
        this.owned = owned;
    }

    MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("stream already destroyed");
        return handle;
    }

    /** Waits until everything queued on this stream has run. */
    public void synchronize() {
        device.makeCurrent();
        device.driver.streamSynchronize(handle());
    }

    @Override
    public void close() {
        if (owned && handle != null) {
            device.makeCurrent();
            device.driver.streamDestroy(handle);
            handle = null;
        }
    }
}
