package dev.sparrow.nn.init;

import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class InitTest {

    private static double[] meanAndStd(Tensor t) {
        double s = 0, q = 0;
        for (float v : t.data()) s += v;
        double mean = s / t.size();
        for (float v : t.data()) q += (v - mean) * (v - mean);
        return new double[] {mean, Math.sqrt(q / t.size())};
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (float v : t.data()) m = Math.max(m, Math.abs(v));
        return m;
    }

    @Test
    void fansFollowPyTorch() {
        assertThat(Init.fanIn(Tensor.zeros(300, 784))).isEqualTo(784);
        assertThat(Init.fanOut(Tensor.zeros(300, 784))).isEqualTo(300);
        assertThat(Init.fanIn(Tensor.zeros(32, 16, 3, 5))).isEqualTo(16 * 15);
        assertThat(Init.fanOut(Tensor.zeros(32, 16, 3, 5))).isEqualTo(32 * 15);
        assertThatThrownBy(() -> Init.fanIn(Tensor.zeros(7))).hasMessageContaining("rank >= 2");
    }

    @Test
    void distributionsHaveTheirVarianceAndBounds() {
        long seed = 801;
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor w = Tensor.zeros(200, 50, 3, 3); // fan-in 450, fan-out 1800, 90k samples
        double fanIn = 450, fanOut = 1800;

        Init.kaimingNormal(w, Init.RELU_GAIN, rng);
        double[] ms = meanAndStd(w);
        assertThat(ms[0]).as("seed %d", seed).isCloseTo(0, within(0.002));
        assertThat(ms[1]).isCloseTo(Math.sqrt(2 / fanIn), within(0.01 * Math.sqrt(2 / fanIn)));

        Init.kaimingUniform(w, Init.RELU_GAIN, rng);
        assertThat(meanAndStd(w)[1]).isCloseTo(Math.sqrt(2 / fanIn), within(0.01 * Math.sqrt(2 / fanIn)));
        assertThat(maxAbs(w)).isLessThanOrEqualTo(Math.sqrt(6 / fanIn)).isGreaterThan(0.99 * Math.sqrt(6 / fanIn));

        Init.xavierUniform(w, 1.0, rng);
        assertThat(maxAbs(w)).isLessThanOrEqualTo(Math.sqrt(6 / (fanIn + fanOut)));
        assertThat(meanAndStd(w)[1]).isCloseTo(Math.sqrt(2 / (fanIn + fanOut)), within(0.01 * Math.sqrt(2 / (fanIn + fanOut))));

        Init.xavierNormal(w, 1.0, rng);
        assertThat(meanAndStd(w)[1]).isCloseTo(Math.sqrt(2 / (fanIn + fanOut)), within(0.01 * Math.sqrt(2 / (fanIn + fanOut))));

        Init.pytorchDefault(w, rng);
        assertThat(maxAbs(w)).isLessThanOrEqualTo(1 / Math.sqrt(fanIn));
        assertThat(meanAndStd(w)[1]).isCloseTo(1 / Math.sqrt(3 * fanIn), within(0.01 / Math.sqrt(3 * fanIn)));
    }

    @Test
    void sameSeedSameWeights() {
        Tensor a = Tensor.zeros(4, 5), b = Tensor.zeros(4, 5);
        Init.kaimingNormal(a, Init.RELU_GAIN, new SplittableRandom(3));
        Init.kaimingNormal(b, Init.RELU_GAIN, new SplittableRandom(3));
        assertThat(b.data()).isEqualTo(a.data());
        assertThatThrownBy(() -> Init.fillNormal(a, -1, new SplittableRandom(1))).hasMessageContaining("std");
    }
}
