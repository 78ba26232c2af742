package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.AdamW;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.optim.Sgd;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RigLTest {
    private static final long SEED = 23;

    /** A 2x4 weight with active positions 0..3 at |w| 0.5, 0.1, 0.4, 0.3 and a known gradient. */
    private static Parameter tinyLayer(float[] grad) {
        Parameter p = new Parameter("weight", Tensor.wrap(new float[] {0.5f, -0.1f, 0.4f, -0.3f, 0, 0, 0, 0}, 2, 4), true);
        p.setMask(Mask.of(new float[] {1, 1, 1, 1, 0, 0, 0, 0}));
        System.arraycopy(grad, 0, p.grad().data(), 0, grad.length);
        return p;
    }

    /** Drops half of the active weights at every step. */
    private static RigL halfEveryStep() {
        return new RigL(UpdateSchedule.constantFraction(1, 1.0, 0.5));
    }

    @Test
    void growsExactlyAtTheLargestDenseGradientsAmongInactivePositions() {
        // keep {0, 2} by |w|; among {1, 3, 4, 5, 6, 7} the largest |grad| are 7 (-0.9), then 4, 5, 6 tied at
        // 0.7: the lower index wins
        Parameter p = tinyLayer(new float[] {9f, 0.2f, 0f, 0.3f, 0.7f, 0.7f, 0.7f, -0.9f});
        Map<String, Parameter> params = Map.of("w", p);
        Sgd sgd = Sgd.builder(params).momentum(0.9f).build();
        sgd.state().get("w." + Sgd.MOMENTUM_BUFFER).fill(1f);
        RigL rigl = halfEveryStep();
        rigl.resume(List.of(new LayerBudget("w", p, 4, false)), sgd, new SplittableRandom(SEED));

        rigl.afterStep(1, 10);

        assertThat(p.mask().values()).containsExactly(1, 0, 1, 0, 1, 0, 0, 1);
        assertThat(p.value().data()).containsExactly(0.5f, 0f, 0.4f, 0f, 0f, 0f, 0f, 0f);
        float[] momentum = sgd.state().get("w." + Sgd.MOMENTUM_BUFFER).data();
        // kept weights keep their state; grown (4, 7) and dropped (1, 3) start from zero
        assertThat(momentum[0]).isEqualTo(1f);
        assertThat(momentum[2]).isEqualTo(1f);
        for (int i : new int[] {1, 3, 4, 7}) assertThat(momentum[i]).as("momentum at %d", i).isEqualTo(0f);
    }

    @Test
    void aPositionDroppedAndRegrownKeepsItsValueAndState() {
        // position 1 (|w| 0.1) is dropped but has the largest gradient, so it is grown back
        Parameter p = tinyLayer(new float[] {0f, 5f, 0f, 0f, 0.7f, 0.1f, 0.2f, 0.3f});
        Map<String, Parameter> params = Map.of("w", p);
        AdamW adam = AdamW.builder(params).build();
        adam.state().get("w." + AdamW.EXP_AVG).fill(2f);
        RigL rigl = halfEveryStep();
        rigl.resume(List.of(new LayerBudget("w", p, 4, false)), adam, new SplittableRandom(SEED));

        rigl.afterStep(1, 10);

        assertThat(p.mask().values()).containsExactly(1, 1, 1, 0, 1, 0, 0, 0);
        assertThat(p.value().data()[1]).isEqualTo(-0.1f);
        assertThat(adam.state().get("w." + AdamW.EXP_AVG).data()[1]).isEqualTo(2f);
        assertThat(adam.state().get("w." + AdamW.EXP_AVG).data()[4]).isEqualTo(0f);
        assertThat(adam.state().get("w." + AdamW.EXP_AVG_SQ).data()[4]).isEqualTo(0f);
    }

    @Test
    void cosineScheduleAndUpdateSteps() {
        UpdateSchedule s = UpdateSchedule.rigl();
        assertThat(s.endStep(1000)).isEqualTo(750);
        assertThat(s.dropFraction(0, 1000)).isCloseTo(0.3, within(1e-12));
        assertThat(s.dropFraction(375, 1000)).isCloseTo(0.15, within(1e-12));
        assertThat(s.dropFraction(750, 1000)).isCloseTo(0.0, within(1e-12));
        assertThat(s.isUpdateStep(100, 1000)).isTrue();
        assertThat(s.isUpdateStep(700, 1000)).isTrue();
        assertThat(s.isUpdateStep(750, 1000)).isFalse();
        assertThat(s.isUpdateStep(800, 1000)).isFalse();
        assertThat(s.isUpdateStep(150, 1000)).isFalse();
        assertThat(RigL.defaults().needsDenseGradient(200, 1000)).isTrue();
        assertThat(RigL.defaults().needsDenseGradient(201, 1000)).isFalse();
        assertThatThrownBy(() -> UpdateSchedule.cosine(0, 0.75, 0.3)).hasMessageContaining("update interval is 0");
        assertThatThrownBy(() -> UpdateSchedule.cosine(10, 0.75, 1.5)).hasMessageContaining("alpha is 1.5");
        assertThatThrownBy(() -> UpdateSchedule.cosine(10, 0, 0.3)).hasMessageContaining("end fraction is 0.0");
    }

    /** Runs RigL for 30 updates on seeded weights and gradients; returns the final masks. */
    private static float[][] run(long seed, boolean checkEachUpdate) {
        Map<String, Parameter> params = Fixtures.twoLayers(seed);
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.8, Distribution.UNIFORM, false, false);
        Optimizer sgd = Sgd.builder(params).momentum(0.9f).weightDecay(5e-4f).build();
        RigL rigl = new RigL(UpdateSchedule.cosine(1, 1.0, 0.3));
        rigl.initialize(layers, sgd, new SplittableRandom(seed));
        SplittableRandom gradients = new SplittableRandom(seed + 100);
        for (int step = 1; step <= 30; step++) {
            Fixtures.randomGradients(params, gradients);
            sgd.step(0.05f);
            rigl.afterStep(step, 31);
            if (checkEachUpdate) {
                for (LayerBudget l : layers) {
                    assertThat(l.parameter().mask().activeCount()).as("%s after step %d (seed %d)", l.name(), step, seed)
                            .isEqualTo(l.active());
                }
            }
        }
        return new float[][] {layers.get(0).parameter().mask().values(), layers.get(1).parameter().mask().values()};
    }

    @Test
    void exactSparsityAfterEveryUpdate() {
        run(SEED, true);
    }

    @Test
    void sameSeedSameMasks() {
        float[][] a = run(SEED, false);
        float[][] b = run(SEED, false);
        float[][] c = run(SEED + 1, false);
        assertThat(a[0]).isEqualTo(b[0]);
        assertThat(a[1]).isEqualTo(b[1]);
        assertThat(a[0]).isNotEqualTo(c[0]);
    }

    @Test
    void denseLayersGetNoMaskAndAreLeftAlone() {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.5, Distribution.UNIFORM, false, true);
        RigL rigl = new RigL(UpdateSchedule.cosine(1, 1.0, 0.3));
        rigl.initialize(layers, null, new SplittableRandom(SEED));
        assertThat(params.get("1.weight").hasMask()).isFalse();
        assertThat(params.get("0.weight").mask().activeCount()).isEqualTo(layers.get(0).active());
        Fixtures.randomGradients(params, new SplittableRandom(SEED));
        rigl.afterStep(1, 10);
        assertThat(params.get("1.weight").hasMask()).isFalse();
        assertThatThrownBy(() -> new RigL(UpdateSchedule.rigl()).afterStep(1, 10)).hasMessageContaining("before initialize");
    }
}
