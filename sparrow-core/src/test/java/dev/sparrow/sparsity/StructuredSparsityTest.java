package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.LrSchedules;
import dev.sparrow.optim.Sgd;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class StructuredSparsityTest {
    private static final long SEED = 71;

    private static void assertGroups(float[] keep, int width, int expected, String context) {
        for (int g = 0; g < keep.length; g += width) {
            int c = 0;
            for (int j = g; j < g + width; j++) if (keep[j] != 0f) c++;
            assertThat(c).as("group at %d, %s", g, context).isEqualTo(expected);
        }
    }

    @Test
    void nOfMKeepsTheLargestInEveryGroupTiesToTheLowerIndex() {
        float[] w = {1, -5, 3, 2, 0, 0, 0, 0, 4, 4, 4, 1};
        Mask mask = StructuredMasks.nOfM(w, 1, 12, 2, 4);
        assertThat(mask.values()).containsExactly(0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0);

        float[] random = new float[8 * 32];
        Fixtures.fillNormal(random, new SplittableRandom(SEED));
        for (int[] nm : new int[][] {{2, 4}, {1, 4}, {4, 8}, {2, 8}}) {
            assertGroups(StructuredMasks.nOfM(random, 8, 32, nm[0], nm[1]).values(), nm[1], nm[0], nm[0] + ":" + nm[1]);
        }
    }

    @Test
    void bankBalancedKeepsTheSameCountInEveryBank() {
        float[] w = new float[4 * 64];
        Fixtures.fillNormal(w, new SplittableRandom(SEED));
        Mask mask = StructuredMasks.bankBalanced(w, 4, 64, 16, 3);
        assertGroups(mask.values(), 16, 3, "bank 16 keep 3");
        // within each bank the kept ones are the largest
        for (int b = 0; b < w.length; b += 16) {
            float minKept = Float.MAX_VALUE;
            float maxDropped = 0;
            for (int j = b; j < b + 16; j++) {
                if (mask.isActive(j)) minKept = Math.min(minKept, Math.abs(w[j]));
                else maxDropped = Math.max(maxDropped, Math.abs(w[j]));
            }
            assertThat(minKept).isGreaterThanOrEqualTo(maxDropped);
        }
    }

    @Test
    void badStructuredOptionsAreNamed() {
        float[] w = new float[16];
        assertThatThrownBy(() -> StructuredMasks.nOfM(w, 2, 8, 5, 4)).hasMessageContaining("N is 5").hasMessageContaining("N > M");
        assertThatThrownBy(() -> StructuredMasks.nOfM(w, 2, 8, 2, 3)).hasMessageContaining("M is 3");
        assertThatThrownBy(() -> StructuredMasks.bankBalanced(w, 2, 8, 3, 1)).hasMessageContaining("bank width is 3");
        assertThatThrownBy(() -> StructuredMasks.bankBalanced(w, 2, 8, 4, 5)).hasMessageContaining("keep per bank is 5");
        assertThatThrownBy(() -> new NmSrSte(3, 2, 2e-4, LrSchedules.constant(0.1f))).hasMessageContaining("N is 3");
        Parameter odd = new Parameter("weight", Tensor.zeros(2, 6), true);
        assertThatThrownBy(() -> new NmSrSte(2, 4, 2e-4, LrSchedules.constant(0.1f))
                .initialize(List.of(new LayerBudget("w", odd, 6, false)), null, new SplittableRandom(1)))
                .hasMessageContaining("layer 'w': fan-in 6 is not a multiple of M = 4");
    }

    @Test
    void srSteUpdatesTheDenseWeightsStraightThroughWithDecayOnPrunedEntries() {
        float lr = 0.1f;
        double lambda = 0.5; // large, so the decay is visible
        float[] w0 = {1f, -5f, 3f, 2f, 0.5f, -0.25f, 4f, 1.5f};
        Parameter p = new Parameter("weight", Tensor.wrap(w0.clone(), 2, 4), true);
        Map<String, Parameter> params = Map.of("w", p);
        Sgd sgd = Sgd.builder(params).build();
        NmSrSte nm = new NmSrSte(2, 4, lambda, LrSchedules.constant(lr));
        nm.initialize(List.of(new LayerBudget("w", p, 4, false)), sgd, new SplittableRandom(SEED));
        float[] m0 = nm.pattern(0);
        assertThat(m0).containsExactly(0, 1, 1, 0, 0, 0, 1, 1);
        assertThat(p.value().data()).containsExactly(0f, -5f, 3f, 0f, 0f, 0f, 4f, 1.5f);

        float[] g = {-30f, 0.1f, 0.2f, 0.3f, 1f, -1f, 0f, 0f};
        System.arraycopy(g, 0, p.grad().data(), 0, 8);
        sgd.step(lr);
        nm.afterStep(1, 10);

        float[] w1 = nm.denseWeights(0);
        for (int j = 0; j < 8; j++) {
            double expected = w0[j] - lr * (g[j] + lambda * (1 - m0[j]) * w0[j]);
            assertThat((double) w1[j]).as("W[%d]", j).isCloseTo(expected, within(1e-6));
        }
        // position 0 grew from 1 to 4 - 0.05 = 3.95 through its STE gradient and now beats position 2 (2.98)
        assertThat(nm.pattern(0)).containsExactly(1, 1, 0, 0, 0, 0, 1, 1);
        float[] value = p.value().data();
        for (int j = 0; j < 8; j++) assertThat(value[j]).isEqualTo(w1[j] * nm.pattern(0)[j] + 0f);
    }

    @Test
    void srSteKeepsExactlyNOfEveryMThroughTrainingAndThePatternMoves() {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.5, Distribution.UNIFORM, false, false);
        Sgd sgd = Sgd.builder(params).momentum(0.9f).weightDecay(5e-4f).build();
        // fan-ins 30 and 20: groups of 10 with 3 kept
        NmSrSte nm = new NmSrSte(3, 10, 2e-4, LrSchedules.cosine(0.05f, 0f));
        nm.initialize(layers, sgd, new SplittableRandom(SEED));
        SplittableRandom gradients = new SplittableRandom(SEED);
        float[] firstPattern = nm.pattern(0);
        for (int step = 1; step <= 20; step++) {
            Fixtures.randomGradients(params, gradients);
            sgd.step(0.05f);
            nm.afterStep(step, 20);
            for (int i = 0; i < layers.size(); i++) {
                assertGroups(nm.pattern(i), 10, 3, "layer " + i + " step " + step);
                float[] v = layers.get(i).parameter().value().data();
                float[] k = nm.pattern(i);
                for (int j = 0; j < v.length; j++) if (k[j] == 0f) assertThat(v[j]).isEqualTo(0f);
            }
        }
        assertThat(nm.pattern(0)).as("the pattern moves").isNotEqualTo(firstPattern);
    }
}
