package dev.sparrow.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM bindings to the CUDA driver API in {@code libcuda.so.1} (the subset Sparrow uses). The versioned
 * symbols that {@code cuda.h} maps the plain names to ({@code cuMemAlloc_v2}, ...) are bound by their
 * versioned names: {@code dlsym} of a plain name finds the legacy ABI. Every call checks its CUresult
 * and throws {@link CudaException} naming the call and {@code cuGetErrorName}'s name for the code.
 *
 * <p>Types on x86-64 / aarch64 Linux: CUresult, CUdevice int; CUcontext, CUmodule, CUfunction, CUstream,
 * CUevent addresses; CUdeviceptr and size_t 64-bit.
 */
final class CudaDriver {
    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
    static final int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
    static final int CU_EVENT_DEFAULT = 0;
    static final int CU_STREAM_NON_BLOCKING = 1;
    static final int CU_MEMHOSTALLOC_PORTABLE = 1;

    private static final Linker LINKER = Linker.nativeLinker();

    private final SymbolLookup lib;
    private final MethodHandle cuGetErrorName, cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet,
            cuDeviceGetName, cuDeviceGetAttribute, cuDeviceTotalMem, cuDevicePrimaryCtxRetain,
            cuDevicePrimaryCtxRelease, cuCtxSetCurrent, cuModuleLoadData, cuModuleUnload, cuModuleGetFunction,
            cuFuncSetAttribute, cuMemAlloc, cuMemFree, cuMemcpyHtoD, cuMemcpyDtoH, cuMemcpyHtoDAsync,
            cuMemcpyDtoHAsync, cuMemsetD32, cuMemHostAlloc, cuMemFreeHost, cuStreamCreate, cuStreamDestroy,
            cuStreamSynchronize, cuEventCreate, cuEventRecord, cuEventSynchronize, cuEventElapsedTime,
            cuEventDestroy, cuLaunchKernel, cuStreamBeginCapture, cuStreamEndCapture, cuGraphInstantiate, cuGraphLaunch,
            cuGraphExecDestroy, cuGraphDestroy;

