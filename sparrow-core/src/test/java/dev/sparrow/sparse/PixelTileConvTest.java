package dev.sparrow.sparse;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pixel-tiled dense convolution's kernel, every backend against a double-precision convolution computed from the
 * unpacked weights over zero-padded planes: odd channel counts (not multiples of 8 or of the block), stride 1 and 2,
 * padding, short last tiles and chunks, all-zero inputs, both vector widths (the build runs sparse.*Test at 512 bits).
 */
class PixelTileConvTest {

    /** rows, channels, height, width, kernel, stride, padding, images. */
    private static final int[][] SHAPES = {
            {1, 1, 1, 1, 1, 1, 0, 1}, {5, 3, 7, 5, 3, 1, 1, 2}, {17, 3, 9, 9, 3, 2, 1, 1}, {33, 13, 4, 4, 3, 1, 1, 3},
            {40, 6, 8, 8, 1, 2, 0, 2}, {9, 2, 6, 7, 5, 2, 2, 1}, {16, 4, 4, 4, 3, 1, 1, 5}, {64, 9, 11, 11, 3, 1, 1, 1},
            {7, 5, 10, 10, 3, 2, 0, 2},
    };

    @Test
    void everyBackendMatchesTheReference() {
        long seed = 12000;
        for (int[] sh : SHAPES) {
            for (int vectors : new int[]{2, 3}) {
                for (int threads : new int[]{1, 2}) {
                    check(sh, vectors, threads, seed++, false);
                    check(sh, vectors, threads, seed++, true);
                }
            }
        }
    }

    private static void check(int[] sh, int vectors, int threads, long seed, boolean zeroInput) {
        int rows = sh[0], channels = sh[1], h = sh[2], w = sh[3], k = sh[4], s = sh[5], p = sh[6], images = sh[7];
        int outH = (h + 2 * p - k) / s + 1, outW = (w + 2 * p - k) / s + 1;
        // each image padded on every side by p, images stacked per channel; plus some slack between channels
        int rowStride = w + 2 * p, imageFloats = (h + 2 * p) * rowStride, channelStride = images * imageFloats + 3;
        SplittableRandom rng = new SplittableRandom(seed);
        int taps = channels * k * k;
        float[] wt = new float[rows * taps];
        for (int i = 0; i < wt.length; i++) wt[i] = (float) rng.nextDouble(-1, 1);
        int[] pixels = new int[images * outH * outW];
        for (int j = 0, i = 0; j < images; j++) {
            for (int oy = 0; oy < outH; oy++) for (int ox = 0; ox < outW; ox++) pixels[i++] = j * imageFloats + oy * s * rowStride + ox * s;
        }
        PixelTileConv conv = PixelTileConv.ofDense("conv", wt, rows, channels, k, k, channelStride, rowStride, pixels, vectors);
        int inOff = 5;
        float[] in = new float[inOff + channels * channelStride + 2];
        float[][][][] img = new float[images][channels][h][w];
        for (int j = 0; j < images; j++) for (int c = 0; c < channels; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            float v = zeroInput ? 0f : (float) rng.nextDouble(-2, 2);
            img[j][c][y][x] = v;
            in[inOff + c * channelStride + j * imageFloats + (y + p) * rowStride + x + p] = v;
        }
        int count = pixels.length, ld = conv.paddedRows() + 3, accOff = 2;
        for (SparseKernels kernels : SparseKernelsTest.backends()) {
            for (int n : new int[]{count, Math.max(1, count - 7)}) {
                float[] acc = new float[accOff + n * ld + 4];
                java.util.Arrays.fill(acc, Float.NaN);
                try (ComputePool pool = ComputePool.ofThreads(threads)) {
                    conv.accumulate(kernels, in, inOff, n, acc, accOff, ld, pool);
                }
                String where = kernels.name() + " vectors " + vectors + " shape " + java.util.Arrays.toString(sh) + " threads " + threads + " count " + n
                        + " seed " + seed;
                for (int i = 0; i < n; i++) {
                    int j = i / (outH * outW), oy = i / outW % outH, ox = i % outW;
                    for (int r = 0; r < conv.paddedRows(); r++) {
                        double want = 0, mag = 0;
                        if (r < rows) {
                            for (int c = 0; c < channels; c++) for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
                                int y = oy * s + ky - p, x = ox * s + kx - p;
                                if (y < 0 || y >= h || x < 0 || x >= w) continue;
                                double t = (double) wt[r * taps + (c * k + ky) * k + kx] * img[j][c][y][x];
                                want += t;
                                mag += Math.abs(t);
                            }
                        }
                        float got = acc[accOff + i * ld + r];
                        if (zeroInput) assertThat(got).as(where + " zero input pixel " + i + " row " + r).isEqualTo(0f);
                        else assertThat((double) got).as(where + " pixel " + i + " row " + r)
                                .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * (1 + mag)));
                    }
                }
            }
        }
    }

    @Test
    void formForFewChannelsIsTheSmallerBlock() {
        assertThat(PixelTileConv.vectorsFor(1)).isEqualTo(2);
        assertThat(PixelTileConv.vectorsFor(512)).isEqualTo(3);
    }

    @Test
    void rejectsBadCalls() {
        float[] wt = new float[2 * 9];
        PixelTileConv conv = PixelTileConv.ofDense("c", wt, 2, 1, 3, 3, 50, 7, new int[]{0, 1, 2});
        SparseKernels k = SparseKernels.of(Backend.scalar());
        try (ComputePool pool = ComputePool.ofThreads(1)) {
            assertThatThrownBy(() -> conv.accumulate(k, new float[10], 0, 3, new float[100], 0, conv.paddedRows(), pool))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("in needs");
            assertThatThrownBy(() -> conv.accumulate(k, new float[100], 0, 4, new float[100], 0, conv.paddedRows(), pool))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count");
            assertThatThrownBy(() -> conv.accumulate(k, new float[100], 0, 3, new float[10], 0, conv.paddedRows(), pool))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acc needs");
        }
        assertThatThrownBy(() -> PixelTileConv.ofDense("c", new float[5], 2, 1, 3, 3, 50, 7, new int[]{0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weights");
        assertThatThrownBy(() -> PixelTileConv.ofDense("c", wt, 2, 1, 3, 3, 50, 7, new int[]{0}, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vectors");
    }
}
