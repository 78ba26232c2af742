package dev.sparrow.kernel;

import java.util.logging.Logger;

/**
 * Picks the kernels once, at first use: the Vector API implementation when the incubator module is
 * present and the preferred vector holds at least 8 floats, otherwise the scalar one. The system
 * property {@code sparrow.kernels=scalar} forces the scalar reference (for tests and comparisons).
 */
public final class KernelProvider {
    private static final Logger LOG = Logger.getLogger(KernelProvider.class.getName());
    public static final String PROPERTY = "sparrow.kernels";

    private KernelProvider() {}

    private static final class Holder {
        static final Kernels INSTANCE = choose(System.getProperty(PROPERTY, "auto"));
    }

    /** The kernels chosen for this JVM. */
    public static Kernels get() {
        return Holder.INSTANCE;
    }

    /** The scalar reference kernels, whatever was chosen. */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** The kernels for a {@code sparrow.kernels} value: auto, vector or scalar (package-private for tests). */
    static Kernels choose(String forced) {
        if (forced.equals("scalar")) return ScalarKernels.INSTANCE;
        if (!forced.equals("auto") && !forced.equals("vector")) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, vector or scalar, got '" + forced + "'");
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.warning("jdk.incubator.vector is not present (run with --add-modules jdk.incubator.vector); "
                    + "using scalar kernels, which are much slower");
            return ScalarKernels.INSTANCE;
        }
        try {
            Class<?> c = Class.forName("dev.sparrow.kernel.VectorKernels");
            Kernels k = (Kernels) c.getMethod("createIfUseful").invoke(null);
            if (k != null) return k;
            LOG.info("the preferred vector width is too small to help; using scalar kernels");
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warning("Vector API kernels unavailable (" + e + "); using scalar kernels");
        }
        return ScalarKernels.INSTANCE;
    }
}
