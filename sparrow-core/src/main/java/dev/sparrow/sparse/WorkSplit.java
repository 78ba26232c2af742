package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;

/** Splits work units (rows, block rows) over a pool so that each thread gets about the same nonzeros. */
final class WorkSplit {
    private WorkSplit() {}

    /**
     * Runs body over [0, units) in at most pool.threads() contiguous ranges of equal nonzero count, where
     * ptr (length units + 1, non-decreasing) gives the cumulative nonzeros before each unit.
     */
    static void byNonzeros(ComputePool pool, int[] ptr, int units, ComputePool.RangeTask body) {
        int parts = Math.min(pool.threads(), units);
        long total = ptr[units];
        if (parts <= 1 || total == 0) {
            if (units > 0) body.run(0, units);
            return;
        }
        pool.parallelFor(parts, 1, (pf, pt) -> {
            for (int p = pf; p < pt; p++) {
                int from = p == 0 ? 0 : firstAtLeast(ptr, units, total * p / parts);
                int to = p == parts - 1 ? units : firstAtLeast(ptr, units, total * (p + 1) / parts);
                if (from < to) body.run(from, to);
            }
        });
    }

    /** The first i in [0, units] with ptr[i] >= target. */
    static int firstAtLeast(int[] ptr, int units, long target) {
        int lo = 0, hi = units;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ptr[mid] >= target) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    /** Splits [0, n) evenly (equal work per unit), in multiples of grain. */
    static void evenly(ComputePool pool, int n, int grain, ComputePool.RangeTask body) {
        if (n <= 0) return;
        if (pool.threads() <= 1) body.run(0, n); else pool.parallelFor(n, grain, body);
    }
}
