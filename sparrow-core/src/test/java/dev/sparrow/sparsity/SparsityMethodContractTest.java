package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.LrSchedule;
import dev.sparrow.optim.LrSchedules;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.optim.Sgd;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link SparsityMethod} promises, checked for each method the code base has (as
 * {@link SparsityConfig} builds them): after mask updates interleaved with optimizer steps each
 * sparse layer has exactly its budget of active weights, masked weights and their optimizer state
 * are +0.0, and the same seed gives the same masks.
 */
class SparsityMethodContractTest {
    private static final long SEED = 23;
    private static final long TOTAL_STEPS = 30;

    /**
     * A method and whether it prunes gradually (starts dense, reaches its budget only at the end of
     * pruning, as GMP does).
     */
    record Case(String label, SparsityConfig config, boolean gradual) {
        @Override public String toString() { return label; }
    }

    /** Updates every 2 steps until half of the 30 steps: several updates, then a stretch without. */
    private static SparsityConfig config(String method, int block, int complementary) {
        return new SparsityConfig(method, 0.75, "uniform", false, false, 2, 0.5, 0.3, true, 0.3, false, block, complementary);
    }

    static Stream<Case> methods() {
        return Stream.of(
                new Case("static", config("static", 0, 0), false),
                new Case("set", config("set", 0, 0), false),
                new Case("rigl", config("rigl", 0, 0), false),
                new Case("srigl", config("srigl", 0, 0), false),
                new Case("gmp", config("gmp", 0, 0), true),
                new Case("nm:2:4 (SR-STE)", config("nm:2:4", 0, 0), false),
                new Case("balanced:8", config("balanced:8", 0, 0), true),
                new Case("static block:4", config("static", 4, 0), false),
                new Case("rigl block:4", config("rigl", 4, 0), false),
                new Case("gmp block:4", config("gmp", 4, 0), true),
                new Case("static complementary:4", config("static", 0, 4), false),
                new Case("rigl complementary:4", config("rigl", 0, 4), false));
    }

    /** A trained method's end state: per sparse layer, which weights are active, and the weights. */
    private record Outcome(List<boolean[]> active, List<float[]> weights) {}

    /** "0.weight" [16, 32], "1.weight" [8, 16] with biases: fan-ins and outputs divisible by 4 and 8. */
    private static Map<String, Parameter> model(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("0.weight", Fixtures.weight(16, 32, rng));
        m.put("0.bias", new Parameter("bias", Tensor.zeros(16), false));
        m.put("1.weight", Fixtures.weight(8, 16, rng));
        m.put("1.bias", new Parameter("bias", Tensor.zeros(8), false));
        return m;
    }

    private static Outcome train(Case c) {
        Map<String, Parameter> params = model(SEED);
        Optimizer opt = Sgd.builder(params).momentum(0.9f).weightDecay(5e-4f).build();
        LrSchedule lr = LrSchedules.constant(0.05f);
        SparsityMethod method = c.config().start(params, opt, new SplittableRandom(SEED), lr);
        assertThat(method).as(c.label()).isNotNull();
        assertThat(method.layers()).as(c.label()).isNotEmpty().allMatch(l -> !l.dense());
        SplittableRandom gradients = new SplittableRandom(SEED + 1);
        for (long step = 1; step <= TOTAL_STEPS; step++) {
            Fixtures.randomGradients(params, gradients);
            opt.step(lr.at(step - 1, TOTAL_STEPS));
            method.afterStep(step, TOTAL_STEPS);
            if (!c.gradual() || step == TOTAL_STEPS) assertContract(c, method, opt, step);
        }
        List<boolean[]> active = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        for (LayerBudget l : method.layers()) {
            active.add(active(l.parameter()));
            weights.add(l.parameter().value().data().clone());
        }
        return new Outcome(active, weights);
    }

    private static void assertContract(Case c, SparsityMethod method, Optimizer opt, long step) {
        for (LayerBudget l : method.layers()) {
            String context = c.label() + ", layer " + l.name() + ", after step " + step + " (seed " + SEED + ")";
            boolean[] active = active(l.parameter());
            int count = 0;
            for (boolean a : active) if (a) count++;
            assertThat(count).as("active weights = budget, %s", context).isEqualTo(l.active());
            float[] w = l.parameter().value().data();
            String problem = null;
            for (int i = 0; i < w.length && problem == null; i++) {
                if (active[i]) continue;
                if (Float.floatToRawIntBits(w[i]) != 0) problem = "weight [" + i + "] = " + w[i];
                // SR-STE has no mask: its pruned weights keep training through the straight-through
                // estimator (they may come back), so their optimizer state is live by design.
                if (!l.parameter().hasMask()) continue;
                for (Map.Entry<String, Tensor> e : opt.state().entrySet()) {
                    if (e.getKey().startsWith(l.name() + ".") && e.getValue().data()[i] != 0f) {
                        problem = "optimizer state " + e.getKey() + " [" + i + "] = " + e.getValue().data()[i];
                    }
                }
            }
            assertThat(problem).as("a masked weight or its state is not +0.0, %s", context).isNull();
        }
    }

    /** The mask's active positions, or for a method without masks (SR-STE) the non-zero weights. */
    private static boolean[] active(Parameter p) {
        boolean[] out = new boolean[p.size()];
        if (p.hasMask()) {
            for (int i = 0; i < out.length; i++) out[i] = p.mask().isActive(i);
        } else {
            float[] w = p.value().data();
            for (int i = 0; i < out.length; i++) out[i] = w[i] != 0f;
        }
        return out;
    }

    /** The active positions right after {@code start}, before any step. */
    private static List<boolean[]> initialActive(Case c) {
        Map<String, Parameter> params = model(SEED);
        Optimizer opt = Sgd.builder(params).momentum(0.9f).build();
        SparsityMethod method = c.config().start(params, opt, new SplittableRandom(SEED), LrSchedules.constant(0.05f));
        List<boolean[]> out = new ArrayList<>();
        for (LayerBudget l : method.layers()) out.add(active(l.parameter()));
        return out;
    }

    @Test
    void theCasesCoverEveryMethodOfTheConfig() {
        List<String> covered = methods().map(c -> c.config().method().replaceAll(":\\d+", "")).toList();
        for (String m : SparsityConfig.METHODS) {
            if (m.equals("dense")) continue;
            String family = m.replaceAll(":[A-Z:]+$", "");
            if (family.equals("block")) {
                assertThat(methods()).as("block:R (stored as gmp with a block)").anyMatch(c -> c.config().block() != 0
                        && c.config().method().equals("gmp"));
            } else {
                assertThat(covered).as("a case for --method %s", m).contains(family);
            }
        }
        assertThat(methods()).as("complementary groups").anyMatch(c -> c.config().complementary() != 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void exactBudgetMaskedZeroAndSameSeedSameMasks(Case c) {
        Outcome first = train(c);
        Outcome second = train(c);
        boolean moved = false;
        for (int i = 0; i < first.active().size(); i++) {
            moved |= !Arrays.equals(first.active().get(i), initialActive(c).get(i));
        }
        assertThat(moved).as("%s: masks after training differ from the initial ones (the updates ran)", c.label())
                .isEqualTo(!c.label().startsWith("static"));
        for (int i = 0; i < first.active().size(); i++) {
            assertThat(second.active().get(i)).as("%s: same seed, same mask of layer %d", c.label(), i)
                    .containsExactly(first.active().get(i));
            assertThat(second.weights().get(i)).as("%s: same seed, same weights of layer %d", c.label(), i)
                    .containsExactly(first.weights().get(i));
        }
    }
}
