package dev.sparrow.optim;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mask invariant, checkpoint round trip and state reset, for every optimizer configuration. */
class OptimizerContractTest {

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("sgd", (Function<Map<String, Parameter>, Optimizer>) p -> Sgd.builder(p).build()),
                Arguments.of("sgd-momentum-wd", (Function<Map<String, Parameter>, Optimizer>)
                        p -> Sgd.builder(p).momentum(0.9f).dampening(0.1f).weightDecay(1e-2f).build()),
                Arguments.of("sgd-nesterov-wd", (Function<Map<String, Parameter>, Optimizer>)
                        p -> Sgd.builder(p).momentum(0.9f).nesterov(true).weightDecay(5e-4f).build()),
                Arguments.of("adamw", (Function<Map<String, Parameter>, Optimizer>)
                        p -> AdamW.builder(p).weightDecay(0.05f).build()));
    }

    /** weight (masked, decayed) 6x7, bias (unmasked, not decayed) 7, second weight (masked) 5x3. */
    private static Map<String, Parameter> model(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("0.weight", new Parameter("weight", random(rnd, 6, 7), true));
        m.put("0.bias", new Parameter("bias", random(rnd, 7), false));
        m.put("2.weight", new Parameter("weight", random(rnd, 5, 3), true));
        m.get("0.weight").setMask(randomMask(rnd, 42, 0.6));
        m.get("2.weight").setMask(randomMask(rnd, 15, 0.3));
        return m;
    }

    static Tensor random(SplittableRandom rnd, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.set(i, (float) rnd.nextDouble(-1, 1));
        return t;
    }

    static Mask randomMask(SplittableRandom rnd, int size, double sparsity) {
        float[] k = new float[size];
        for (int i = 0; i < size; i++) k[i] = rnd.nextDouble() < sparsity ? 0f : 1f;
        return Mask.of(k);
    }

    /** Dense gradients, as sparse training computes them, including at masked weights. */
    private static void fillGradients(Map<String, Parameter> model, long seed, long step) {
        SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + step);
        for (Parameter p : model.values()) {
            for (int i = 0; i < p.size(); i++) p.grad().set(i, (float) rnd.nextDouble(-2, 2));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void maskedWeightsAndTheirStateStayExactlyZeroThroughManySteps(String label, Function<Map<String, Parameter>, Optimizer> make) {
        long seed = 7;
        Map<String, Parameter> model = model(seed);
        Optimizer opt = make.apply(model);
        SplittableRandom maskRnd = new SplittableRandom(seed + 1);
        for (int step = 0; step < 200; step++) {
            fillGradients(model, seed, step);
            // Large dense gradients at masked weights must not leak into them.
            Parameter w = model.get("0.weight");
            for (int i = 0; i < w.size(); i++) {
                if (!w.mask().isActive(i)) w.grad().set(i, i % 2 == 0 ? -1e3f : 1e3f);
            }
            if (step % 25 == 24) {
                // Prune and regrow, as dynamic sparse training does: newly masked weights have live state.
                for (String name : List.of("0.weight", "2.weight")) {
                    Parameter p = model.get(name);
                    p.setMask(randomMask(maskRnd, p.size(), 0.5));
                }
            }
            opt.step(0.05f);
            List<String> violations = new java.util.ArrayList<>();
            for (String name : List.of("0.weight", "2.weight")) {
                Parameter p = model.get(name);
                for (int i = 0; i < p.size(); i++) {
                    if (p.mask().isActive(i)) continue;
                    if (Float.floatToRawIntBits(p.value().get(i)) != 0) violations.add(name + "[" + i + "] = " + p.value().get(i));
                    for (Map.Entry<String, Tensor> s : opt.state().entrySet()) {
                        if (s.getKey().startsWith(name + ".") && Float.floatToRawIntBits(s.getValue().get(i)) != 0) {
                            violations.add(s.getKey() + "[" + i + "] = " + s.getValue().get(i));
                        }
                    }
                }
            }
            assertThat(violations).as("%s seed %d step %d: masked entries that are not +0.0", label, seed, step).isEmpty();
        }
        // And the active weights did train.
        float[] bias = model.get("0.bias").value().data();
        float[] initialBias = model(seed).get("0.bias").value().data();
        for (int i = 0; i < bias.length; i++) {
            assertThat(Float.isFinite(bias[i])).as("%s bias[%d] = %s", label, i, bias[i]).isTrue();
            assertThat(bias[i]).as("%s bias[%d] trained", label, i).isNotEqualTo(initialBias[i]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void saveLoadContinueIsBitIdenticalToUninterruptedTraining(String label, Function<Map<String, Parameter>, Optimizer> make) {
        long seed = 11;
        Map<String, Parameter> a = model(seed);
        Optimizer optA = make.apply(a);
        for (int step = 0; step < 10; step++) {
            fillGradients(a, seed, step);
            optA.step(0.03f);
        }
        // Checkpoint: copies of the values and of the optimizer state.
        Map<String, Tensor> savedState = new HashMap<>();
        optA.state().forEach((k, v) -> savedState.put(k, v.copy()));
        Map<String, Parameter> b = model(seed + 100); // other values and masks, all overwritten below
        a.forEach((name, p) -> {
            b.get(name).value().copyFrom(p.value());
            b.get(name).setMask(p.mask() == null ? null : p.mask().copy());
        });
        Optimizer optB = make.apply(b);
        optB.loadState(savedState);
        assertThat(optB.stepCount()).isEqualTo(10);

        for (int step = 10; step < 25; step++) {
            fillGradients(a, seed, step);
            fillGradients(b, seed, step);
            optA.step(0.03f);
            optB.step(0.03f);
        }
        for (String name : a.keySet()) {
            assertThat(b.get(name).value().data()).as("%s: %s", label, name).isEqualTo(a.get(name).value().data());
        }
        for (String key : optA.state().keySet()) {
            assertThat(optB.state().get(key).data()).as("%s: %s", label, key).isEqualTo(optA.state().get(key).data());
        }
        assertThat(optB.stepCount()).isEqualTo(25);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void loadStateRejectsMissingUnknownAndMisshapenEntries(String label, Function<Map<String, Parameter>, Optimizer> make) {
        Optimizer opt = make.apply(model(3));
        Map<String, Tensor> good = new HashMap<>();
        opt.state().forEach((k, v) -> good.put(k, v.copy()));

        Map<String, Tensor> missing = new HashMap<>(good);
        missing.remove("step");
        assertThatThrownBy(() -> opt.loadState(missing)).hasMessageContaining("missing [step]");

        Map<String, Tensor> unknown = new HashMap<>(good);
        unknown.put("9.weight.exp_avg", Tensor.zeros(2));
        assertThatThrownBy(() -> opt.loadState(unknown)).hasMessageContaining("unexpected [9.weight.exp_avg]");

        Map<String, Tensor> badStep = new HashMap<>(good);
        badStep.put("step", Tensor.wrap(new float[] {2.5f}, 1));
        assertThatThrownBy(() -> opt.loadState(badStep)).hasMessageContaining("'step' is 2.5");

        Map<String, Tensor> badShape = new HashMap<>(good);
        badShape.put("step", Tensor.zeros(2));
        assertThatThrownBy(() -> opt.loadState(badShape)).hasMessageContaining("'step' has shape [2] but [1] is expected");

        String someState = good.keySet().stream().filter(k -> !k.equals("step")).sorted().findFirst().orElse(null);
        if (someState != null) {
            Map<String, Tensor> wrongShape = new HashMap<>(good);
            wrongShape.put(someState, Tensor.zeros(3, 3));
            assertThatThrownBy(() -> opt.loadState(wrongShape))
                    .hasMessageContaining("'" + someState + "' has shape [3, 3]");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void resetStateZeroesOnlyTheGivenWeights(String label, Function<Map<String, Parameter>, Optimizer> make) {
        Map<String, Parameter> model = model(5);
        model.get("0.bias").setMask(null);
        Optimizer opt = make.apply(model);
        for (int step = 0; step < 3; step++) {
            fillGradients(model, 5, step);
            opt.step(0.1f);
        }
        Map<String, float[]> before = new HashMap<>();
        opt.state().forEach((k, v) -> before.put(k, v.data().clone()));
        opt.resetState("0.bias", new int[] {1, 4});
        for (Map.Entry<String, Tensor> e : opt.state().entrySet()) {
            float[] now = e.getValue().data();
            float[] was = before.get(e.getKey());
            for (int i = 0; i < now.length; i++) {
                boolean reset = e.getKey().startsWith("0.bias.") && (i == 1 || i == 4);
                if (reset) {
                    assertThat(was[i]).as("%s %s[%d] had state before the reset", label, e.getKey(), i).isNotZero();
                    assertThat(now[i]).as("%s %s[%d]", label, e.getKey(), i).isZero();
                } else {
                    assertThat(now[i]).as("%s %s[%d]", label, e.getKey(), i).isEqualTo(was[i]);
                }
            }
        }
        assertThatThrownBy(() -> opt.resetState("nope", new int[] {0})).hasMessageContaining("no parameter named 'nope'");
        assertThatThrownBy(() -> opt.resetState("0.bias", new int[] {7}))
                .hasMessageContaining("flat index 7 is outside parameter '0.bias' of size 7");
    }
}
