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

class SRigLTest {
    private static final long SEED = 31;

    /** Every row has either exactly k active weights or none; returns k (0 if all rows are empty). */
    private static int constantFanIn(LayerBudget l, String context) {
        int[] counts = MaskInit.rowCounts(l.parameter().mask(), l.rows());
        int k = 0;
        for (int c : counts) k = Math.max(k, c);
        for (int r = 0; r < counts.length; r++) {
            assertThat(counts[r]).as("%s row %d, %s", l.name(), r, context).isIn(0, k);
        }
        return k;
    }

    @Test
    void initialMaskHasConstantFanInFromTheBudget() {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.9, Distribution.UNIFORM, false, false);
        SRigL.defaults().initialize(layers, null, new SplittableRandom(SEED));
        // 600 weights at 90% keep 60: 20 rows of 3; 200 keep 20: 10 rows of 2
        assertThat(MaskInit.rowCounts(params.get("0.weight").mask(), 20)).containsOnly(3);
        assertThat(MaskInit.rowCounts(params.get("1.weight").mask(), 10)).containsOnly(2);
    }

    @Test
    void constantFanInHoldsAfterEveryUpdate() {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.8, Distribution.UNIFORM, false, false);
        Sgd sgd = Sgd.builder(params).momentum(0.9f).weightDecay(5e-4f).build();
        SRigL srigl = new SRigL(UpdateSchedule.cosine(1, 1.0, 0.3), true, 0.95); // aggressive ablation
        srigl.initialize(layers, sgd, new SplittableRandom(SEED));
        SplittableRandom gradients = new SplittableRandom(SEED + 1);
        for (int step = 1; step <= 30; step++) {
            Fixtures.randomGradients(params, gradients);
            sgd.step(0.05f);
            srigl.afterStep(step, 31);
            for (LayerBudget l : layers) {
                String context = "step " + step + ", seed " + SEED;
                int k = constantFanIn(l, context);
                int alive = SRigL.activeNeurons(l);
                assertThat(k).as("fan-in of %s, %s", l.name(), context).isEqualTo(Math.min(l.fanIn(), l.active() / alive));
                assertThat(alive).as("survivors of %s", l.name()).isGreaterThanOrEqualTo(SRigL.minSurvivors(l));
                if (l.output()) assertThat(alive).as("output layer, %s", context).isEqualTo(l.rows());
            }
        }
    }

    /**
     * 4 neurons of fan-in 10, budget 20 (k = 5). Rows 0-2 hold large weights and gradients, row 3 tiny
     * ones, so row 3 has no salient position.
     */
    private static Parameter ablationLayer() {
        float[] w = new float[40];
        float[] keep = new float[40];
        for (int r = 0; r < 4; r++) {
            for (int j = 0; j < 5; j++) {
                int i = r * 10 + j;
                keep[i] = 1f;
                w[i] = r == 3 ? 1e-3f * (j + 1) : 1f + j + r * 0.1f;
            }
        }
        Parameter p = new Parameter("weight", Tensor.wrap(w, 4, 10), true);
        p.setMask(Mask.of(keep));
        float[] g = p.grad().data();
        for (int i = 0; i < 40; i++) g[i] = i >= 30 ? 1e-4f : 0.5f + 0.01f * i;
        return p;
    }

    @Test
    void aNeuronWithoutSalientWeightsIsAblatedAndTheBudgetGoesToTheSurvivors() {
        Parameter p = ablationLayer();
        SRigL srigl = new SRigL(UpdateSchedule.constantFraction(1, 1.0, 0.5), true, 0.3);
        LayerBudget layer = new LayerBudget("w", p, 20, false);
        srigl.resume(List.of(layer), null, new SplittableRandom(SEED));

        srigl.afterStep(1, 10);

        // k' = 20 div 3 = 6 for the three survivors
        assertThat(MaskInit.rowCounts(p.mask(), 4)).containsExactly(6, 6, 6, 0);
        SparsityStats stats = SparsityStats.of(List.of(layer));
        assertThat(stats.active()).isEqualTo(18);
        assertThat(stats.layers().getFirst().activeNeurons()).isEqualTo(3);
        assertThat(stats.sparsity()).isEqualTo(1 - 18 / 40.0);
        assertThat(stats.toString()).contains("w 18/40, neurons 3/4");
        for (int i = 30; i < 40; i++) assertThat(p.value().data()[i]).isEqualTo(0f);

        // the neuron comes back when its gradients become the largest
        float[] g = p.grad().data();
        for (int i = 0; i < 40; i++) g[i] = i >= 30 ? 10f + i : 1e-4f;
        srigl.afterStep(2, 10);
        assertThat(MaskInit.rowCounts(p.mask(), 4)).containsExactly(5, 5, 5, 5);
    }

    @Test
    void theThresholdComesFromTheFanInBeforeAblation() {
        // 4 neurons of fan-in 20, budget 20: k0 = 5, gamma_sal 0.95 gives a threshold of 4. Rows 0 and
        // 1 are alive with 10 each (k = 10). Row 0 keeps all 10 by |w|, row 1 gets 5 salient positions
        // by gradient: it survives (5 >= 4), where a threshold from the current fan-in (9) would
        // ablate it.
        float[] w = new float[80];
        float[] keep = new float[80];
        for (int j = 0; j < 10; j++) {
            keep[j] = 1f;
            w[j] = 10f + j;
            keep[20 + j] = 1f;
            w[20 + j] = 0.1f * (j + 1);
        }
        Parameter p = new Parameter("weight", Tensor.wrap(w, 4, 20), true);
        p.setMask(Mask.of(keep));
        float[] g = p.grad().data();
        for (int j = 10; j < 15; j++) g[j] = 3f;      // row 0: inactive positions
        for (int j = 30; j < 35; j++) g[j] = 2f;      // row 1: inactive positions
        SRigL srigl = new SRigL(UpdateSchedule.constantFraction(1, 1.0, 0.5), true, 0.95);
        LayerBudget layer = new LayerBudget("w", p, 20, false);
        srigl.resume(List.of(layer), null, new SplittableRandom(SEED));
        srigl.afterStep(1, 10);
        assertThat(MaskInit.rowCounts(p.mask(), 4)).containsExactly(10, 10, 0, 0);
    }

    @Test
    void convolutionNeuronsAreOutputChannelsOverInputChannelsAndKernel() {
        dev.sparrow.nn.layers.Conv2d conv = new dev.sparrow.nn.layers.Conv2d(3, 8, 3, 3, 1, 1, false, SEED);
        Map<String, Parameter> params = dev.sparrow.nn.Modules.namedParameters(conv);
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.7, Distribution.UNIFORM, false, false);
        LayerBudget l = layers.getFirst();
        assertThat(l.rows()).isEqualTo(8);
        assertThat(l.fanIn()).isEqualTo(27);
        SRigL srigl = new SRigL(UpdateSchedule.cosine(1, 1.0, 0.3), false, 0.3);
        srigl.initialize(layers, null, new SplittableRandom(SEED));
        int k = l.active() / 8; // round(0.3 * 216) = 65 -> 8 per channel
        assertThat(MaskInit.rowCounts(l.parameter().mask(), 8)).containsOnly(k);
        SplittableRandom gradients = new SplittableRandom(SEED);
        for (int step = 1; step <= 5; step++) {
            Fixtures.randomGradients(params, gradients);
            srigl.afterStep(step, 6);
            assertThat(MaskInit.rowCounts(l.parameter().mask(), 8)).as("step %d", step).containsOnly(k);
        }
    }

    @Test
    void theOutputLayerIsNeverAblated() {
        Parameter p = ablationLayer();
        SRigL srigl = new SRigL(UpdateSchedule.constantFraction(1, 1.0, 0.5), true, 0.3);
        srigl.resume(List.of(new LayerBudget("w", p, 20, true)), null, new SplittableRandom(SEED));
        srigl.afterStep(1, 10);
        assertThat(MaskInit.rowCounts(p.mask(), 4)).containsExactly(5, 5, 5, 5);
        // row 3 grows its dropped positions back by gradient: it keeps 5 weights
    }

    @Test
    void withoutAblationEveryNeuronKeepsTheSameFanIn() {
        Parameter p = ablationLayer();
        SRigL srigl = new SRigL(UpdateSchedule.constantFraction(1, 1.0, 0.5), false, 0.3);
        srigl.resume(List.of(new LayerBudget("w", p, 20, false)), null, new SplittableRandom(SEED));
        srigl.afterStep(1, 10);
        assertThat(MaskInit.rowCounts(p.mask(), 4)).containsExactly(5, 5, 5, 5);
    }

    @Test
    void theMinimumSurvivorCountIsGuarded() {
        // 4 neurons of fan-in 20, budget 60 (k = 15), gamma_sal 0.95: threshold 14 salient positions.
        // Row 0 has large weights and gradients (20 salient), row 3 the next gradients (18); rows 1
        // and 2 only 11 each. Two would survive, but m = 60 div 20 = 3 must: the threshold falls to the
        // third largest count (11), so all four survive with k' = 15.
        float[] w = new float[80];
        float[] keep = new float[80];
        Parameter p = new Parameter("weight", Tensor.wrap(w, 4, 20), true);
        float[] g = p.grad().data();
        for (int r = 0; r < 4; r++) {
            for (int j = 0; j < 15; j++) {
                keep[r * 20 + j] = 1f;
                w[r * 20 + j] = r == 0 ? 5f + j : 1e-3f * (1 + j);
            }
        }
        for (int j = 15; j < 20; j++) g[j] = 1f;
        for (int j = 0; j < 20; j++) g[60 + j] = 1e-2f;
        p.setMask(Mask.of(keep));
        SRigL srigl = new SRigL(UpdateSchedule.constantFraction(1, 1.0, 0.2), true, 0.95);
        LayerBudget layer = new LayerBudget("w", p, 60, false);
        srigl.resume(List.of(layer), null, new SplittableRandom(SEED));
        srigl.afterStep(1, 10);
        assertThat(MaskInit.rowCounts(p.mask(), 4)).containsExactly(15, 15, 15, 15);
    }

    @Test
    void badGammaIsNamed() {
        assertThatThrownBy(() -> new SRigL(UpdateSchedule.rigl(), true, 1.5)).hasMessageContaining("gamma_sal is 1.5");
    }
}
