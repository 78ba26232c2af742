package dev.sparrow.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS's fp32 SGEMM through FFM, the dense peer (optional: only where libcublas is found; the path
 * may be given with {@code -Dsparrow.cublas=PATH}). Runs in the device's primary context. Computes
 * Y^T [rows][batch] = W [rows][cols] X^T [cols][batch] in Sparrow's layout (as column-major
 * Y = X W^T: m = batch, n = rows, k = cols); no bias or ReLU (cuBLAS does not fuse them).
 */
public final class Cublas implements AutoCloseable {
    private final CudaDevice device;
    private final MethodHandle sgemm, destroy, setStream;
    private final MemorySegment handle;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment alpha = arena.allocateFrom(JAVA_FLOAT, 1f);
    private final MemorySegment beta = arena.allocateFrom(JAVA_FLOAT, 0f);
    private final String library;

    private Cublas(CudaDevice device, SymbolLookup lib, String library) {
        this.device = device;
        this.library = library;
        MethodHandle create = CudaDriver.bind(lib, "cublasCreate_v2", ADDRESS);
        destroy = CudaDriver.bind(lib, "cublasDestroy_v2", ADDRESS);
        setStream = CudaDriver.bind(lib, "cublasSetStream_v2", ADDRESS, ADDRESS);
        sgemm = CudaDriver.bind(lib, "cublasSgemm_v2", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        device.makeCurrent();
        MemorySegment h = arena.allocate(ADDRESS);
        check("cublasCreate_v2", invoke(() -> (int) create.invokeExact(h)));
        handle = h.get(ADDRESS, 0);
    }

    /** cuBLAS if a libcublas is found, else null; {@code why} collects what was tried. */
    public static Cublas load(CudaDevice device, List<String> why) {
        List<String> names = new ArrayList<>();
        String prop = System.getProperty("sparrow.cublas");
        if (prop != null && !prop.isBlank()) names.add(prop);
        names.addAll(List.of("libcublas.so", "libcublas.so.13", "libcublas.so.12"));
        for (String n : names) {
            try {
                return new Cublas(device, SymbolLookup.libraryLookup(n, Arena.global()), n);
            } catch (IllegalArgumentException | IllegalStateException e) {
                why.add(n + ": " + e.getMessage());
            }
        }
        return null;
    }

    public String library() { return library; }

    /** Y^T = W X^T with the weights of a {@code dense} matrix. */
    public void sgemm(CudaMatrix dense, long xt, long yt, int batch, CudaStream stream) {
        if (!(dense instanceof CudaMatrix.Dense d)) throw new IllegalArgumentException("cuBLAS needs a dense matrix, got " + dense.format());
        sgemm(d.weights.address(), xt, yt, d.rows, d.cols, batch, stream);
    }

    public void sgemm(long w, long xt, long yt, int rows, int cols, int batch, CudaStream stream) {
        device.makeCurrent();
        check("cublasSetStream_v2", invoke(() -> (int) setStream.invokeExact(handle, stream.handle())));
        check("cublasSgemm_v2", invoke(() -> (int) sgemm.invokeExact(handle, 0, 0, batch, rows, cols, alpha,
                xt, batch, w, cols, beta, yt, batch)));
    }

    private interface Call { int run() throws Throwable; }

    private static int invoke(Call c) {
        try {
            return c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void check(String call, int status) {
        if (status != 0) throw new IllegalStateException(call + " failed: cublasStatus " + status);
    }

    @Override
    public void close() {
        device.makeCurrent();
        invoke(() -> (int) destroy.invokeExact(handle));
        arena.close();
    }
}
