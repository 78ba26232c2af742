package dev.sparrow.infer;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.layers.Im2col;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.PackedWeights;
import dev.sparrow.sparse.SparseFormats;
import dev.sparrow.sparse.SparseKernels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A convolution step run direct over padded planes against the same step through im2col (whose kernels
 * SparseKernelsTest holds to the reference): odd images, paddings and kernels, grouped batches, threads, empty output
 * channels, all-zero inputs, both vector widths (the build runs the suite at 256 and 512 bits).
 */
class DirectConvStepTest {
    /** channels, height, width, kernel, padding, output channels. */
    private static final int[][] GEOMETRIES = {
            {3, 7, 5, 3, 1, 4}, {5, 4, 4, 3, 1, 9}, {2, 9, 6, 5, 2, 3}, {4, 6, 7, 3, 0, 5}, {3, 5, 5, 1, 0, 6},
            {1, 1, 1, 3, 1, 2}, {16, 32, 32, 3, 1, 8},
            {3, 5, 6, 1, 1, 4}, {2, 5, 4, 3, 2, 3}, // padding wider than half the kernel: outputs larger than the image
    };

    @Test
    void directMatchesIm2col() {
        long seed = 9100;
        for (SparseKernels kernels : backends()) {
            for (int[] g : GEOMETRIES) {
                for (int threads : new int[]{1, 2}) {
                    for (int batch : new int[]{1, 3, 8}) {
                        check(kernels, g, threads, batch, seed++, false);
                    }
                    check(kernels, g, threads, 2, seed++, true);
                }
            }
        }
    }

    /**
     * Dense weights (every weight nonzero but one output channel's) run direct through the register-blocked dense
     * form, against the same dense step through im2col and the packed GEMM.
     */
    @Test
    void denseDirectMatchesIm2col() {
        long seed = 9500;
        for (SparseKernels kernels : backends()) {
            for (int[] g : GEOMETRIES) {
                for (int threads : new int[]{1, 2}) {
                    for (int batch : new int[]{1, 3, 8}) {
                        checkDense(kernels, g, threads, batch, seed++, false);
                    }
                    checkDense(kernels, g, threads, 2, seed++, true);
                }
            }
        }
    }

    /** As {@link #GEOMETRIES} plus stride: the pixel-tiled kernel covers stride 2 too. */
    private static final int[][] TILED = {
            {3, 7, 5, 3, 1, 4, 1}, {5, 4, 4, 3, 1, 9, 1}, {2, 9, 6, 5, 2, 3, 2}, {4, 6, 7, 3, 0, 5, 2}, {3, 5, 5, 1, 0, 6, 1},
            {1, 1, 1, 3, 1, 2, 1}, {16, 32, 32, 3, 1, 8, 2}, {3, 5, 6, 1, 1, 4, 1}, {2, 5, 4, 3, 2, 3, 1},
            {13, 8, 8, 3, 1, 20, 2}, {6, 8, 8, 1, 0, 17, 2}, {9, 4, 4, 3, 1, 33, 1},
    };

    /** Dense weights through the pixel-tiled kernel against the same dense step through im2col and the packed GEMM. */
    @Test
    void tiledMatchesIm2col() {
        long seed = 9900;
        for (SparseKernels kernels : backends()) {
            for (int[] g : TILED) {
                for (int threads : new int[]{1, 2}) {
                    for (int batch : new int[]{1, 3, 8}) {
                        compare(kernels, g, threads, batch, seed++, false, true, ConvStep.Path.TILED);
                    }
                    compare(kernels, g, threads, 2, seed++, true, true, ConvStep.Path.TILED);
                }
            }
        }
    }

    private static List<SparseKernels> backends() {
        Backend v = Backend.vectorOrNull();
        return v == null ? List.of(SparseKernels.of(Backend.scalar()))
                : List.of(SparseKernels.of(Backend.scalar()), SparseKernels.of(v));
    }

    private static void check(SparseKernels kernels, int[] g, int threads, int batch, long seed, boolean zeroInput) {
        compare(kernels, g, threads, batch, seed, zeroInput, false);
    }

