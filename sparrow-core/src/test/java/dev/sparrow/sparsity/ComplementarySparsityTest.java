package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.optim.Sgd;
import dev.sparrow.sparse.ComplementaryPacked;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Complementary groups: disjoint and covering after init and every update, per-neuron counts, packing. */
class ComplementarySparsityTest {
    private static final long SEED = 47;

    /** "0.weight" [20, 33], "1.weight" [10, 20]. */
    private static Map<String, Parameter> twoLayers(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("0.weight", Fixtures.weight(20, 33, rng));
        m.put("1.weight", Fixtures.weight(10, 20, rng));
        return m;
    }

    private static SparsityConfig config(String method, int n) {
        return new SparsityConfig(method, 1.0 - 1.0 / n, "erk", false, false, 1, 0.75, 0.3, true, 0.3, false, 0, n);
    }

    private static List<LayerBudget> run(SparsityConfig config, long seed, long total) {
        Map<String, Parameter> params = twoLayers(seed);
        List<LayerBudget> layers = config.check(params);
        Optimizer opt = Sgd.builder(params).momentum(0.9f).weightDecay(5e-4f).build();
        SparsityMethod method = config.createMethod();
        method.initialize(layers, opt, new SplittableRandom(seed));
        int n = config.complementary();
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (LayerBudget l : layers) {
            assertThat(ComplementaryGroups.disjointAndCovering(l.parameter().mask(), l.rows(), n)).as("%s after init", l.name()).isTrue();
            int[] c = MaskInit.rowCounts(l.parameter().mask(), l.rows());
            for (int k : c) assertThat(k).isBetween(l.fanIn() / n, (l.fanIn() + n - 1) / n);
            counts.put(l.name(), c);
        }
        SplittableRandom gradients = new SplittableRandom(seed + 1);
        for (long step = 1; step <= total; step++) {
            Fixtures.randomGradients(params, gradients);
            opt.step(0.05f);
            method.afterStep(step, total);
            for (LayerBudget l : layers) {
                Mask mask = l.parameter().mask();
                assertThat(ComplementaryGroups.disjointAndCovering(mask, l.rows(), n)).as("%s after step %d", l.name(), step).isTrue();
                assertThat(mask.activeCount()).isEqualTo(l.size() / n);
                assertThat(MaskInit.rowCounts(mask, l.rows())).as("per-neuron counts of %s", l.name()).isEqualTo(counts.get(l.name()));
                float[] w = l.parameter().value().data();
                for (int i = 0; i < w.length; i++) {
                    if (mask.values()[i] == 0f && w[i] != 0f) throw new AssertionError(l.name() + " masked weight " + i + " nonzero");
                }
            }
        }
        return layers;
    }

    @Test
    void staticAndRigLGroupsStayDisjointAndCovering() {
        for (int n : new int[] {2, 5, 10}) {
            run(config("static", n), SEED, 3);
            run(config("rigl", n), SEED, 20);
        }
    }

    @Test
    void rigLMovesOwnershipAndTheSameSeedGivesTheSameMasks() {
        List<LayerBudget> a = run(config("rigl", 5), SEED, 10);
        List<LayerBudget> b = run(config("rigl", 5), SEED, 10);
        List<LayerBudget> still = run(config("static", 5), SEED, 10);
        assertThat(b.get(0).parameter().mask().values()).isEqualTo(a.get(0).parameter().mask().values());
        // the same initial partition (same seed), then rigl moved some ownership
        assertThat(a.get(0).parameter().mask().values()).isNotEqualTo(still.get(0).parameter().mask().values());
    }

    @Test
    void freedInputsGoToTheNeuronWithTheLargestGradientThatHasRoom() {
        // one group of 2 neurons over 4 inputs: neuron 0 owns {0, 1}, neuron 1 owns {2, 3}
        float[] w = {0.9f, 0.1f, 0, 0, 0, 0, 0.2f, 0.8f};
        Parameter p = new Parameter("weight", Tensor.wrap(w, 2, 4), true);
        p.setMask(Mask.of(new float[] {1, 1, 0, 0, 0, 0, 1, 1}));
        // drop half: neuron 0 frees input 1, neuron 1 frees input 2; |grad| of neuron 1 at input 1 is the largest
        // pair, so input 1 goes to neuron 1, and neuron 0 (with room left) takes input 2
        float[] g = {0, 0.3f, 0.1f, 0, 0, 2f, 0.5f, 0};
        System.arraycopy(g, 0, p.grad().data(), 0, g.length);
        ComplementarySparsity m = new ComplementarySparsity(2, UpdateSchedule.constantFraction(1, 1.0, 0.5));
        m.resume(List.of(new LayerBudget("w", p, 4, false)), null, new SplittableRandom(SEED));
        m.afterStep(1, 10);
        assertThat(p.mask().values()).containsExactly(1, 0, 1, 0, 0, 1, 0, 1);
        assertThat(p.value().data()).containsExactly(0.9f, 0f, 0f, 0f, 0f, 0f, 0f, 0.8f);
    }

    @Test
    void complementaryPackedBuildsFromTrainedMasks() {
        for (LayerBudget l : run(config("rigl", 10), SEED, 15)) {
            MaskedWeights mw = MaskedWeights.of(l.parameter().value().data(), l.parameter().mask().values(), l.rows(), l.fanIn(),
                    l.name());
            ComplementaryPacked packed = ComplementaryPacked.from(mw, 10);
            float[] dense = packed.toDense();
            assertThat(dense).as(l.name()).isEqualTo(l.parameter().value().data());
        }
    }

    @Test
    void badOptionsNameTheOptionAndLayer() {
        assertThatThrownBy(() -> config("gmp", 4)).hasMessageContaining("complementary works with method static or rigl");
        assertThatThrownBy(() -> new SparsityConfig("rigl", 0.9, "erk", false, false, 1, 0.75, 0.3, true, 0.3, false, 0, 4))
                .hasMessageContaining("sparsity is 0.9").hasMessageContaining("1 - 1/4");
        assertThatThrownBy(() -> config("static", 3).check(twoLayers(SEED)))
                .hasMessageContaining("complementary 3").hasMessageContaining("layer '0.weight' has 20 outputs");
        assertThat(SparsityConfig.fromJson(config("rigl", 10).toJson())).isEqualTo(config("rigl", 10));
        assertThat(config("rigl", 10).label()).isEqualTo("rigl complementary:10");
    }
}
