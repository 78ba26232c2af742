package dev.sparrow.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A block of device memory, freed by {@link #close()}. */
public final class DeviceMemory implements AutoCloseable {
    private final CudaDevice device;
    private final long bytes;
    private long ptr;

    DeviceMemory(CudaDevice device, long ptr, long bytes) {
        this.device = device;
        this.ptr = ptr;
        this.bytes = bytes;
    }

    /** The CUdeviceptr; throws once closed. */
    public long address() {
        if (ptr == 0) throw new IllegalStateException("device memory already freed");
        return ptr;
    }

    public long bytes() { return bytes; }

    /** Copies host memory (heap or native) into the start of this block; returns when done. */
    public void copyFrom(MemorySegment src) {
        check(src.byteSize());
        device.makeCurrent();
        if (src.isNative()) {
            device.driver.memcpyHtoD(address(), src, src.byteSize());
        } else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment staged = a.allocate(src.byteSize(), 16);
                staged.copyFrom(src);
                device.driver.memcpyHtoD(address(), staged, src.byteSize());
            }
        }
    }

    public void copyFrom(float[] src) { copyFrom(MemorySegment.ofArray(src)); }

    /** Copies the start of this block into host memory (heap or native); returns when done. */
    public void copyTo(MemorySegment dst) {
        check(dst.byteSize());
        device.makeCurrent();
        if (dst.isNative()) {
            device.driver.memcpyDtoH(dst, address(), dst.byteSize());
        } else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment staged = a.allocate(dst.byteSize(), 16);
                device.driver.memcpyDtoH(staged, address(), dst.byteSize());
                dst.copyFrom(staged);
            }
        }
    }

    public void copyTo(float[] dst) { copyTo(MemorySegment.ofArray(dst)); }

    /** Asynchronous copy from pinned memory on a stream. */
    public void copyFromAsync(PinnedBuffer src, long bytes, CudaStream stream) {
        check(bytes);
        device.makeCurrent();
        device.driver.memcpyHtoDAsync(address(), src.segment(), bytes, stream.handle());
    }

    /** Asynchronous copy into pinned memory on a stream. */
    public void copyToAsync(PinnedBuffer dst, long bytes, CudaStream stream) {
        check(bytes);
        device.makeCurrent();
        device.driver.memcpyDtoHAsync(dst.segment(), address(), bytes, stream.handle());
    }

    /** Sets every 32-bit word to {@code bits} (e.g. Float.floatToRawIntBits(Float.NaN) to poison). */
    public void fill(int bits) {
        device.makeCurrent();
        device.driver.memsetD32(address(), bits, Math.max(1, bytes / 4));
    }

    private void check(long n) {
        if (n > bytes) throw new IllegalArgumentException("copy of " + n + " bytes into a block of " + bytes);
    }

    @Override
    public void close() {
        if (ptr != 0) {
            device.makeCurrent();
            device.driver.memFree(ptr);
            ptr = 0;
        }
    }
}