    private static void checkDense(SparseKernels kernels, int[] g, int threads, int batch, long seed, boolean zeroInput) {
        compare(kernels, g, threads, batch, seed, zeroInput, true);
    }

    private static void compare(SparseKernels kernels, int[] g, int threads, int batch, long seed, boolean zeroInput,
                                boolean dense) {
        compare(kernels, g, threads, batch, seed, zeroInput, dense, ConvStep.Path.SHIFTED);
    }

    private static void compare(SparseKernels kernels, int[] g, int threads, int batch, long seed, boolean zeroInput,
                                boolean dense, ConvStep.Path path) {
        SplittableRandom rng = new SplittableRandom(seed);
        Im2col geometry = new Im2col(g[0], g[1], g[2], g[3], g[3], g.length > 6 ? g[6] : 1, g[4]);
        int rows = g[5], cols = geometry.rows();
        float[] values = new float[rows * cols], mask = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rng.nextDouble(-1, 1);
            mask[i] = dense || rng.nextDouble() < 0.3 ? 1f : 0f;
        }
        java.util.Arrays.fill(mask, 0, cols, 0f); // an output channel with no weights: its output is the bias
        for (int i = 0; i < values.length; i++) values[i] *= mask[i];
        PackedWeights csr = dense
                ? new DenseWeights("conv", values, rows, cols, (Backend.vectorOrNull() == null ? Backend.scalar()
                        : Backend.vectorOrNull()).kernels())
                : SparseFormats.build("csr", MaskedWeights.of(values, mask, rows, cols, "conv"));
        boolean relu = (seed & 1) == 0;
        float[] bias = (seed & 2) == 0 ? null : new float[rows];
        if (bias != null) for (int r = 0; r < rows; r++) bias[r] = (float) rng.nextDouble(-0.5, 0.5);
        float[] in = new float[batch * geometry.channels * geometry.height * geometry.width];
        if (!zeroInput) for (int i = 0; i < in.length; i++) in[i] = (float) rng.nextDouble(-2, 2);
        String where = kernels.name() + (dense ? " dense" : "") + " " + path + " geometry " + java.util.Arrays.toString(g) + " threads " + threads + " batch "
                + batch + " relu " + relu + " bias " + (bias != null) + " seed " + seed;
        System.out.println("DirectConvStepTest: " + where);
        try (ComputePool pool = ComputePool.ofThreads(threads)) {
            ConvStep viaIm2col = new ConvStep("conv", csr, bias, relu, false, geometry, batch, kernels, pool, null, List.of());
            ConvStep direct = new ConvStep("conv", csr, bias, relu, false, geometry, batch, kernels, pool, null, List.of(), path);
            if (path == ConvStep.Path.SHIFTED) assertThat(direct.direct.dense()).as(where).isEqualTo(dense);
            else assertThat(direct.tiled).as(where).isNotNull();
            float[] want = run(viaIm2col, in, batch, threads);
            float[] got = run(direct, in, batch, threads);
            for (int i = 0; i < want.length; i++) {
                assertThat(got[i]).as(where + " at " + i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(
                        1e-5f * (1 + Math.abs(want[i])) * (float) Math.sqrt(cols)));
            }
            if (zeroInput) {
                for (int i = 0; i < got.length; i++) {
                    int oc = i / geometry.cols() % rows;
                    float b = bias == null ? 0f : bias[oc];
                    assertThat(got[i]).as(where + " zero input at " + i).isEqualTo(relu ? Math.max(b, 0f) : b);
                }
            }
        }
    }

    /** The step's output on a poisoned output buffer and a workspace of garbage, so that nothing unwritten passes. */
    private static float[] run(ConvStep step, float[] in, int batch, int threads) {
        Workspace ws = new Workspace(0, new int[0], batch, 0, step.columnFloats(), step.stagingFloats(), threads);
        java.util.Arrays.fill(ws.columns, 1e30f);
        java.util.Arrays.fill(ws.convOutputs, Float.NaN);
        float[] out = new float[batch * step.outFeatures];
        java.util.Arrays.fill(out, Float.NaN);
        step.run(ws, in, out, batch);
        return out;
    }
}
