package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.layers.Im2col;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sparse-input (input-stationary scatter) convolution, in both layouts (per-plane scalar scatter and
 * channels-last blocks, the blocks with the scalar reference and the backend's kernels), against a plain direct convolution in double, on random
 * sparse inputs of odd shapes, with padding, empty rows and channels, all-zero images, dense inputs, 1-3 threads;
 * outputs poisoned first so a value left unwritten shows.
 */
class SparseInputConvStepTest {
    private static final long SEED = 1515;
    /** The per-plane scalar scatter (null), the channel blocks' scalar reference and the backend's kernels. */
    private static final ScatterKernels[] LAYOUTS = {null, ScalarScatterKernels.INSTANCE,
            ScatterKernels.of(dev.sparrow.kernel.Backend.get())};

    /** (cin, h, w, cout, kh, kw, pad) */
    private static final int[][] SHAPES = {
            {64, 12, 12, 64, 5, 5, 0}, {1, 1, 1, 1, 1, 1, 0}, {3, 7, 5, 5, 3, 3, 1}, {2, 9, 13, 7, 5, 3, 2},
            {5, 4, 4, 3, 4, 4, 3}, {4, 6, 11, 17, 1, 1, 0}, {3, 5, 5, 2, 5, 5, 0}, {2, 3, 8, 4, 2, 5, 1}};

    @Test
    void equalsDirectConvolutionOnSparseInputs() {
        System.out.println("SparseInputConvStepTest seed " + SEED);
        SplittableRandom rng = new SplittableRandom(SEED);
        int complementarySteps = 0;
        for (int[] s : SHAPES) {
            int cin = s[0], h = s[1], w = s[2], cout = s[3], kh = s[4], kw = s[5], pad = s[6];
            Im2col g = new Im2col(cin, h, w, kh, kw, 1, pad);
            for (double weightDensity : new double[] {0.05, 0.5, 1.0, 0.0, -1}) {
                float[] weights = new float[cout * cin * kh * kw];
                for (int i = 0; i < weights.length; i++) weights[i] = rng.nextDouble() < weightDensity ? (float) rng.nextGaussian() : 0f;
                if (weightDensity < 0) complementaryMask(weights, cout, cin * kh * kw, Math.min(cout, 5), rng);
                float[] bias = rng.nextBoolean() ? null : randoms(rng, cout);
                boolean relu = rng.nextBoolean();
                int batch = 4;
                int in = cin * h * w;
                float[] x = new float[batch * in];
                // sample 0: 10% nonzero; 1: all zero; 2: dense; 3: whole rows and the first channel empty
                for (int i = 0; i < in; i++) {
                    x[i] = rng.nextDouble() < 0.1 ? (float) rng.nextGaussian() : 0f;
                    x[2 * in + i] = (float) rng.nextGaussian();
                    int row = i / w, channel = i / (h * w);
                    x[3 * in + i] = channel == 0 || row % 2 == 1 ? 0f : (float) rng.nextGaussian();
                }
                double[] magnitude = new double[batch * cout * g.cols()];
                double[] want = reference(x, batch, weights, bias, relu, g, cout, magnitude);
                for (int threads = 1; threads <= 3; threads++) {
                    try (ComputePool pool = ComputePool.ofThreads(threads)) {
                        float[] blocksScalar = null;
                        for (int li = 0; li <= LAYOUTS.length; li++) {
                            ScatterKernels layout = li < LAYOUTS.length ? LAYOUTS[li] : null;
                            SparseInputConvStep step = li < LAYOUTS.length
                                    ? new SparseInputConvStep("conv", weights, cout, bias, relu, false, g, pool, layout)
                                    : SparseInputConvStep.complementary("conv", weights, cout, bias, relu, false, g, pool);
                            if (step == null) continue; // not complementary
                            if (li == LAYOUTS.length) complementarySteps++;
                            Workspace ws = new Workspace(0, new int[] {in, step.outFeatures}, batch, Math.max(in, step.outFeatures),
                                    step.columnFloats(), 0, threads);
                            float[] y = new float[batch * step.outFeatures];
                            for (int b : new int[] {1, 3, batch}) {
                                Arrays.fill(y, Float.NaN);
                                step.run(ws, x, y, b);
                                for (int i = 0; i < b * step.outFeatures; i++) {
                                    assertThat((double) y[i]).as("shape %s density %s threads %d batch %d at %d layout %s",
                                            Arrays.toString(s), weightDensity, threads, b, i, step.format()).isCloseTo(want[i],
                                            org.assertj.core.data.Offset.offset(1e-6 * (1 + magnitude[i]))); // rounding grows with the terms
                                }
                            }
                            // the vector blocks add in the scalar reference's order: the same bits
                            if (layout == ScalarScatterKernels.INSTANCE) blocksScalar = y.clone();
                            else if (layout != null && layout.lanes() == ScalarScatterKernels.INSTANCE.lanes()) {
                                assertThat(y).as("vector blocks equal the scalar reference, shape %s", Arrays.toString(s))
                                        .containsExactly(blocksScalar);
                            }
                        }
                    }
                }
            }
        }
        assertThat(complementarySteps).as("complementary packed steps tested").isGreaterThan(10);
    }

    @Test
    void refusesStridesAndWidePadding() {
        float[] w = new float[9];
        assertThatThrownBy(() -> new SparseInputConvStep("c", w, 1, null, false, false, new Im2col(1, 5, 5, 3, 3, 2, 0),
                ComputePool.serial())).hasMessageContaining("stride 1");
        assertThatThrownBy(() -> new SparseInputConvStep("c", w, 1, null, false, false, new Im2col(1, 5, 5, 3, 3, 1, 3),
                ComputePool.serial())).hasMessageContaining("padding");
    }

    /**
     * Complementary weights: in each group of n consecutive rows one row, at random, holds each column's weight (the
     * last group, when shorter, holds a column with probability rows-in-it / n).
     */
    static void complementaryMask(float[] weights, int rows, int cols, int n, SplittableRandom rng) {
        java.util.Arrays.fill(weights, 0f);
        for (int g = 0; g * n < rows; g++) {
            for (int c = 0; c < cols; c++) {
                int r = g * n + rng.nextInt(n);
                if (r < rows) weights[r * cols + c] = (float) rng.nextGaussian();
            }
        }
    }

    @Test
    void detectsComplementaryGroups() {
        SplittableRandom rng = new SplittableRandom(SEED);
        float[] w = new float[64 * 100];
        complementaryMask(w, 64, 100, 20, rng);
        assertThat(SparseInputConvStep.complementaryGroup(w, 64, 100)).isGreaterThanOrEqualTo(20);
        w[0] = 1f;
        w[100] = 1f; // rows 0 and 1 share column 0
        assertThat(SparseInputConvStep.complementaryGroup(w, 64, 100)).isEqualTo(1);
        assertThat(SparseInputConvStep.complementary("c", w, 64, null, false, false, new Im2col(4, 5, 5, 5, 5, 1, 0),
                ComputePool.serial())).isNull();
    }

    private static float[] randoms(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return v;
    }

    /** Direct convolution in double, NCHW, stride 1; {@code magnitude} gets each output's sum of |terms|. */
    static double[] reference(float[] x, int batch, float[] weights, float[] bias, boolean relu, Im2col g, int cout,
                              double[] magnitude) {
        int oh = g.outH, ow = g.outW;
        double[] y = new double[batch * cout * oh * ow];
        for (int n = 0; n < batch; n++) {
            for (int co = 0; co < cout; co++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = bias == null ? 0 : bias[co], abs = Math.abs(acc);
                        for (int ci = 0; ci < g.channels; ci++) {
                            for (int ky = 0; ky < g.kh; ky++) {
                                int iy = oy - g.padding + ky;
                                if (iy < 0 || iy >= g.height) continue;
                                for (int kx = 0; kx < g.kw; kx++) {
                                    int ix = ox - g.padding + kx;
                                    if (ix < 0 || ix >= g.width) continue;
                                    double t = (double) weights[((co * g.channels + ci) * g.kh + ky) * g.kw + kx]
                                            * x[((n * g.channels + ci) * g.height + iy) * g.width + ix];
                                    acc += t;
                                    abs += Math.abs(t);
                                }
                            }
                        }
                        int o = ((n * cout + co) * oh + oy) * ow + ox;
                        y[o] = relu ? Math.max(acc, 0) : acc;
                        magnitude[o] = abs;
                    }
                }
            }
        }
        return y;
    }
}
