package dev.sparrow.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code void** kernelParams} of cuLaunchKernel, reusable: 8-byte slots in native memory and an
 * array of pointers to them. The driver copies the values at launch, so the same object serves every
 * launch (not thread-safe: one per matrix, guarded by its lock).
 */
final class KernelArgs implements AutoCloseable {
    static final int MAX = 24;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment slots = arena.allocate(8L * MAX, 8);
    private final MemorySegment pointers = arena.allocate(ValueLayout.ADDRESS.byteSize() * MAX, 8);
    private int n;

    KernelArgs() {
        for (int i = 0; i < MAX; i++) pointers.setAtIndex(ValueLayout.ADDRESS, i, slots.asSlice(8L * i, 8));
    }

    KernelArgs reset() {
        n = 0;
        return this;
    }

    /** A pointer (CUdeviceptr) or 64-bit argument. */
    KernelArgs i64(long v) {
        slots.set(ValueLayout.JAVA_LONG, 8L * next(), v);
        return this;
    }

    KernelArgs i32(int v) {
        slots.set(ValueLayout.JAVA_INT, 8L * next(), v);
        return this;
    }

    private int next() {
        if (n == MAX) throw new IllegalStateException("more than " + MAX + " kernel arguments");
        return n++;
    }

    MemorySegment params() { return pointers; }

    @Override
    public void close() { arena.close(); }
}
