package dev.sparrow.nn.layers;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Modules;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.sparrow.nn.layers.GradCheck.randomTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchNormTest {

    /** Random γ, β and running statistics, so that none of them hides a bug by being 1 or 0. */
    static void randomize(BatchNorm bn, int channels, SplittableRandom rng) {
        for (int c = 0; c < channels; c++) {
            bn.weight().value().set(c, (float) (0.5 + rng.nextDouble()));
            bn.bias().value().set(c, (float) rng.nextGaussian());
            bn.runningMean().set(c, (float) rng.nextGaussian());
            bn.runningVar().set(c, (float) (0.2 + rng.nextDouble()));
        }
    }

    static GradCheck.Reference reference(BatchNorm bn, int batch, int c, int spatial, boolean training) {
        double[] rm = GradCheck.toDouble(bn.runningMean().data().clone());
        double[] rv = GradCheck.toDouble(bn.runningVar().data().clone());
        return (x, p) -> RefOps.batchNorm(x, batch, c, spatial, p.get("weight"), p.get("bias"), 1e-5,
                training ? null : rm, training ? null : rv);
    }

    @ParameterizedTest(name = "1d batch={0} features={1} training={2} seed={3}")
    @CsvSource({"2, 1, true, 201", "3, 5, true, 202", "7, 3, true, 203", "1, 4, false, 204", "3, 5, false, 205"})
    void batchNorm1d(int batch, int features, boolean training, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        BatchNorm1d bn = new BatchNorm1d(features);
        randomize(bn, features, rng);
        Tensor x = randomTensor(rng, batch, features);
        GradCheck.check("BatchNorm1d seed=" + seed, bn, x, training, seed, reference(bn, batch, features, 1, training));
    }

    @ParameterizedTest(name = "2d batch={0} c={1} {2}x{3} training={4} seed={5}")
    @CsvSource({"1, 3, 3, 2, true, 211", "3, 2, 5, 5, true, 212", "2, 5, 1, 3, true, 213", "1, 3, 4, 3, false, 214",
            "3, 4, 3, 3, false, 215"})
    void batchNorm2d(int batch, int c, int h, int w, boolean training, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        BatchNorm2d bn = new BatchNorm2d(c);
        randomize(bn, c, rng);
        Tensor x = randomTensor(rng, batch, c, h, w);
        GradCheck.check("BatchNorm2d seed=" + seed, bn, x, training, seed, reference(bn, batch, c, h * w, training));
    }

    @Test
    void trainingUpdatesRunningStatisticsWithMomentumAndUnbiasedVariance() {
        long seed = 221;
        SplittableRandom rng = new SplittableRandom(seed);
        BatchNorm2d bn = new BatchNorm2d(2);
        Tensor x = randomTensor(rng, 3, 2, 2, 2);
        bn.forward(x, GradCheck.context(true, seed));
        for (int c = 0; c < 2; c++) {
            double sum = 0, sq = 0;
            int count = 0;
            for (int n = 0; n < 3; n++) for (int i = 0; i < 4; i++) sum += x.get((n * 2 + c) * 4 + i);
            double mean = sum / 12;
            for (int n = 0; n < 3; n++) for (int i = 0; i < 4; i++) {
                double d = x.get((n * 2 + c) * 4 + i) - mean;
                sq += d * d;
                count++;
            }
            assertThat(bn.runningMean().get(c)).as("running mean %d, seed %d", c, seed).isCloseTo((float) (0.1 * mean), org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(bn.runningVar().get(c)).as("running var %d", c).isCloseTo((float) (0.9 + 0.1 * sq / (count - 1)), org.assertj.core.data.Offset.offset(1e-6f));
        }
        float[] before = bn.runningMean().data().clone();
        bn.forward(x, GradCheck.context(false, seed));
        assertThat(bn.runningMean().data()).as("evaluation leaves running stats alone").isEqualTo(before);
    }

    @Test
    void namesParametersAndBuffersAsPyTorch() {
        BatchNorm2d bn = new BatchNorm2d(4);
        Sequential s = new Sequential(new ReLU(), bn);
        assertThat(Modules.namedParameters(s).keySet()).containsExactly("1.weight", "1.bias");
        assertThat(Modules.namedBuffers(s).keySet()).containsExactly("1.running_mean", "1.running_var");
        assertThat(bn.weight().decayed()).isFalse();
        assertThat(bn.bias().decayed()).isFalse();
        assertThat(bn.weight().value().data()).containsOnly(1f);
        assertThat(bn.runningVar().data()).containsOnly(1f);
    }

    @Test
    void rejectsSingleValuePerChannelInTrainingAndWrongChannels() {
        ExecutionContext train = GradCheck.context(true, 1);
        assertThatThrownBy(() -> new BatchNorm1d(3).forward(Tensor.zeros(1, 3), train)).hasMessageContaining("more than one value");
        assertThatThrownBy(() -> new BatchNorm2d(3).forward(Tensor.zeros(2, 4, 2, 2), train)).hasMessageContaining("expected 3 channels");
        assertThatThrownBy(() -> new BatchNorm1d(3).forward(Tensor.zeros(2, 3, 1, 1), train)).hasMessageContaining("[batch, 3]");
        assertThat(new BatchNorm1d(3).forward(Tensor.zeros(1, 3), GradCheck.context(false, 1)).data()).containsOnly(0f);
    }
}
