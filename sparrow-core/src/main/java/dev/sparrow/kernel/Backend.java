package dev.sparrow.kernel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The one provider of kernels (after Lucene's {@code VectorizationProvider}): decided once per JVM, it
 * hands out the dense {@link Kernels} and every other kernel family a package above this one defines
 * (the sparse kernels: {@code SparseKernels.of(backend)}), so the module check, the system property and
 * the reflective lookup live here only. The Vector API backend needs {@code --add-modules
 * jdk.incubator.vector} and vectors of at least 8 floats; otherwise the scalar reference runs and
 * {@link #reason()} says why. {@code -Dsparrow.kernels=scalar} forces the reference (tests, comparisons).
 *
 * <p>The Vector API classes are loaded by name, through their own package's lookup, only once this
 * backend is known to be the vector one, so a JVM without the module never links them and they stay
 * package-private.
 */
public final class Backend {
    private static final Logger LOG = Logger.getLogger(Backend.class.getName());
    public static final String PROPERTY = "sparrow.kernels";

    private static final Backend SCALAR = new Backend("scalar", "the reference", ScalarKernels.INSTANCE, false);

    private final String name;
    private final String reason;
    private final Kernels kernels;
    private final boolean vector;
    /** Each family's implementation on this backend, loaded at its first use. */
    private final ConcurrentHashMap<Class<?>, Object> families = new ConcurrentHashMap<>();

    private Backend(String name, String reason, Kernels kernels, boolean vector) {
        this.name = name;
        this.reason = reason;
        this.kernels = kernels;
        this.vector = vector;
    }

    private static final class Chosen {
        static final Backend INSTANCE = choose(System.getProperty(PROPERTY, "auto"));
    }

    /** Looked at once: whether this JVM can run the Vector API backend (a scalar one with the reason if not). */
    private static final class Probe {
        static final Backend RESULT = probe();
    }

    /** The backend chosen for this JVM. */
    public static Backend get() {
        return Chosen.INSTANCE;
    }

    /** The scalar reference, whatever was chosen. */
    public static Backend scalar() {
        return SCALAR;
    }

    /** The Vector API backend whatever the property says, or null where this JVM cannot run it (tests). */
    public static Backend vectorOrNull() {
        return Probe.RESULT.vector ? Probe.RESULT : null;
    }

    /** The backend for a {@code sparrow.kernels} value: auto, vector or scalar (package-private for tests). */
    static Backend choose(String forced) {
        if (forced.equals("scalar")) {
            return new Backend("scalar", "-D" + PROPERTY + "=scalar forces the reference", ScalarKernels.INSTANCE, false);
        }
        if (!forced.equals("auto") && !forced.equals("vector")) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, vector or scalar, got '" + forced + "'");
        }
        Backend b = Probe.RESULT;
        if (!b.vector) LOG.warning("using the scalar kernels, which are much slower: " + b.reason);
        return b;
    }

    private static Backend probe() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return fallback("jdk.incubator.vector is not present (run with --add-modules jdk.incubator.vector)");
        }
        try {
            Kernels k = load(MethodHandles.lookup(), "VectorKernels", Kernels.class);
            if (k == null) return fallback("the preferred vector holds fewer than 8 floats, where the scalar loops are as fast");
            return new Backend(k.name(), "jdk.incubator.vector is present", k, true);
        } catch (ReflectiveOperationException | LinkageError e) {
            return fallback("the Vector API kernels failed to load (" + e + ")");
        }
    }

    private static Backend fallback(String reason) {
        return new Backend("scalar", reason, ScalarKernels.INSTANCE, false);
    }

    /** {@code createIfUseful()} of the class simpleName in lookup's package: the implementation, or null. */
    private static <F> F load(MethodHandles.Lookup lookup, String simpleName, Class<F> family)
            throws ReflectiveOperationException {
        Class<?> c = lookup.findClass(lookup.lookupClass().getPackageName() + "." + simpleName);
        MethodHandle create = lookup.findStatic(c, "createIfUseful", MethodType.methodType(family));
        try {
            return family.cast(create.invoke());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) { // createIfUseful declares no checked exception
            throw new IllegalStateException(t);
        }
    }

    /** Short name for logs and benchmark tables: "scalar", "vector-256" or "vector-512". */
    public String name() { return name; }

    /** Why this backend: what forced it, or why the Vector API one could not run. */
    public String reason() { return reason; }

    /** The dense kernels of this backend. */
    public Kernels kernels() { return kernels; }

    /**
     * This backend's implementation of a kernel family that a package above this one defines: on the Vector
     * API backend the class {@code vectorClass} of lookup's package (its static {@code createIfUseful()},
     * loaded once), else, or where that class declines or fails to load, the scalar reference.
     */
    public <F> F kernels(Class<F> family, F scalar, MethodHandles.Lookup lookup, String vectorClass) {
        if (!vector) return scalar;
        Object k = families.get(family);
        if (k == null) {
            k = vectorOrScalar(family, scalar, lookup, vectorClass);
            Object raced = families.putIfAbsent(family, k);
            if (raced != null) k = raced;
        }
        return family.cast(k);
    }

    private static <F> F vectorOrScalar(Class<F> family, F scalar, MethodHandles.Lookup lookup, String vectorClass) {
        try {
            F k = load(lookup, vectorClass, family);
            if (k != null) return k;
            LOG.info(vectorClass + " is not useful at this vector width; using the scalar " + family.getSimpleName());
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warning(vectorClass + " unavailable (" + e + "); using the scalar " + family.getSimpleName());
        }
        return scalar;
    }

    @Override
    public String toString() {
        return name + " (" + reason + ")";
    }
}
