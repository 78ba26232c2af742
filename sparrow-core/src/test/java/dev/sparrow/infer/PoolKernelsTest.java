package dev.sparrow.infer;

import dev.sparrow.kernel.Backend;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The vectorised 2x2 max-pool row equals the scalar reference: odd widths (tails), offsets, NaN, signed zeros. */
class PoolKernelsTest {
    private static final long SEED = 22;

    @Test
    void vectorRowEqualsScalarRow() {
        System.out.println("PoolKernelsTest seed " + SEED);
        SplittableRandom rng = new SplittableRandom(SEED);
        PoolKernels scalar = PoolKernels.of(Backend.scalar()), chosen = PoolKernels.of(Backend.get());
        for (int ow : new int[] {1, 3, 4, 7, 8, 9, 12, 15, 16, 17, 33}) {
            int w = 2 * ow + rng.nextInt(2);
            float[] x = new float[3 + 2 * w];
            for (int i = 0; i < x.length; i++) {
                int pick = rng.nextInt(12);
                x[i] = pick == 0 ? Float.NaN : pick == 1 ? -0f : pick == 2 ? 0f : (float) rng.nextGaussian();
            }
            float[] want = new float[ow + 2], got = new float[ow + 2];
            Arrays.fill(want, 5f);
            Arrays.fill(got, 5f);
            scalar.max2x2Row(x, 3, 3 + w, want, 1, ow);
            chosen.max2x2Row(x, 3, 3 + w, got, 1, ow);
            for (int i = 0; i < want.length; i++) {
                assertThat(Float.floatToIntBits(got[i])).as("ow %d at %d (%s)", ow, i, chosen.name())
                        .isEqualTo(Float.floatToIntBits(want[i]));
            }
        }
    }

    @Test
    void reference() {
        float[] x = {1, 5, -2, 0, 3, 2, -1, 4};
        float[] out = new float[2];
        ScalarPoolKernels.INSTANCE.max2x2Row(x, 0, 4, out, 0, 2);
        assertThat(out).containsExactly(5f, 4f);
    }
}
