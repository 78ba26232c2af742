package dev.sparrow.sparse;

import dev.sparrow.kernel.KernelProvider;

import java.util.logging.Logger;

/**
 * Picks the sparse kernels once: the Vector API ones when the incubator module is present and the
 * preferred vector holds at least 8 floats (256 or 512 bits), otherwise the scalar reference.
 * The same system property as {@link KernelProvider} ({@code sparrow.kernels=scalar}) forces the scalar
 * path.
 */
public final class SparseKernelProvider {
    private static final Logger LOG = Logger.getLogger(SparseKernelProvider.class.getName());

    private SparseKernelProvider() {}

    private static final class Holder {
        static final SparseKernels INSTANCE = choose();
    }

    /** The kernels chosen for this JVM. */
    public static SparseKernels get() {
        return Holder.INSTANCE;
    }

    /** The scalar reference kernels. */
    public static SparseKernels scalar() {
        return ScalarSparseKernels.INSTANCE;
    }

    /** The Vector API kernels, or null where they are unavailable or not useful on this machine. */
    public static SparseKernels vectorOrNull() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return null;
        try {
            Class<?> c = Class.forName("dev.sparrow.sparse.VectorSparseKernels");
            return (SparseKernels) c.getMethod("createIfUseful").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warning("Vector API sparse kernels unavailable (" + e + "); using scalar kernels");
            return null;
        }
    }

    private static SparseKernels choose() {
        String forced = System.getProperty(KernelProvider.PROPERTY, "auto");
        if (forced.equals("scalar")) return ScalarSparseKernels.INSTANCE;
        SparseKernels v = vectorOrNull();
        if (v != null) return v;
        LOG.info("using scalar sparse kernels (no jdk.incubator.vector, or vectors narrower than 8 floats)");
        return ScalarSparseKernels.INSTANCE;
    }
}
