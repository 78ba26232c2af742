package dev.sparrow.infer;

import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.sparrow.infer.InferenceTestModels.assertClose;
import static dev.sparrow.infer.InferenceTestModels.randomBatch;
import static dev.sparrow.infer.InferenceTestModels.reference;
import static org.assertj.core.api.Assertions.assertThat;

/** k-winners-take-all after a Linear layer runs fused into the session's Linear step, as the layer evaluates it. */
class KwtaInferenceTest {

    @Test
    void mlpWithKwtaMatchesEvalForwardAndKeepsKWinners_seed31() {
        SplittableRandom rng = new SplittableRandom(31);
        Sequential m = ModelZoo.mlpKwta(new int[] {40}, 0.1, 7, rng);
        InferenceTestModels.randomizeBiases(m, rng);
        InferenceTestModels.maskLinears(m, InferenceTestModels.MaskKind.UNSTRUCTURED, 0.8, rng);
        for (int threads : new int[] {1, 2}) {
            try (InferenceSession s = InferenceSession.builder(m, 40).batchSize(9).threads(threads)
                    .tuningBudgetMillis(5).build()) {
                // k_inference = floor(k x 1.5, the default k_inference_factor): 30 and 10 winners in training
                assertThat(s.describe()).contains("+kWTA(k=45)").contains("+kWTA(k=15)").doesNotContain("own forward");
                for (int batch : new int[] {1, 9}) {
                    Tensor x = randomBatch(31 + batch, batch, 40);
                    Tensor want = reference(m, x);
                    assertClose(s.predict(x).data(), want.data(), want.size(), "mlp-kwta batch " + batch + "\n" + s.describe());
                }
            }
        }
    }

    @Test
    void keepLargestKeepsExactlyKAndBreaksTiesByLowerIndex() {
        float[] v = {3f, 1f, 3f, 2f, 3f, -1f, 0f};
        // stride 1: the 3 largest of seven are three 3s
        float[] a = v.clone();
        dev.sparrow.kernel.TopK.keepLargest(a, 0, 1, 7, 2, new float[7]);
        assertThat(a).containsExactly(3f, 0f, 3f, 0f, 0f, 0f, 0f);
        // strided (a column of a transposed layout): base 1, stride 2 sees {1, 2, -1}
        float[] b = v.clone();
        dev.sparrow.kernel.TopK.keepLargest(b, 1, 2, 3, 1, new float[3]);
        assertThat(b).containsExactly(3f, 0f, 3f, 2f, 3f, 0f, 0f);
        float[] c = v.clone();
        dev.sparrow.kernel.TopK.keepLargest(c, 0, 1, 7, 0, new float[7]);
        assertThat(c).containsOnly(0f);
    }
}
