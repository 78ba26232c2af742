package dev.sparrow.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import static dev.sparrow.cuda.CudaDriver.*;

/**
 * One GPU through its primary context (shared with cuBLAS and cuSPARSE), with Sparrow's kernel module
 * loaded from the fatbin. Every public method makes the context current on the calling thread first
 * (once per thread). Device memory, pinned host buffers, streams and events it hands out are
 * {@link AutoCloseable}: the garbage collector never sees device memory.
 */
public final class CudaDevice implements AutoCloseable {
    final CudaDriver driver;
    private final int ordinal;
    private final int dev;
    private final MemorySegment context;
    private final MemorySegment module;
    private final String name;
    private final int ccMajor, ccMinor, multiprocessors, maxSharedOptin, maxSharedPerSm, driverVersion;
    private final long totalMemory;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final Map<String, Integer> sharedLimits = new HashMap<>();
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final CudaStream defaultStream;
    private volatile boolean closed;

    CudaDevice(CudaDriver driver, int ordinal, byte[] fatbin) {
        this.driver = driver;
        this.ordinal = ordinal;
        this.dev = driver.device(ordinal);
        this.name = driver.deviceName(dev);
        this.ccMajor = driver.attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
        this.ccMinor = driver.attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
        this.multiprocessors = driver.attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
        this.maxSharedOptin = driver.attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev);
        this.maxSharedPerSm = driver.attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, dev);
        this.totalMemory = driver.totalMemory(dev);
        this.driverVersion = driver.driverVersion();
        this.context = driver.primaryContextRetain(dev);
        makeCurrent();
        MemorySegment m;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment image = a.allocate(fatbin.length + 1L, 256);
            MemorySegment.copy(fatbin, 0, image, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, fatbin.length);
            m = driver.moduleLoadData(image);
        } catch (CudaException e) {
            driver.primaryContextRelease(dev);
            throw new CudaException("cuModuleLoadData (GPU " + name + ", sm_" + ccMajor + ccMinor + ")", e.result(),
                    driver.errorName(e.result()));
        }
        this.module = m;
        this.defaultStream = new CudaStream(this, MemorySegment.NULL, false);
    }

    /** Makes this device's primary context current on the calling thread (once per thread). */
    public void makeCurrent() {
        if (closed) throw new IllegalStateException("CUDA device " + ordinal + " is closed");
        if (!current.get()) {
            driver.setCurrent(context);
            current.set(Boolean.TRUE);
        }
    }

    /** "NVIDIA H200 (sm_90, 132 SMs, 140 GiB, driver 13.0)" */
    public String describe() {
        return name + " (sm_" + ccMajor + ccMinor + ", " + multiprocessors + " SMs, " + (totalMemory >> 30) + " GiB, driver "
                + driverVersion / 1000 + "." + (driverVersion % 1000) / 10 + ")";
    }

    public String name() { return name; }
    public int computeCapability() { return ccMajor * 10 + ccMinor; }
    public int multiprocessors() { return multiprocessors; }
    /** Largest dynamic shared memory one block may opt in to, in bytes. */
    public int maxSharedPerBlock() { return maxSharedOptin; }
    public int maxSharedPerMultiprocessor() { return maxSharedPerSm; }

    /** Uninitialised device memory of {@code bytes} (at least 4 bytes are allocated). */
    public DeviceMemory allocate(long bytes) {
        makeCurrent();
        return new DeviceMemory(this, driver.memAlloc(Math.max(4, bytes)), bytes);
    }

    /** Device memory holding a copy of {@code values}. */
    public DeviceMemory upload(float[] values) {
        DeviceMemory m = allocate(4L * values.length);
        m.copyFrom(MemorySegment.ofArray(values));
        return m;
    }

    DeviceMemory upload(MemorySegment heapOrNative) {
        DeviceMemory m = allocate(heapOrNative.byteSize());
        m.copyFrom(heapOrNative);
        return m;
    }

    /** Page-locked host memory for asynchronous copies. */
    public PinnedBuffer pinned(long bytes) {
        makeCurrent();
        return new PinnedBuffer(this, driver.memHostAlloc(Math.max(4, bytes)));
    }

    /** A new non-blocking stream. */
    public CudaStream stream() {
        makeCurrent();
        return new CudaStream(this, driver.streamCreate(), true);
    }

    /** The legacy default stream (closing it does nothing). */
    public CudaStream defaultStream() { return defaultStream; }

    public CudaEvent event() {
        makeCurrent();
        return new CudaEvent(this, driver.eventCreate());
    }

    /** A kernel of the module by its extern "C" name. */
    synchronized MemorySegment function(String kernel) {
        makeCurrent();
        return functions.computeIfAbsent(kernel, k -> driver.moduleGetFunction(module, k));
    }

    /** The kernel, allowed {@code sharedBytes} of dynamic shared memory (raises the limit past 48 KiB). */
    synchronized MemorySegment function(String kernel, int sharedBytes) {
        MemorySegment f = function(kernel);
        if (sharedBytes > 48 * 1024 && sharedLimits.getOrDefault(kernel, 48 * 1024) < sharedBytes) {
            driver.funcSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes);
            sharedLimits.put(kernel, sharedBytes);
        }
        return f;
    }

    void launch(String kernel, int gx, int gy, int bx, int sharedBytes, CudaStream stream, KernelArgs args) {
        makeCurrent();
        MemorySegment f = function(kernel, sharedBytes);
        driver.launchKernel(kernel, f, gx, gy, 1, bx, 1, 1, sharedBytes, stream.handle(), args.params());
    }

    /** Spins the stream for {@code nanos} (a timing aid: queues the launches that follow). */
    public void spin(long nanos, CudaStream stream) {
        try (KernelArgs a = new KernelArgs()) {
            a.i64(nanos);
            launch("spin_ns", 1, 1, 1, 0, stream, a);
        }
    }

    /** Unloads the module and releases the primary context. Memory still held is the caller's bug. */
    @Override
    public synchronized void close() {
        if (closed) return;
        makeCurrent();
        driver.moduleUnload(module);
        driver.primaryContextRelease(dev);
        closed = true;
    }
}
