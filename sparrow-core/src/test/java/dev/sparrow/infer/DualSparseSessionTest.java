package dev.sparrow.infer;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.BatchNorm;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.sparrow.infer.InferenceTestModels.assertClose;
import static dev.sparrow.infer.InferenceTestModels.randomBatch;
import static dev.sparrow.infer.InferenceTestModels.reference;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * gsc-cnn dense and dual-sparse (95% weights, k-WTA after the pooled convolutions and the hidden Linear) through the
 * session equal the model's eval forward, 1-3 threads; after a k-WTA the next layer visits the winners only.
 */
class DualSparseSessionTest {

    /** Random 0/1 masks at {@code sparsity} on every weight (conv and linear) and random BatchNorm statistics. */
    static void sparsify(Layer model, double sparsity, SplittableRandom rng) {
        for (Parameter p : dev.sparrow.nn.Modules.namedParameters(model).values()) {
            if (p.value().rank() < 2) continue;
            float[] keep = new float[p.value().size()];
            for (int i = 0; i < keep.length; i++) keep[i] = rng.nextDouble() >= sparsity ? 1f : 0f;
            p.setMask(Mask.of(keep));
        }
        randomizeBatchNorms(model, rng);
    }

    static void randomizeBatchNorms(Layer l, SplittableRandom rng) {
        if (l instanceof BatchNorm bn) {
            float[] m = bn.runningMean().data(), v = bn.runningVar().data(), g = bn.weight().value().data();
            for (int i = 0; i < m.length; i++) {
                m[i] = (float) rng.nextDouble(-0.2, 0.2);
                v[i] = (float) rng.nextDouble(0.5, 2);
                g[i] = (float) rng.nextDouble(0.5, 1.5);
            }
        }
        for (Layer c : l.children()) randomizeBatchNorms(c, rng);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gsc-cnn", "gsc-cnn-kwta0.1", "gsc-cnn-kwta-local0.1"})
    void gscCnnSessionEqualsEvalForward(String name) {
        SplittableRandom rng = new SplittableRandom(15);
        Sequential m = ModelZoo.create(name, new int[] {1, 28, 28}, 10, 15);
        sparsify(m, name.equals("gsc-cnn") ? 0 : 0.95, rng);
        for (int threads = 1; threads <= 3; threads++) {
            boolean tuned = threads == 2; // untuned, the winners-only steps are taken; tuned, they are timed against the others
            try (InferenceSession s = InferenceSession.builder(m, 1, 28, 28).batchSize(5).threads(threads)
                    .tuning(tuned).tuningBudgetMillis(2).build()) {
                if (!name.equals("gsc-cnn") && !tuned) {
                    assertThat(s.describe()).contains("sparse-input scatter").contains("on the winners only");
                }
                if (!name.equals("gsc-cnn") && tuned) {
                    // both layers after a k-WTA were timed on sparse inputs, whichever won
                    assertThat(s.choices()).filteredOn(c -> c.layer().equals("4") || c.layer().equals("9"))
                            .hasSize(2).allSatisfy(c -> assertThat(c.candidateMicros()).containsKey("sparse-input"));
                }
                for (int batch : new int[] {1, 5}) {
                    Tensor x = randomBatch(15 + batch, batch, 1, 28, 28);
                    Tensor want = reference(m, x);
                    assertClose(s.predict(x).data(), want.data(), want.size(),
                            name + " batch " + batch + " threads " + threads + "\n" + s.describe());
                }
            }
        }
    }

    /**
     * 95% masks, complementary on the convolutions (in each group of 20 consecutive output channels exactly one holds
     * each (input channel, ky, kx) weight: SparseInputConvStepTest.complementaryMask), random on the Linear layers.
     */
    static void complementarySparsify(Layer model, SplittableRandom rng) {
        for (Parameter p : dev.sparrow.nn.Modules.namedParameters(model).values()) {
            if (p.value().rank() < 2) continue;
            float[] keep = new float[p.value().size()];
            if (p.value().rank() == 4) {
                int rows = p.value().dim(0), cols = keep.length / rows;
                SparseInputConvStepTest.complementaryMask(keep, rows, cols, 20, rng);
                for (int i = 0; i < keep.length; i++) keep[i] = keep[i] != 0f ? 1f : 0f;
            } else {
                for (int i = 0; i < keep.length; i++) keep[i] = rng.nextDouble() >= 0.95 ? 1f : 0f;
            }
            p.setMask(Mask.of(keep));
        }
        randomizeBatchNorms(model, rng);
    }

    /**
     * Every layout of the convolution after the first k-WTA (forced through the planner's property, untuned) against
     * the eval forward, on complementary conv masks so the packed layout applies: 1-3 threads, batch 1 and 3.
     */
    @ParameterizedTest
    @ValueSource(strings = {"scatter", "blocks", "complementary"})
    void everySparseInputConvLayoutEqualsEvalForward(String layout) {
        SplittableRandom rng = new SplittableRandom(16);
        Sequential m = ModelZoo.create("gsc-cnn-kwta0.1", new int[] {1, 28, 28}, 10, 16);
        complementarySparsify(m, rng);
        String format = layout.equals("scatter") ? "sparse-input scatter" : layout.equals("blocks")
                ? "sparse-input channel blocks" : "sparse-input complementary packed";
        for (int threads = 1; threads <= 3; threads++) {
            System.setProperty(Planner.CONV_LAYOUT_PROPERTY, layout);
            try (InferenceSession s = InferenceSession.builder(m, 1, 28, 28).batchSize(3).threads(threads)
                    .tuning(false).build()) {
                assertThat(s.describe()).contains(format);
                for (int batch : new int[] {1, 3}) {
                    Tensor x = randomBatch(40 + batch, batch, 1, 28, 28);
                    if (batch == 3) java.util.Arrays.fill(x.data(), 784, 2 * 784, 0f); // a blank image among them
                    Tensor want = reference(m, x);
                    assertClose(s.predict(x).data(), want.data(), want.size(),
                            layout + " batch " + batch + " threads " + threads + "\n" + s.describe());
                }
            } finally {
                System.clearProperty(Planner.CONV_LAYOUT_PROPERTY);
            }
        }
    }

    @Test
    void withoutSparseInputTheSameOutputs() {
        Sequential m = ModelZoo.create("gsc-cnn-kwta0.1", new int[] {1, 28, 28}, 10, 3);
        sparsify(m, 0.9, new SplittableRandom(3));
        try (InferenceSession s = InferenceSession.builder(m, 1, 28, 28).batchSize(3).sparseInput(false).tuningBudgetMillis(2).build()) {
            assertThat(s.describe()).doesNotContain("sparse-input").doesNotContain("winners only");
            Tensor x = randomBatch(4, 3, 1, 28, 28);
            Tensor want = reference(m, x);
            assertClose(s.predict(x).data(), want.data(), want.size(), s.describe());
        }
    }

    @Test
    void bracketSelectionEqualsQuickselectWithTies() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int trial = 0; trial < 20; trial++) {
            int n = 1024 + rng.nextInt(5000), k = 1 + rng.nextInt(n - 1);
            float[] v = new float[n];
            // rounded values, zeros of both signs: many ties and equal bins
            for (int i = 0; i < n; i++) v[i] = trial % 2 == 0 ? (float) rng.nextGaussian() : Math.round(rng.nextGaussian() * 4) * (rng.nextBoolean() ? 1f : -1f) / 4f;
            float[] a = new float[n], b = new float[n], scratch = new float[n];
            WinnerSelection.EXACT.select(v, a, 0, 1, n, k, 0f, scratch, 0);
            for (WinnerKernels kernels : new WinnerKernels[] {WinnerKernels.of(dev.sparrow.kernel.Backend.scalar()),
                    WinnerKernels.of(dev.sparrow.kernel.Backend.get())}) {
                WinnerSelection.EXACT.select(v, b, 0, 1, n, k, 0f, scratch, 0, kernels);
                assertThat(b).as("n %d k %d %s", n, k, kernels.name()).containsExactly(a);
            }
        }
    }

    @Test
    void thresholdSelectionKeepsAboutKOfNormalValues() {
        SplittableRandom rng = new SplittableRandom(1);
        int n = 10_000, k = 1000;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        float[] out = new float[n];
        WinnerSelection.THRESHOLD.select(v, out, 0, 1, n, k, WinnerSelection.z(k, n), null, 0);
        int kept = 0;
        for (float f : out) kept += f != 0f ? 1 : 0;
        assertThat(kept).isBetween(900, 1100);
        assertThat(WinnerSelection.z(100, 1000)).isCloseTo(1.2816f, org.assertj.core.data.Offset.offset(1e-3f));
    }
}
