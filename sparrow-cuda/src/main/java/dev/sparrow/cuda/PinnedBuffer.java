package dev.sparrow.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Page-locked host memory (cuMemHostAlloc) for asynchronous copies, freed by {@link #close()}. */
public final class PinnedBuffer implements AutoCloseable {
    private final CudaDevice device;
    private MemorySegment segment;

    PinnedBuffer(CudaDevice device, MemorySegment segment) {
        this.device = device;
        this.segment = segment;
    }

    public MemorySegment segment() {
        if (segment == null) throw new IllegalStateException("pinned buffer already freed");
        return segment;
    }

    public void put(float[] src, int off, int len) {
        MemorySegment.copy(src, off, segment(), ValueLayout.JAVA_FLOAT, 0, len);
    }

    public void get(float[] dst, int off, int len) {
        MemorySegment.copy(segment(), ValueLayout.JAVA_FLOAT, 0, dst, off, len);
    }

    @Override
    public void close() {
        if (segment != null) {
            device.makeCurrent();
            device.driver.memFreeHost(segment);
            segment = null;
        }
    }
}
