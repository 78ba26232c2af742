package dev.sparrow.infer;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.TopK;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bracketed selection keeps exactly the winners of the reference ({@link TopK#keepLargest}: the k largest, ties
 * to the lower index) on both kernel backends: odd group sizes (vector tails), offsets, k at the extremes, all-zero
 * groups, heavy ties, NaN, skewed values (a sample far from the group's shape); and the scalar and vector passes agree.
 */
class BracketSelectionTest {
    private static final long SEED = 2026;

    private static WinnerKernels[] backends() {
        return new WinnerKernels[] {WinnerKernels.of(Backend.scalar()), WinnerKernels.of(Backend.get())};
    }

    @Test
    void sameWinnersAsTheReference() {
        System.out.println("BracketSelectionTest seed " + SEED);
        SplittableRandom rng = new SplittableRandom(SEED);
        for (int trial = 0; trial < 60; trial++) {
            int n = BracketSelection.MIN_GROUP + rng.nextInt(trial % 2 == 0 ? 600 : 9000);
            int k = switch (trial % 5) {
                case 0 -> 1;
                case 1 -> n - 1;
                default -> 1 + rng.nextInt(n - 1);
            };
            int base = rng.nextInt(17);
            float[] v = new float[base + n + 5];
            int kind = trial % 6;
            for (int i = base; i < base + n; i++) {
                v[i] = switch (kind) {
                    case 0 -> (float) rng.nextGaussian();
                    case 1 -> 0f; // all zero
                    case 2 -> Math.round(rng.nextGaussian() * 3) / 3f; // heavy ties
                    case 3 -> (float) Math.exp(4 * rng.nextGaussian()); // skewed
                    case 4 -> i < base + n / 2 ? -1f : (float) rng.nextDouble(); // sorted halves: sample vs group
                    default -> rng.nextInt(50) == 0 ? Float.NaN : (float) rng.nextGaussian();
                };
            }
            float[] want = v.clone();
            TopK.keepLargest(want, base, 1, n, k, new float[n]);
            for (WinnerKernels kernels : backends()) {
                float[] out = new float[v.length];
                Arrays.fill(out, 7f);
                BracketSelection.keepLargest(v, out, base, n, k, new float[n + 3], 3, kernels);
                assertThat(Arrays.copyOfRange(out, base, base + n)).as("trial %d kind %d n %d k %d %s", trial, kind, n, k,
                        kernels.name()).containsExactly(Arrays.copyOfRange(want, base, base + n));
                assertThat(out[base + n]).isEqualTo(7f); // nothing written past the group
            }
        }
    }

    @Test
    void vectorPassesEqualScalarOnes() {
        SplittableRandom rng = new SplittableRandom(SEED + 1);
        WinnerKernels scalar = WinnerKernels.of(Backend.scalar());
        for (WinnerKernels kernels : backends()) {
            for (int n : new int[] {0, 1, 7, 8, 15, 16, 17, 33, 1000, 4099}) {
                float[] x = new float[n + 3];
                for (int i = 0; i < x.length; i++) x[i] = rng.nextInt(9) == 0 ? Float.NaN : (float) rng.nextGaussian();
                float lo = -0.3f, hi = 0.4f;
                float[] a = new float[n], b = new float[n];
                long ra = scalar.bracket(x, 2, n, lo, hi, a, 0), rb = kernels.bracket(x, 2, n, lo, hi, b, 0);
                assertThat(rb).as("n %d %s", n, kernels.name()).isEqualTo(ra);
                assertThat(Arrays.copyOf(b, WinnerKernels.inside(rb))).isEqualTo(Arrays.copyOf(a, WinnerKernels.inside(ra)));
                float[] ka = x.clone(), kb = x.clone();
                scalar.keepAtLeast(x, ka, 2, n, 0.1f);
                kernels.keepAtLeast(x, kb, 2, n, 0.1f);
                assertThat(kb).as("keepAtLeast n %d %s", n, kernels.name()).isEqualTo(ka);
            }
        }
    }
}
