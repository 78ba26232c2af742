package dev.sparrow.kernel;

/**
 * Argument checks shared by the kernel implementations. They cost O(1) per call, so a bad offset or
 * leading dimension fails with a message naming the input instead of an index error deep in a loop.
 */
final class KernelArgs {
    private KernelArgs() {}

    static void nonNegative(String name, int value) {
        if (value < 0) throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }

    /** A vector of {@code n} floats starting at {@code off} must lie inside {@code array}. */
    static void vector(String name, float[] array, int off, int n) {
        if (array == null) throw new NullPointerException(name + " is null");
        if (off < 0 || (long) off + n > array.length) {
            throw new IllegalArgumentException(name + ": offset " + off + " + length " + n
                    + " exceeds array length " + array.length);
        }
    }

    /** A row-major {@code rows x cols} matrix with leading dimension {@code ld} must lie inside {@code array}. */
    static void matrix(String name, float[] array, int off, int rows, int cols, int ld) {
        if (array == null) throw new NullPointerException(name + " is null");
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(name + ": leading dimension " + ld + " is smaller than its "
                    + cols + " columns");
        }
        if (off < 0) throw new IllegalArgumentException(name + ": offset " + off + " is negative");
        if (rows == 0 || cols == 0) return;
        long last = off + (long) (rows - 1) * ld + cols;
        if (last > array.length) {
            throw new IllegalArgumentException(name + ": a " + rows + " x " + cols + " matrix at offset " + off
                    + " with leading dimension " + ld + " needs " + last + " floats, array has " + array.length);
        }
    }

    static void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, ComputePool pool) {
        nonNegative("m", m);
        nonNegative("n", n);
        nonNegative("k", k);
        if (pool == null) throw new NullPointerException("pool is null");
        if (transA) matrix("A (transposed, stored k x m)", a, aOff, k, m, lda);
        else matrix("A (m x k)", a, aOff, m, k, lda);
        if (transB) matrix("B (transposed, stored n x k)", b, bOff, n, k, ldb);
        else matrix("B (k x n)", b, bOff, k, n, ldb);
        matrix("C (m x n)", c, cOff, m, n, ldc);
    }

    static void gemv(boolean transA, int m, int n, float[] a, int aOff, int lda, float[] x, int xOff,
                     float[] y, int yOff, ComputePool pool) {
        nonNegative("m", m);
        nonNegative("n", n);
        if (pool == null) throw new NullPointerException("pool is null");
        matrix("A (m x n)", a, aOff, m, n, lda);
        vector("x", x, xOff, transA ? m : n);
        vector("y", y, yOff, transA ? n : m);
    }

    static void packedGemv(PackedDenseMatrix w, float[] x, int xOff, float[] y, int yOff, ComputePool pool) {
        if (w == null) throw new NullPointerException("packed W is null");
        if (pool == null) throw new NullPointerException("pool is null");
        vector("x", x, xOff, w.cols());
        vector("y", y, yOff, w.rows());
    }

    static void packedGemm(PackedDenseMatrix w, int n, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                           ComputePool pool) {
        if (w == null) throw new NullPointerException("packed W is null");
        nonNegative("n", n);
        if (pool == null) throw new NullPointerException("pool is null");
        matrix("B (cols x n)", b, bOff, w.cols(), n, ldb);
        matrix("C (rows x n)", c, cOff, w.rows(), n, ldc);
    }
}
