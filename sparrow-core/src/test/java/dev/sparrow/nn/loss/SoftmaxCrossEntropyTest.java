package dev.sparrow.nn.loss;

import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SoftmaxCrossEntropyTest {

    /** The definition, in double, written the naive way (fine for moderate logits). */
    static double reference(double[] z, int batch, int classes, int[] labels, double eps) {
        double total = 0;
        for (int i = 0; i < batch; i++) {
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.exp(z[i * classes + c]);
            for (int c = 0; c < classes; c++) {
                double target = (c == labels[i] ? 1 - eps : 0) + eps / classes;
                total -= target * Math.log(Math.exp(z[i * classes + c]) / sum);
            }
        }
        return total / batch;
    }

    @ParameterizedTest(name = "batch={0} classes={1} smoothing={2} seed={3}")
    @CsvSource({"1, 2, 0.0, 601", "3, 5, 0.0, 602", "4, 10, 0.1, 603", "2, 3, 0.5, 604"})
    void matchesReferenceAndFiniteDifferences(int batch, int classes, double eps, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor logits = Tensor.zeros(batch, classes);
        for (int i = 0; i < logits.size(); i++) logits.set(i, (float) (3 * rng.nextGaussian()));
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.nextInt(classes);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(eps);
        double value = loss.forward(logits, labels);
        double[] z = new double[logits.size()];
        for (int i = 0; i < z.length; i++) z[i] = logits.get(i);
        double expected = reference(z, batch, classes, labels, eps);
        assertThat(value).as("loss, seed %d", seed).isCloseTo(expected, within(1e-9 * Math.max(1, expected)));
        float[] grad = loss.backward().data();
        double h = 1e-6;
        for (int i = 0; i < z.length; i++) {
            double old = z[i];
            z[i] = old + h;
            double plus = reference(z, batch, classes, labels, eps);
            z[i] = old - h;
            double minus = reference(z, batch, classes, labels, eps);
            z[i] = old;
            assertThat((double) grad[i]).as("dLoss/dlogit %d, seed %d", i, seed).isCloseTo((plus - minus) / (2 * h), within(1e-5));
        }
    }

    @Test
    void isStableForHugeLogitsAndCountsCorrect() {
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        Tensor logits = Tensor.wrap(new float[] {1000f, -1000f, 0f, /**/ -500f, 200f, 210f}, 2, 3);
        double value = loss.forward(logits, new int[] {0, 1});
        // row 0: log-sum-exp ≈ 1000, loss ≈ 0; row 1: loss = log(1 + e^10 + e^-710) - (200 - 210) ≈ 10.0000454
        assertThat(value).isCloseTo((0 + (Math.log1p(Math.exp(-10)) + 10)) / 2, within(1e-9));
        assertThat(loss.lastCorrect()).isEqualTo(1);
        for (float g : loss.backward().data()) assertThat(Float.isFinite(g)).isTrue();
        assertThat(SoftmaxCrossEntropy.countCorrect(logits, new int[] {0, 2})).isEqualTo(2);
    }

    @Test
    void rejectsBadInputsNamingThem() {
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        assertThatThrownBy(() -> loss.forward(Tensor.zeros(2, 3), new int[] {0, 3})).hasMessageContaining("label 3 at index 1");
        assertThatThrownBy(() -> loss.forward(Tensor.zeros(2, 3), new int[] {-1, 0})).hasMessageContaining("label -1 at index 0");
        assertThatThrownBy(() -> loss.forward(Tensor.zeros(2, 3), new int[] {0})).hasMessageContaining("1 labels for logits [2, 3]");
        assertThatThrownBy(() -> loss.forward(Tensor.zeros(2, 3, 1), new int[] {0, 0})).hasMessageContaining("[batch, classes]");
        assertThatThrownBy(() -> new SoftmaxCrossEntropy(1.0)).hasMessageContaining("[0, 1)");
        assertThatThrownBy(loss::backward).hasMessageContaining("before forward");
    }
}
