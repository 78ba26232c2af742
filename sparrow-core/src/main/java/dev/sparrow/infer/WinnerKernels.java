package dev.sparrow.infer;

import dev.sparrow.kernel.Backend;

import java.lang.invoke.MethodHandles;

/**
 * The passes over a contiguous k-WTA group that {@link BracketSelection} makes, as a kernel family: the scalar
 * reference ({@link ScalarWinnerKernels}) and a Vector API version (VectorWinnerKernels, package-private, loaded
 * by the {@link Backend}). The selection itself (quickselect over a few hundred values) stays scalar.
 */
interface WinnerKernels {
    static WinnerKernels of(Backend backend) {
        return backend.kernels(WinnerKernels.class, ScalarWinnerKernels.INSTANCE, MethodHandles.lookup(), "VectorWinnerKernels");
    }

    /** Bit of {@link #bracket}'s result set when the group holds a NaN. */
    long NAN_SEEN = 1L << 62;

    String name();

    /**
     * Of x[off, off + n): copies the values v with lo &lt;= v &lt;= hi to {@code inside} from {@code insideOff}, in
     * index order, and returns their count | (the count of values above hi) &lt;&lt; 31 | {@link #NAN_SEEN} if any
     * value is NaN.
     */
    long bracket(float[] x, int off, int n, float lo, float hi, float[] inside, int insideOff);

    /** out[off + i] = x[off + i] if it is &gt;= t, else 0, for i in [0, n) (x and out may be the same array). */
    void keepAtLeast(float[] x, float[] out, int off, int n, float t);

    /** The inside count of a {@link #bracket} result. */
    static int inside(long bracket) { return (int) (bracket & 0x7fffffffL); }

    /** The count above hi of a {@link #bracket} result. */
    static int above(long bracket) { return (int) ((bracket >>> 31) & 0x7fffffffL); }
}
