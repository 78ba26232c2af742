package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.Sgd;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SetAndGmpTest {
    private static final long SEED = 53;

    @Test
    void setDropsTheSmallestMagnitudesAndRegrowsTheSameNumberAtZero() {
        // 10 active of 20 at |w| = 1..10 (position i has |w| = i + 1), zeta 0.3: drop positions 0, 1, 2
        float[] w = new float[20];
        float[] keep = new float[20];
        for (int i = 0; i < 10; i++) {
            w[i] = (i % 2 == 0 ? 1 : -1) * (i + 1f);
            keep[i] = 1f;
        }
        Parameter p = new Parameter("weight", Tensor.wrap(w, 4, 5), true);
        p.setMask(Mask.of(keep));
        SetSparsity set = new SetSparsity(UpdateSchedule.constantFraction(1, 1.0, 0.3));
        set.resume(List.of(new LayerBudget("w", p, 10, false)), null, new SplittableRandom(SEED));

        set.afterStep(1, 10);

        assertThat(p.mask().activeCount()).isEqualTo(10);
        for (int i = 3; i < 10; i++) assertThat(p.mask().isActive(i)).as("kept %d", i).isTrue();
        int grown = 0;
        for (int i = 0; i < 20; i++) {
            if (p.mask().isActive(i) && (i < 3 || i >= 10)) {
                grown++;
                // a new position starts at zero; a dropped one drawn again keeps its value
                float expected = i >= 10 ? 0f : (i % 2 == 0 ? 1 : -1) * (i + 1f);
                assertThat(w[i]).as("regrown %d", i).isEqualTo(expected);
            }
        }
        assertThat(grown).isEqualTo(3);
    }

    @Test
    void setIsRepeatableForASeedAndKeepsExactCounts() {
        float[][] masks = new float[3][];
        long[] seeds = {SEED, SEED, SEED + 1};
        for (int run = 0; run < 3; run++) {
            Map<String, Parameter> params = Fixtures.twoLayers(SEED);
            List<LayerBudget> layers = SparsityBudget.allocate(params, 0.9, Distribution.UNIFORM, false, false);
            Sgd sgd = Sgd.builder(params).momentum(0.9f).build();
            SetSparsity set = SetSparsity.every(2);
            set.initialize(layers, sgd, new SplittableRandom(seeds[run]));
            SplittableRandom gradients = new SplittableRandom(SEED);
            for (int step = 1; step <= 10; step++) {
                Fixtures.randomGradients(params, gradients);
                sgd.step(0.05f);
                set.afterStep(step, 10);
                for (LayerBudget l : layers) assertThat(l.parameter().mask().activeCount()).isEqualTo(l.active());
            }
            masks[run] = params.get("0.weight").mask().values().clone();
        }
        assertThat(masks[0]).isEqualTo(masks[1]);
        assertThat(masks[0]).isNotEqualTo(masks[2]);
    }

    @Test
    void gmpFollowsTheCubicScheduleAndEndsExactlyAtTheBudget() {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.9, Distribution.UNIFORM, false, false);
        // 1000 steps: t0 = 100, dt = 50, n = floor(0.5 * 1000 / 50) = 10 pruning steps, last at 600
        Gmp gmp = new Gmp(0.0, 0.1, 0.6, 50);
        gmp.initialize(layers, null, new SplittableRandom(SEED));
        LayerBudget first = layers.getFirst();
        float[] original = first.parameter().value().data().clone();
        assertThat(first.parameter().mask().activeCount()).isEqualTo(600);
        assertThat(gmp.sparsityAt(100, 1000, 0.9)).isCloseTo(0.0, within(1e-12));
        assertThat(gmp.sparsityAt(350, 1000, 0.9)).isCloseTo(0.9 - 0.9 * 0.125, within(1e-12));
        assertThat(gmp.sparsityAt(600, 1000, 0.9)).isCloseTo(0.9, within(1e-12));
        boolean[] everPruned = new boolean[600];
        int previous = 600;
        for (long step = 1; step <= 1000; step++) {
            gmp.afterStep(step, 1000);
            Mask m = first.parameter().mask();
            int expected = step < 100 ? 600 : step >= 600 ? 60
                    : (int) Math.round((1 - gmp.sparsityAt(step - (step - 100) % 50, 1000, 0.9)) * 600);
            assertThat(m.activeCount()).as("active after step %d", step).isEqualTo(expected);
            assertThat(m.activeCount()).isLessThanOrEqualTo(previous);
            previous = m.activeCount();
            for (int i = 0; i < 600; i++) {
                if (everPruned[i]) assertThat(m.isActive(i)).as("pruned %d came back at step %d", i, step).isFalse();
                if (!m.isActive(i)) everPruned[i] = true;
            }
        }
        // with the weights unchanged, what is left are exactly the 60 largest magnitudes
        float[] sorted = new float[600];
        for (int i = 0; i < 600; i++) sorted[i] = Math.abs(original[i]);
        java.util.Arrays.sort(sorted);
        float cut = sorted[600 - 60];
        for (int i = 0; i < 600; i++) {
            assertThat(first.parameter().mask().isActive(i)).as("position %d, |w| %s, cut %s", i, Math.abs(original[i]), cut)
                    .isEqualTo(Math.abs(original[i]) >= cut);
        }
    }

    @Test
    void bankBalancedGmpKeepsTheSameCountInEveryBank() {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED); // fan-ins 30 and 20
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.8, Distribution.UNIFORM, false, false);
        Gmp gmp = new Gmp(0.0, 0.0, 0.5, 10, 10);
        gmp.initialize(layers, null, new SplittableRandom(SEED));
        for (long step = 1; step <= 100; step++) {
            gmp.afterStep(step, 100);
            for (LayerBudget l : layers) {
                float[] keep = l.parameter().mask().values();
                int first = -1;
                for (int b = 0; b < keep.length; b += 10) {
                    int c = 0;
                    for (int j = b; j < b + 10; j++) if (keep[j] != 0f) c++;
                    if (first < 0) first = c;
                    assertThat(c).as("%s bank at %d after step %d", l.name(), b, step).isEqualTo(first);
                }
            }
        }
        // final: round(10 * 0.2) = 2 per bank
        assertThat(layers.get(0).parameter().mask().activeCount()).isEqualTo(20 * 3 * 2);
        assertThat(layers.get(1).parameter().mask().activeCount()).isEqualTo(10 * 2 * 2);
        assertThatThrownBy(() -> new Gmp(0, 0, 0.5, 10, 7).initialize(layers, null, new SplittableRandom(1)))
                .hasMessageContaining("bank width 7 does not divide its fan-in 30");
    }

    @Test
    void badGmpOptionsAreNamed() {
        assertThatThrownBy(() -> new Gmp(1.0, 0, 0.5, 10)).hasMessageContaining("initial sparsity is 1.0");
        assertThatThrownBy(() -> new Gmp(0, 0.6, 0.5, 10)).hasMessageContaining("pruning end fraction is 0.5");
        assertThatThrownBy(() -> new Gmp(0, 0, 0.5, 0)).hasMessageContaining("pruning interval is 0");
    }
}
