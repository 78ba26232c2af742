package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.AdamW;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.optim.Sgd;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Masked weights stay exactly +0.0, with zero optimizer state, through optimizer steps interleaved
 * with mask updates, for every method and both optimizers.
 */
class MaskedOptimizerInvariantTest {
    private static final long SEED = 41;

    private static void check(Function<Map<String, Parameter>, Optimizer> optimizerFactory, SparsityMethod method,
                              String label) {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.85, Distribution.ERK, false, false);
        Optimizer opt = optimizerFactory.apply(params);
        method.initialize(layers, opt, new SplittableRandom(SEED));
        SplittableRandom gradients = new SplittableRandom(SEED + 7);
        long total = 40;
        for (long step = 1; step <= total; step++) {
            Fixtures.randomGradients(params, gradients);
            opt.step(0.05f);
            assertMaskedZero(layers, opt, label + ", after optimizer step " + step);
            method.afterStep(step, total);
            assertMaskedZero(layers, opt, label + ", after mask update " + step);
        }
    }

    private static void assertMaskedZero(List<LayerBudget> layers, Optimizer opt, String context) {
        // plain loops, one assertion per layer: an assertion per weight would dominate the run time
        for (LayerBudget l : layers) {
            Parameter p = l.parameter();
            if (!p.hasMask()) continue;
            float[] keep = p.mask().values();
            float[] w = p.value().data();
            String problem = null;
            for (int i = 0; i < keep.length && problem == null; i++) {
                if (keep[i] != 0f) continue;
                if (Float.floatToRawIntBits(w[i]) != 0) problem = l.name() + "[" + i + "] = " + w[i];
                for (Map.Entry<String, Tensor> e : opt.state().entrySet()) {
                    if (e.getKey().startsWith(l.name() + ".") && e.getValue().data()[i] != 0f) {
                        problem = e.getKey() + "[" + i + "] = " + e.getValue().data()[i];
                    }
                }
            }
            assertThat(problem).as("masked weight or state not +0.0, %s (seed %d)", context, SEED).isNull();
        }
    }

    private static Optimizer sgd(Map<String, Parameter> p) {
        return Sgd.builder(p).momentum(0.9f).nesterov(true).weightDecay(5e-4f).build();
    }

    private static Optimizer adamw(Map<String, Parameter> p) {
        return AdamW.builder(p).weightDecay(0.01f).build();
    }

    @Test
    void rigl() {
        check(MaskedOptimizerInvariantTest::sgd, new RigL(UpdateSchedule.cosine(3, 1.0, 0.3)), "rigl/sgd");
        check(MaskedOptimizerInvariantTest::adamw, new RigL(UpdateSchedule.cosine(3, 1.0, 0.3)), "rigl/adamw");
    }

    @Test
    void srigl() {
        check(MaskedOptimizerInvariantTest::sgd, new SRigL(UpdateSchedule.cosine(3, 1.0, 0.3), true, 0.95), "srigl/sgd");
        check(MaskedOptimizerInvariantTest::adamw, new SRigL(UpdateSchedule.cosine(3, 1.0, 0.3), true, 0.95), "srigl/adamw");
    }

    @Test
    void setAndStaticAndGmp() {
        check(MaskedOptimizerInvariantTest::sgd, SetSparsity.every(3), "set/sgd");
        check(MaskedOptimizerInvariantTest::adamw, SetSparsity.every(3), "set/adamw");
        check(MaskedOptimizerInvariantTest::sgd, new StaticSparsity(), "static/sgd");
        check(MaskedOptimizerInvariantTest::sgd, new Gmp(0.0, 0.1, 0.8, 4), "gmp/sgd");
        check(MaskedOptimizerInvariantTest::adamw, new Gmp(0.0, 0.1, 0.8, 4), "gmp/adamw");
    }
}
