package dev.sparrow.nn.layers;

import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 12, defect 7: a NaN that loses the k-WTA competition used to come out as a finite 0 and hide a divergence. */
class KWinnersNaNTest {
    @Test
    void aLosingNaNIsPassedOn() {
        KWinners kw = new KWinners(10, 0.1);
        float[] x = new float[10];
        for (int i = 0; i < 10; i++) x[i] = i;
        x[3] = Float.NaN;
        for (boolean training : new boolean[] {true, false}) {
            float[] y = kw.forward(Tensor.wrap(x.clone(), 1, 10), GradCheck.context(training, 1)).data();
            assertThat(Float.isNaN(y[3])).as("training %s: %s", training, java.util.Arrays.toString(y)).isTrue();
        }
    }
}
