package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Transposer} against the plain double loop: odd shapes, empty, all-zero, serial and over a pool. */
class TransposerTest {
    private static final long SEED = 1313;

    private static float[] reference(float[] src, int rows, int cols) {
        float[] dst = new float[src.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
        return dst;
    }

    @Test
    void matchesThePlainLoopOnOddShapesSeriallyAndOverThreads() {
        System.out.println("TransposerTest seed " + SEED);
        SplittableRandom rng = new SplittableRandom(SEED);
        int[][] shapes = {{0, 5}, {5, 0}, {1, 1}, {1, 37}, {37, 1}, {33, 65}, {65, 33}, {128, 2048}, {2048, 128}, {97, 784},
                {784, 97}, {128, 10}, {300, 300}};
        Transposer t = new Transposer();
        try (ComputePool pool = ComputePool.ofThreads(3)) {
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1];
                for (boolean zeros : new boolean[] {false, true}) {
                    float[] src = new float[rows * cols];
                    if (!zeros) for (int i = 0; i < src.length; i++) src[i] = (float) rng.nextGaussian();
                    float[] want = reference(src, rows, cols);
                    for (ComputePool p : new ComputePool[] {ComputePool.serial(), pool}) {
                        float[] dst = new float[src.length];
                        java.util.Arrays.fill(dst, Float.NaN);
                        t.transpose(src, rows, cols, dst, p);
                        assertThat(dst).as("%d x %d, %d thread(s)", rows, cols, p.threads()).isEqualTo(want);
                    }
                    float[] dst = new float[src.length];
                    SparseLinearEngine.transpose(src, rows, cols, dst);
                    assertThat(dst).as("%d x %d, the engine's serial transpose", rows, cols).isEqualTo(want);
                }
            }
        }
    }
}
