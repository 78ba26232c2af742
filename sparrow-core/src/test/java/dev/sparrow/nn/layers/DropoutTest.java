package dev.sparrow.nn.layers;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.sparrow.nn.layers.GradCheck.randomTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DropoutTest {

    @Test
    void trainingKeepsAboutOneMinusPAndScalesKeptValues() {
        long seed = 401;
        SplittableRandom rng = new SplittableRandom(seed);
        Dropout d = new Dropout(0.3);
        Tensor x = randomTensor(rng, 20, 500);
        float[] y = d.forward(x, GradCheck.context(true, seed)).data();
        int dropped = 0;
        float scale = (float) (1 / 0.7);
        for (int i = 0; i < y.length; i++) {
            float k = d.keepFactors()[i];
            assertThat(k).isIn(0f, scale);
            assertThat(y[i]).as("element %d, seed %d", i, seed).isEqualTo(x.get(i) * k);
            if (k == 0f) dropped++;
        }
        assertThat(dropped / (double) y.length).as("dropped fraction, seed %d", seed).isCloseTo(0.3, within(0.02));
    }

    @Test
    void backwardUsesTheForwardMaskAndMatchesFiniteDifferences() {
        long seed = 402;
        SplittableRandom rng = new SplittableRandom(seed);
        Dropout d = new Dropout(0.5);
        Tensor x = randomTensor(rng, 3, 7);
        // the reference reads the keep pattern the layer drew in its forward pass
        GradCheck.check("Dropout seed=" + seed, d, x, true, seed, (xd, p) -> {
            double[] y = new double[xd.length];
            for (int i = 0; i < y.length; i++) y[i] = xd[i] * d.keepFactors()[i];
            return y;
        });
        int zeros = 0;
        for (float k : d.keepFactors()) if (k == 0f) zeros++;
        assertThat(zeros).as("some dropped, some kept").isBetween(1, 20);
    }

    @Test
    void evaluationAndZeroPAreTheIdentityAndSeedsRepeat() {
        long seed = 403;
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = randomTensor(rng, 4, 9);
        Dropout d = new Dropout(0.4);
        ExecutionContext eval = GradCheck.context(false, seed);
        assertThat(d.forward(x, eval)).isSameAs(x);
        Tensor g = randomTensor(rng, 4, 9);
        assertThat(d.backward(g, eval)).isSameAs(g);
        assertThat(new Dropout(0).forward(x, GradCheck.context(true, seed))).isSameAs(x);
        float[] a = new Dropout(0.4).forward(x, GradCheck.context(true, 7)).data().clone();
        float[] b = new Dropout(0.4).forward(x, GradCheck.context(true, 7)).data().clone();
        float[] c = new Dropout(0.4).forward(x, GradCheck.context(true, 8)).data().clone();
        assertThat(b).isEqualTo(a);
        assertThat(c).isNotEqualTo(a);
        assertThatThrownBy(() -> new Dropout(1.0)).hasMessageContaining("[0, 1)");
    }
}
