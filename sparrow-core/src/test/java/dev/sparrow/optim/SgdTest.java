package dev.sparrow.optim;

import dev.sparrow.nn.Parameter;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SgdTest {

    private static Parameter param(String name, boolean decayed, float... values) {
        return new Parameter(name, Tensor.wrap(values.clone(), values.length), decayed);
    }

    private static Map<String, Parameter> params(Parameter... ps) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (Parameter p : ps) m.put("0." + p.name(), p);
        return m;
    }

    @Test
    void plainStepIsValueMinusLrTimesGradient() {
        Parameter w = param("weight", true, 1f, -2f);
        w.grad().set(0, 0.5f);
        w.grad().set(1, -1f);
        Sgd sgd = Sgd.builder(params(w)).build();
        sgd.step(0.1f);
        assertThat(w.value().get(0)).isCloseTo(0.95f, within(1e-7f));
        assertThat(w.value().get(1)).isCloseTo(-1.9f, within(1e-7f));
        assertThat(sgd.stepCount()).isEqualTo(1);
        assertThat(sgd.state().keySet()).containsExactly("step");
        assertThat(w.grad().get(0)).as("gradient is left alone").isEqualTo(0.5f);
    }

    @Test
    void momentumWithWeightDecayOverThreeStepsMatchesHandComputedValues() {
        // d = g + wd*w; b1 = d; b = 0.9 b + d; w -= lr b. With w0 = 1, g = 0.5, wd = 0.1, lr = 0.1:
        // step 1: d = 0.6,     b = 0.6,     w = 0.94
        // step 2: d = 0.594,   b = 1.134,   w = 0.8266
        // step 3: d = 0.58266, b = 1.60326, w = 0.666274
        Parameter w = param("weight", true, 1f);
        w.grad().set(0, 0.5f);
        Sgd sgd = Sgd.builder(params(w)).momentum(0.9f).weightDecay(0.1f).build();
        float[] expectedW = {0.94f, 0.8266f, 0.666274f};
        float[] expectedB = {0.6f, 1.134f, 1.60326f};
        for (int s = 0; s < 3; s++) {
            sgd.step(0.1f);
            assertThat(w.value().get(0)).as("w after step %d", s + 1).isCloseTo(expectedW[s], within(1e-6f));
            assertThat(sgd.state().get("0.weight.momentum_buffer").get(0)).as("buffer after step %d", s + 1)
                    .isCloseTo(expectedB[s], within(1e-6f));
        }
    }

    @Test
    void nesterovAddsMomentumTimesBufferToTheDirection() {
        // g = 1, m = 0.9, lr = 0.1: step 1 b = 1, update 1.9; step 2 b = 1.9, update 2.71.
        Parameter w = param("weight", false, 0f);
        w.grad().set(0, 1f);
        Sgd sgd = Sgd.builder(params(w)).momentum(0.9f).nesterov(true).build();
        sgd.step(0.1f);
        assertThat(w.value().get(0)).isCloseTo(-0.19f, within(1e-7f));
        sgd.step(0.1f);
        assertThat(w.value().get(0)).isCloseTo(-0.461f, within(1e-6f));
    }

    @Test
    void dampeningScalesOnlyLaterDirectionsLikePyTorch() {
        // m = 0.9, dampening 0.5, g = 1, lr = 1: b1 = 1 (undamped), b2 = 0.9 + 0.5 = 1.4.
        Parameter w = param("weight", false, 0f);
        w.grad().set(0, 1f);
        Sgd sgd = Sgd.builder(params(w)).momentum(0.9f).dampening(0.5f).build();
        sgd.step(1f);
        assertThat(w.value().get(0)).isEqualTo(-1f);
        sgd.step(1f);
        assertThat(w.value().get(0)).isCloseTo(-2.4f, within(1e-6f));
    }

    @Test
    void weightDecayAppliesOnlyToDecayedParameters() {
        Parameter weight = param("weight", true, 2f);
        Parameter bias = param("bias", false, 2f);
        Sgd sgd = Sgd.builder(params(weight, bias)).weightDecay(0.5f).build();
        sgd.step(0.1f); // zero gradients: only decay moves anything
        assertThat(weight.value().get(0)).isCloseTo(2f - 0.1f * 0.5f * 2f, within(1e-7f));
        assertThat(bias.value().get(0)).isEqualTo(2f);
    }

    @Test
    void matchesDoublePrecisionReferenceOverManySteps() {
        long seed = 1234;
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 37;
        float[] init = new float[n];
        for (int i = 0; i < n; i++) init[i] = (float) rnd.nextDouble(-1, 1);
        Parameter w = param("weight", true, init);
        float m = 0.8f, damp = 0f, wd = 0.01f, lr = 0.05f;
        Sgd sgd = Sgd.builder(params(w)).momentum(m).nesterov(true).weightDecay(wd).build();
        double[] refW = new double[n];
        double[] refB = new double[n];
        for (int i = 0; i < n; i++) refW[i] = init[i];
        for (int s = 0; s < 20; s++) {
            for (int i = 0; i < n; i++) w.grad().set(i, (float) rnd.nextDouble(-1, 1));
            for (int i = 0; i < n; i++) {
                double d = w.grad().get(i) + (double) wd * refW[i];
                refB[i] = s == 0 ? d : m * refB[i] + (1 - damp) * d;
                refW[i] -= lr * (d + m * refB[i]);
            }
            sgd.step(lr);
        }
        for (int i = 0; i < n; i++) {
            assertThat((double) w.value().get(i)).as("seed %d, weight %d", seed, i).isCloseTo(refW[i], within(1e-5));
        }
    }

    @Test
    void describeNamesHyperParameters() {
        Sgd sgd = Sgd.builder(params(param("weight", true, 0f))).momentum(0.9f).nesterov(true).weightDecay(5e-4f).build();
        assertThat(sgd.describe()).isEqualTo("sgd(momentum=0.9,dampening=0,nesterov=true,wd=0.0005)");
    }

    @Test
    void rejectsBadSettings() {
        Map<String, Parameter> ps = params(param("weight", true, 0f));
        assertThatThrownBy(() -> Sgd.builder(ps).momentum(-0.1f)).hasMessageContaining("momentum");
        assertThatThrownBy(() -> Sgd.builder(ps).weightDecay(Float.NaN)).hasMessageContaining("weightDecay");
        assertThatThrownBy(() -> Sgd.builder(ps).nesterov(true).build()).hasMessageContaining("nesterov needs momentum > 0");
        assertThatThrownBy(() -> Sgd.builder(ps).momentum(0.9f).dampening(0.1f).nesterov(true).build())
                .hasMessageContaining("dampening 0");
        assertThatThrownBy(() -> Sgd.builder(Map.of()).build()).hasMessageContaining("nothing to optimise");
        Sgd sgd = Sgd.builder(ps).build();
        assertThatThrownBy(() -> sgd.step(Float.NaN)).hasMessageContaining("learningRate");
        assertThatThrownBy(() -> sgd.step(-1f)).hasMessageContaining("learningRate");
    }

    @Test
    void rejectsOneParameterUnderTwoNames() {
        Parameter p = param("weight", true, 0f);
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("a", p);
        m.put("b", p);
        assertThatThrownBy(() -> Sgd.builder(m).build()).hasMessageContaining("'a' and 'b' are the same object");
    }
}