    /** Binds every function; throws IllegalArgumentException if the library or a symbol is missing. */
    CudaDriver(String library) {
        lib = SymbolLookup.libraryLookup(library, Arena.global());
        cuGetErrorName = bind("cuGetErrorName", JAVA_INT, ADDRESS);
        cuInit = bind("cuInit", JAVA_INT);
        cuDriverGetVersion = bind("cuDriverGetVersion", ADDRESS);
        cuDeviceGetCount = bind("cuDeviceGetCount", ADDRESS);
        cuDeviceGet = bind("cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = bind("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = bind("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceTotalMem = bind("cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRetain = bind("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRelease = bind("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
        cuCtxSetCurrent = bind("cuCtxSetCurrent", ADDRESS);
        cuModuleLoadData = bind("cuModuleLoadData", ADDRESS, ADDRESS);
        cuModuleUnload = bind("cuModuleUnload", ADDRESS);
        cuModuleGetFunction = bind("cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        cuFuncSetAttribute = bind("cuFuncSetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuMemAlloc = bind("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = bind("cuMemFree_v2", JAVA_LONG);
        cuMemcpyHtoD = bind("cuMemcpyHtoD_v2", JAVA_LONG, ADDRESS, JAVA_LONG);
        cuMemcpyDtoH = bind("cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG);
        cuMemcpyHtoDAsync = bind("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        cuMemcpyDtoHAsync = bind("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuMemsetD32 = bind("cuMemsetD32_v2", JAVA_LONG, JAVA_INT, JAVA_LONG);
        cuMemHostAlloc = bind("cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
        cuMemFreeHost = bind("cuMemFreeHost", ADDRESS);
        cuStreamCreate = bind("cuStreamCreate", ADDRESS, JAVA_INT);
        cuStreamDestroy = bind("cuStreamDestroy_v2", ADDRESS);
        cuStreamSynchronize = bind("cuStreamSynchronize", ADDRESS);
        cuEventCreate = bind("cuEventCreate", ADDRESS, JAVA_INT);
        cuEventRecord = bind("cuEventRecord", ADDRESS, ADDRESS);
        cuEventSynchronize = bind("cuEventSynchronize", ADDRESS);
        cuEventElapsedTime = bind("cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
        cuEventDestroy = bind("cuEventDestroy_v2", ADDRESS);
        cuLaunchKernel = bind("cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        // CUDA graphs (a session captures its per-call chain once per batch size): cuda.h maps
        // cuStreamBeginCapture to _v2 and cuGraphInstantiate to cuGraphInstantiateWithFlags (11.4+)
        cuStreamBeginCapture = bind("cuStreamBeginCapture_v2", ADDRESS, JAVA_INT);
        cuStreamEndCapture = bind("cuStreamEndCapture", ADDRESS, ADDRESS);
        cuGraphInstantiate = bind("cuGraphInstantiateWithFlags", ADDRESS, ADDRESS, JAVA_LONG);
        cuGraphLaunch = bind("cuGraphLaunch", ADDRESS, ADDRESS);
        cuGraphExecDestroy = bind("cuGraphExecDestroy", ADDRESS);
        cuGraphDestroy = bind("cuGraphDestroy", ADDRESS);
    }

    private MethodHandle bind(String name, MemoryLayout... args) {
        MemorySegment fn = lib.find(name).orElseThrow(() -> new IllegalArgumentException("lacks " + name));
        return LINKER.downcallHandle(fn, FunctionDescriptor.of(JAVA_INT, args));
    }

    /** A function of another library of the toolkit (cuBLAS) with an int result. */
    static MethodHandle bind(SymbolLookup lookup, String name, MemoryLayout... args) {
        MemorySegment fn = lookup.find(name).orElseThrow(() -> new IllegalArgumentException("lacks " + name));
        return LINKER.downcallHandle(fn, FunctionDescriptor.of(JAVA_INT, args));
    }

    String errorName(int result) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int r = (int) cuGetErrorName.invokeExact(result, p);
            MemorySegment s = p.get(ADDRESS, 0);
            if (r != 0 || s.equals(MemorySegment.NULL)) return "CUresult " + result;
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "CUresult " + result;
        }
    }

    private void check(String call, int result) {
        if (result != 0) throw new CudaException(call, result, errorName(result));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    // --- device and context -------------------------------------------------------------------

    void init() {
        try { check("cuInit", (int) cuInit.invokeExact(0)); } catch (Throwable t) { throw rethrow(t); }
    }

    int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDriverGetVersion", (int) cuDriverGetVersion.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGetCount", (int) cuDeviceGetCount.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGet", (int) cuDeviceGet.invokeExact(v, ordinal));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    String deviceName(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(256);
            check("cuDeviceGetName", (int) cuDeviceGetName.invokeExact(v, 256, dev));
            return v.getString(0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    int attribute(int attribute, int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGetAttribute", (int) cuDeviceGetAttribute.invokeExact(v, attribute, dev));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    long totalMemory(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", (int) cuDeviceTotalMem.invokeExact(v, dev));
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    MemorySegment primaryContextRetain(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) cuDevicePrimaryCtxRetain.invokeExact(v, dev));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void primaryContextRelease(int dev) {
        try { check("cuDevicePrimaryCtxRelease_v2", (int) cuDevicePrimaryCtxRelease.invokeExact(dev)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    void setCurrent(MemorySegment ctx) {
        try { check("cuCtxSetCurrent", (int) cuCtxSetCurrent.invokeExact(ctx)); } catch (Throwable t) { throw rethrow(t); }
    }

    // --- modules ------------------------------------------------------------------------------

    MemorySegment moduleLoadData(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuModuleLoadData", (int) cuModuleLoadData.invokeExact(v, image));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void moduleUnload(MemorySegment module) {
        try { check("cuModuleUnload", (int) cuModuleUnload.invokeExact(module)); } catch (Throwable t) { throw rethrow(t); }
    }

    MemorySegment moduleGetFunction(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuModuleGetFunction(" + name + ")",
                    (int) cuModuleGetFunction.invokeExact(v, module, a.allocateFrom(name)));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void funcSetAttribute(MemorySegment f, int attribute, int value) {
        try { check("cuFuncSetAttribute", (int) cuFuncSetAttribute.invokeExact(f, attribute, value)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    // --- memory -------------------------------------------------------------------------------

    long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check("cuMemAlloc_v2(" + bytes + " bytes)", (int) cuMemAlloc.invokeExact(v, bytes));
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void memFree(long ptr) {
        try { check("cuMemFree_v2", (int) cuMemFree.invokeExact(ptr)); } catch (Throwable t) { throw rethrow(t); }
    }

    void memcpyHtoD(long dst, MemorySegment src, long bytes) {
        try { check("cuMemcpyHtoD_v2", (int) cuMemcpyHtoD.invokeExact(dst, src, bytes)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    void memcpyDtoH(MemorySegment dst, long src, long bytes) {
        try { check("cuMemcpyDtoH_v2", (int) cuMemcpyDtoH.invokeExact(dst, src, bytes)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try { check("cuMemcpyHtoDAsync_v2", (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try { check("cuMemcpyDtoHAsync_v2", (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    void memsetD32(long dst, int value, long count) {
        try { check("cuMemsetD32_v2", (int) cuMemsetD32.invokeExact(dst, value, count)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    MemorySegment memHostAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuMemHostAlloc(" + bytes + " bytes)",
                    (int) cuMemHostAlloc.invokeExact(v, bytes, CU_MEMHOSTALLOC_PORTABLE));
            return v.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void memFreeHost(MemorySegment p) {
        try { check("cuMemFreeHost", (int) cuMemFreeHost.invokeExact(p)); } catch (Throwable t) { throw rethrow(t); }
    }

    // --- streams, events, launches ------------------------------------------------------------

    MemorySegment streamCreate() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuStreamCreate", (int) cuStreamCreate.invokeExact(v, CU_STREAM_NON_BLOCKING));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void streamDestroy(MemorySegment s) {
        try { check("cuStreamDestroy_v2", (int) cuStreamDestroy.invokeExact(s)); } catch (Throwable t) { throw rethrow(t); }
    }

    /** CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: only this thread's unsafe calls (allocations, syncs) break the capture. */
    static final int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;

    void streamBeginCapture(MemorySegment s) {
        try {
            check("cuStreamBeginCapture_v2", (int) cuStreamBeginCapture.invokeExact(s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Ends the capture and returns the graph (CUgraph). */
    MemorySegment streamEndCapture(MemorySegment s) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuStreamEndCapture", (int) cuStreamEndCapture.invokeExact(s, v));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** An executable graph (CUgraphExec) of {@code graph}. */
    MemorySegment graphInstantiate(MemorySegment graph) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuGraphInstantiateWithFlags", (int) cuGraphInstantiate.invokeExact(v, graph, 0L));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void graphLaunch(MemorySegment exec, MemorySegment s) {
        try { check("cuGraphLaunch", (int) cuGraphLaunch.invokeExact(exec, s)); } catch (Throwable t) { throw rethrow(t); }
    }

    void graphExecDestroy(MemorySegment exec) {
        try { check("cuGraphExecDestroy", (int) cuGraphExecDestroy.invokeExact(exec)); } catch (Throwable t) { throw rethrow(t); }
    }

    void graphDestroy(MemorySegment graph) {
        try { check("cuGraphDestroy", (int) cuGraphDestroy.invokeExact(graph)); } catch (Throwable t) { throw rethrow(t); }
    }

    void streamSynchronize(MemorySegment s) {
        try { check("cuStreamSynchronize", (int) cuStreamSynchronize.invokeExact(s)); } catch (Throwable t) { throw rethrow(t); }
    }

    MemorySegment eventCreate() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuEventCreate", (int) cuEventCreate.invokeExact(v, CU_EVENT_DEFAULT));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void eventRecord(MemorySegment e, MemorySegment stream) {
        try { check("cuEventRecord", (int) cuEventRecord.invokeExact(e, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    void eventSynchronize(MemorySegment e) {
        try { check("cuEventSynchronize", (int) cuEventSynchronize.invokeExact(e)); } catch (Throwable t) { throw rethrow(t); }
    }

    float eventElapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_FLOAT);
            check("cuEventElapsedTime", (int) cuEventElapsedTime.invokeExact(v, start, end));
            return v.get(JAVA_FLOAT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void eventDestroy(MemorySegment e) {
        try { check("cuEventDestroy_v2", (int) cuEventDestroy.invokeExact(e)); } catch (Throwable t) { throw rethrow(t); }
    }

    void launchKernel(String name, MemorySegment f, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes,
                      MemorySegment stream, MemorySegment params) {
        try {
            check("cuLaunchKernel(" + name + ")", (int) cuLaunchKernel.invokeExact(f, gx, gy, gz, bx, by, bz,
                    sharedBytes, stream, params, MemorySegment.NULL));
        } catch (Throwable t) { throw rethrow(t); }
    }
}
