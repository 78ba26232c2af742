package dev.sparrow.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dense kernels' reductions give the same bits on their first calls (interpreted) and after the JIT compiled
 * them: their lanes are summed in {@link LaneTree}'s fixed order, not by {@code reduceLanes(ADD)}, whose order
 * differs between the interpreter and C2. (Where an earlier test in the same JVM already compiled a kernel, both
 * calls run compiled and the test holds trivially; run alone, it fails with reduceLanes.)
 */
class FixedLaneOrderTest {
    @Test
    void dotSumAndGemvGiveTheSameBitsBeforeAndAfterTheJitCompiledThem() {
        long seed = 78;
        SplittableRandom rng = new SplittableRandom(seed);
        int m = 7, n = 203; // 4-row blocks, a single row, and a scalar tail
        float[] a = new float[m * n], x = new float[n];
        // magnitudes far apart, so that another order of the lane sums gives other bits
        for (int i = 0; i < a.length; i++) a[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-3, 4)));
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        Kernels k = Backend.get().kernels();
        float dot0 = k.dot(n, a, 0, x, 0), sum0 = k.sum(n, a, 0);
        float[] y0 = new float[m], y = new float[m];
        k.gemv(false, m, n, a, 0, n, x, 0, 0f, y0, 0, ComputePool.serial());
        float dot = 0, sum = 0;
        for (int i = 0; i < 30_000; i++) {
            dot = k.dot(n, a, 0, x, 0);
            sum = k.sum(n, a, 0);
            k.gemv(false, m, n, a, 0, n, x, 0, 0f, y, 0, ComputePool.serial());
        }
        assertThat(dot).as("%s dot, seed %d", k.name(), seed).isEqualTo(dot0);
        assertThat(sum).as("%s sum, seed %d", k.name(), seed).isEqualTo(sum0);
        assertThat(y).as("%s gemv, seed %d", k.name(), seed).isEqualTo(y0);
    }
}
