package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MaskInitTest {
    private static final long SEED = 11;

    @Test
    void randomMaskHasExactlyTheActiveCount() {
        for (int active : new int[] {0, 1, 23_520, 235_199, 235_200}) {
            Mask m = MaskInit.random(235_200, active, new SplittableRandom(SEED));
            assertThat(m.activeCount()).as("active %d, seed %d", active, SEED).isEqualTo(active);
        }
    }

    @Test
    void sameSeedSameMaskOtherSeedOtherMask() {
        Mask a = MaskInit.random(1000, 100, new SplittableRandom(SEED));
        Mask b = MaskInit.random(1000, 100, new SplittableRandom(SEED));
        Mask c = MaskInit.random(1000, 100, new SplittableRandom(SEED + 1));
        assertThat(a.values()).isEqualTo(b.values());
        assertThat(a.values()).isNotEqualTo(c.values());
        Mask f1 = MaskInit.constantFanIn(30, 50, 7, new SplittableRandom(SEED));
        Mask f2 = MaskInit.constantFanIn(30, 50, 7, new SplittableRandom(SEED));
        assertThat(f1.values()).isEqualTo(f2.values());
    }

    @Test
    void randomMaskSpreadsOverAllPositions() {
        // 200 draws of 50 of 100 positions: every position is picked sometimes and never always
        int[] hits = new int[100];
        SplittableRandom rng = new SplittableRandom(SEED);
        for (int t = 0; t < 200; t++) {
            Mask m = MaskInit.random(100, 50, rng);
            for (int i = 0; i < 100; i++) if (m.isActive(i)) hits[i]++;
        }
        for (int i = 0; i < 100; i++) assertThat(hits[i]).as("position %d (seed %d)", i, SEED).isBetween(60, 140);
    }

    @Test
    void constantFanInKeepsExactlyKPerRow() {
        // a conv weight [cout=8, cin=3, 3, 3] viewed as 8 rows of 27
        Mask m = MaskInit.constantFanIn(8, 27, 5, new SplittableRandom(SEED));
        assertThat(MaskInit.rowCounts(m, 8)).containsOnly(5);
        assertThat(m.activeCount()).isEqualTo(40);
        assertThat(MaskInit.rowCounts(MaskInit.constantFanIn(4, 6, 6, new SplittableRandom(SEED)), 4)).containsOnly(6);
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> MaskInit.random(10, 11, new SplittableRandom(1))).hasMessageContaining("active is 11");
        assertThatThrownBy(() -> MaskInit.constantFanIn(2, 5, 6, new SplittableRandom(1))).hasMessageContaining("fan-in k is 6");
        assertThatThrownBy(() -> MaskInit.rowCounts(Mask.dense(10), 3)).hasMessageContaining("rows is 3");
    }
}
