package dev.sparrow.sparse;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The direct convolution's kernel, every backend against a double-precision reference over the same taps. */
class ShiftedPlaneConvTest {

    /** rows, channels, kh, kw, row stride, positions: odd sizes, wide tiles with and without a one-vector tail. */
    private static final int[][] SHAPES = {
            {1, 1, 1, 1, 1, 16}, {5, 3, 3, 3, 7, 48}, {7, 2, 3, 3, 5, 80}, {16, 4, 5, 5, 9, 112}, {3, 6, 1, 1, 4, 32},
            {9, 3, 3, 3, 34, 1088}, {2, 1, 3, 2, 6, 16},
    };

    @Test
    void everyBackendMatchesTheReference() {
        long seed = 7000;
        for (int[] sh : SHAPES) {
            for (int threads : new int[]{1, 2}) {
                for (double density : new double[]{0.0, 0.1, 0.5, 1.0}) {
                    check(sh, threads, density, seed++, false);
                }
                check(sh, threads, 0.3, seed++, true);
            }
        }
    }

    private static void check(int[] sh, int threads, double density, long seed, boolean zeroInput) {
        int rows = sh[0], channels = sh[1], kh = sh[2], kw = sh[3], rowStride = sh[4], positions = sh[5];
        int channelStride = kh * rowStride + 3; // planes need not be packed tightly
        SplittableRandom rng = new SplittableRandom(seed);
        int cols = channels * kh * kw;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) if (rng.nextDouble() < density) w[i] = (float) rng.nextDouble(-1, 1);
        if (rows > 1) java.util.Arrays.fill(w, 0, cols, 0f); // an output channel with no taps
        ShiftedPlaneConv conv = ShiftedPlaneConv.of("conv", w, rows, channels, kh, kw, channelStride, rowStride);
        // the dense form of the same weights (zeros kept): the same product, through the register-blocked kernel
        ShiftedPlaneConv dense = ShiftedPlaneConv.ofDense("conv", w, rows, channels, kh, kw, channelStride, rowStride);
        assertThat(dense.maxOffset()).isGreaterThanOrEqualTo(conv.maxOffset());
        int inOff = 5;
        float[] in = new float[inOff + dense.maxOffset() + positions + 3];
        if (!zeroInput) for (int i = 0; i < in.length; i++) in[i] = (float) rng.nextDouble(-2, 2);
        int ldAcc = positions + 16, accOff = 3;
        double[] want = new double[rows * positions];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                double v = w[r * cols + k];
                if (v == 0) continue;
                int off = (k / (kh * kw)) * channelStride + (k / kw % kh) * rowStride + k % kw;
                for (int q = 0; q < positions; q++) want[r * positions + q] += v * in[inOff + off + q];
            }
        }
        try (ComputePool pool = ComputePool.ofThreads(threads)) {
            for (SparseKernels k : SparseKernelsTest.backends()) for (ShiftedPlaneConv form : List.of(conv, dense)) {
                float[] acc = new float[accOff + rows * ldAcc];
                java.util.Arrays.fill(acc, Float.NaN); // every position must be written
                form.accumulate(k, in, inOff, positions, acc, accOff, ldAcc, pool);
                String where = k.name() + (form.dense() ? " dense" : " sparse") + " shape " + java.util.Arrays.toString(sh) + " density " + density + " threads "
                        + threads + " seed " + seed;
                for (int r = 0; r < rows; r++) {
                    for (int q = 0; q < positions; q++) {
                        double expect = want[r * positions + q];
                        float got = acc[accOff + r * ldAcc + q];
                        assertThat((double) got).as(where + " at (" + r + ", " + q + ")")
                                .isCloseTo(expect, org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(expect)) * Math.sqrt(cols)));
                        if (zeroInput) assertThat(got).as(where).isEqualTo(0f);
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsNameTheLayerAndTheArgument() {
        float[] w = new float[2 * 9];
        w[4] = 1f;
        ShiftedPlaneConv conv = ShiftedPlaneConv.of("c1", w, 2, 1, 3, 3, 30, 6);
        SparseKernels k = SparseKernels.of(Backend.scalar());
        assertThatThrownBy(() -> conv.accumulate(k, new float[100], 0, 17, new float[100], 0, 32, ComputePool.serial()))
                .hasMessageContaining("c1").hasMessageContaining("multiple of 16");
        assertThatThrownBy(() -> conv.accumulate(k, new float[10], 0, 16, new float[100], 0, 32, ComputePool.serial()))
                .hasMessageContaining("in needs");
        assertThatThrownBy(() -> conv.accumulate(k, new float[100], 0, 16, new float[20], 0, 32, ComputePool.serial()))
                .hasMessageContaining("acc needs");
        assertThatThrownBy(() -> ShiftedPlaneConv.of("c2", w, 2, 1, 3, 3, 10, 0)).hasMessageContaining("c2");
    }
}
