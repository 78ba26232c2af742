package dev.sparrow.sparse;

import java.util.Arrays;

/**
 * Per-thread scratch for the Vector API kernels: the int lanes that 16-bit indices are widened into
 * before a gather (JDK 25 has no gather from an index vector). A {@code new int[L]} per call was an
 * allocation per layer call that C2 removed only sometimes; kernels do not nest, so one array per
 * thread serves them all.
 */
final class KernelScratch {
    private static final int MAX_INTS = 64;
    private static final ThreadLocal<int[]> INTS = ThreadLocal.withInitial(() -> new int[MAX_INTS]);

    private KernelScratch() {}

    /**
     * This thread's scratch with its first {@code n} lanes zeroed: a masked gather still range-checks
     * masked-off lanes, so they must not hold another matrix's (possibly larger) indices.
     */
    static int[] ints(int n) {
        int[] a = INTS.get();
        Arrays.fill(a, 0, n, 0);
        return a;
    }
}
