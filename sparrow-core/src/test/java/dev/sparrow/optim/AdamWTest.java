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

class AdamWTest {

    private static Parameter param(String name, boolean decayed, float... values) {
        return new Parameter(name, Tensor.wrap(values.clone(), values.length), decayed);
    }

    private static Map<String, Parameter> params(Parameter... ps) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (Parameter p : ps) m.put(p.name(), p);
        return m;
    }

    @Test
    void firstTwoStepsMatchHandComputedValues() {
        // w0 = 1, g = 0.5, lr = 0.1, wd = 0.01, betas (0.9, 0.999):
        // step 1: w = 0.999; m = 0.05, v = 0.00025; m_hat = 0.5, sqrt(v_hat) = 0.5 -> w = 0.999 - 0.1 = 0.899
        // step 2: w = 0.899 * 0.999 = 0.898101; m = 0.095, v = 0.00049975; m_hat/sqrt(v_hat) = 1 -> w = 0.798101
        Parameter w = param("weight", true, 1f);
        Parameter b = param("bias", false, 1f);
        w.grad().set(0, 0.5f);
        b.grad().set(0, 0.5f);
        AdamW adam = AdamW.builder(params(w, b)).build();
        adam.step(0.1f);
        assertThat(w.value().get(0)).isCloseTo(0.899f, within(1e-6f));
        assertThat(b.value().get(0)).as("no decay on bias").isCloseTo(0.9f, within(1e-6f));
        assertThat(adam.state().get("weight.exp_avg").get(0)).isCloseTo(0.05f, within(1e-7f));
        assertThat(adam.state().get("weight.exp_avg_sq").get(0)).isCloseTo(0.00025f, within(1e-8f));
        adam.step(0.1f);
        assertThat(w.value().get(0)).isCloseTo(0.798101f, within(1e-6f));
        assertThat(b.value().get(0)).isCloseTo(0.8f, within(1e-6f));
        assertThat(adam.state().get("weight.exp_avg").get(0)).isCloseTo(0.095f, within(1e-7f));
        assertThat(adam.state().get("weight.exp_avg_sq").get(0)).isCloseTo(0.00049975f, within(1e-8f));
        assertThat(adam.state().get("step").get(0)).isEqualTo(2f);
        assertThat(adam.stepCount()).isEqualTo(2);
    }

    @Test
    void matchesDoublePrecisionReferenceOverManySteps() {
        long seed = 99;
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 29;
        float[] init = new float[n];
        for (int i = 0; i < n; i++) init[i] = (float) rnd.nextDouble(-1, 1);
        Parameter w = param("weight", true, init);
        double b1 = 0.8, b2 = 0.99, eps = 1e-6, wd = 0.1, lr = 0.01;
        AdamW adam = AdamW.builder(params(w)).betas(0.8f, 0.99f).eps(1e-6f).weightDecay(0.1f).build();
        double[] rw = new double[n], rm = new double[n], rv = new double[n];
        for (int i = 0; i < n; i++) rw[i] = init[i];
        for (int t = 1; t <= 25; t++) {
            for (int i = 0; i < n; i++) w.grad().set(i, (float) rnd.nextDouble(-1, 1));
            for (int i = 0; i < n; i++) {
                double g = w.grad().get(i);
                rw[i] *= 1 - (float) lr * (float) wd;
                rm[i] = b1 * rm[i] + (1 - b1) * g;
                rv[i] = b2 * rv[i] + (1 - b2) * g * g;
                double mHat = rm[i] / (1 - Math.pow(b1, t));
                double vHat = rv[i] / (1 - Math.pow(b2, t));
                rw[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
            adam.step((float) lr);
        }
        for (int i = 0; i < n; i++) {
            assertThat((double) w.value().get(i)).as("seed %d, weight %d", seed, i).isCloseTo(rw[i], within(2e-5));
        }
    }

    @Test
    void describeAndSettingChecks() {
        Map<String, Parameter> ps = params(param("weight", true, 0f));
        assertThat(AdamW.builder(ps).weightDecay(0.05f).build().describe())
                .isEqualTo("adamw(beta1=0.9,beta2=0.999,eps=0.00000001,wd=0.05)");
        assertThatThrownBy(() -> AdamW.builder(ps).betas(1f, 0.9f)).hasMessageContaining("beta1");
        assertThatThrownBy(() -> AdamW.builder(ps).betas(0.9f, -1f)).hasMessageContaining("beta2");
        assertThatThrownBy(() -> AdamW.builder(ps).eps(0f)).hasMessageContaining("eps");
    }
}
