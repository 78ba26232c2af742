package dev.sparrow.sparsity;

import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.Linear;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SparseInitTest {
    private static final long SEED = 61;

    @Test
    void activeWeightsGetHeStdOverTheSparseFanIn() {
        Linear linear = new Linear(400, 50, true, SEED);
        Map<String, Parameter> params = Modules.namedParameters(linear);
        // one layer at 90%: 2,000 of 20,000 active, 40 per neuron
        SparsityConfig config = SparsityConfig.of("srigl", 0.9, "uniform");
        SparsityMethod method = config.start(params, null, new SplittableRandom(SEED));
        List<LayerBudget> layers = method.layers();
        assertThat(MaskInit.rowCounts(layers.getFirst().parameter().mask(), 50)).containsOnly(40);
        float[] w = linear.weight().value().data();
        double sumSq = 0;
        int n = 0;
        for (int i = 0; i < w.length; i++) {
            if (linear.weight().mask().isActive(i)) {
                sumSq += (double) w[i] * w[i];
                n++;
            }
        }
        assertThat(n).isEqualTo(2000);
        // expected std sqrt(2/40) = 0.2236; 2,000 samples give about 1.6% relative error on the std
        assertThat(Math.sqrt(sumSq / n)).as("seed %d", SEED).isCloseTo(Math.sqrt(2.0 / 40), within(0.012));
    }

    @Test
    void denseLayersAreNotRescaled() {
        Linear linear = new Linear(30, 20, false, SEED);
        float[] before = linear.weight().value().data().clone();
        SparseInit.rescaleToSparseFanIn(SparsityBudget.sparsifiable(Modules.namedParameters(linear)));
        assertThat(linear.weight().value().data()).isEqualTo(before);
    }
}
