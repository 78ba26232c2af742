package dev.sparrow.infer;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.BatchNorm2d;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.sparrow.infer.InferenceTestModels.assertClose;
import static dev.sparrow.infer.InferenceTestModels.randomBatch;
import static dev.sparrow.infer.InferenceTestModels.reference;
import static org.assertj.core.api.Assertions.assertThat;

/** Convolutions in an inference session: sparse kernels over im2col columns, batch norm folded, ReLU fused. */
class ConvInferenceTest {

    private static void assertMatches(Layer model, InferenceSession s, long seed, int[] batches, String what) {
        for (int batch : batches) {
            Tensor x = randomBatch(seed + batch, batch, s.sampleShape());
            Tensor want = reference(model, x);
            Tensor got = s.predict(x);
            assertClose(got.data(), want.data(), want.size(), what + " batch " + batch + " seed " + seed + "\n" + s.describe());
        }
    }

    /** The plan's line of the layer on {@code where} runs im2colGroup images per call, or directGroup if direct. */
    private static void assertGroup(String plan, String where, int im2colGroup, int directGroup) {
        String line = plan.lines().filter(l -> l.contains("Conv2d") && l.contains(where)).findFirst().orElseThrow();
        // every direct path ("direct (" sparse, "direct dense (", "direct pixel-tiled (") reads padded planes and groups
        // by the padded image; which one the tuner picks depends on timing
        if (line.contains("no im2col)")) assertThat(line).as(plan).contains("no im2col), " + directGroup + " images per call");
        else assertThat(line).as(plan).contains(", " + im2colGroup + " images per call");
    }

    /** Random biases and batch-norm statistics, so that folding and eval mode are exercised. */
    private static void randomize(Layer model, SplittableRandom rng) {
        for (Map.Entry<String, Parameter> e : Modules.namedParameters(model).entrySet()) {
            if (e.getKey().endsWith("bias")) fill(e.getValue().value().data(), rng, -0.5, 0.5);
            else if (e.getValue().value().rank() == 1) fill(e.getValue().value().data(), rng, 0.5, 1.5); // gamma
        }
        for (Map.Entry<String, Tensor> e : Modules.namedBuffers(model).entrySet()) {
            boolean var = e.getKey().endsWith("var");
            fill(e.getValue().data(), rng, var ? 0.5 : -0.2, var ? 2 : 0.2);
        }
    }

    private static void fill(float[] d, SplittableRandom rng, double lo, double hi) {
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextDouble(lo, hi);
    }

    private static List<Conv2d> convs(Layer l) {
        List<Conv2d> out = new ArrayList<>();
        if (l instanceof Conv2d c) out.add(c);
        for (Layer child : l.children()) out.addAll(convs(child));
        return out;
    }

    /** Constant fan-in masks (keep one weight in {@code every}, at least one), or 16-row blocks when blocks is set. */
    private static void maskConvs(Layer model, int every, boolean blocks, SplittableRandom rng) {
        for (Conv2d c : convs(model)) {
            int rows = c.outChannels();
            int cols = c.inChannels() * c.kernelHeight() * c.kernelWidth();
            float[] keep = new float[rows * cols];
            int k = Math.max(1, cols / every);
            int blockRows = blocks && rows % 16 == 0 ? 16 : 1;
            for (int r0 = 0; r0 < rows; r0 += blockRows) {
                int placed = 0;
                while (placed < k) {
                    int col = rng.nextInt(cols);
                    if (keep[r0 * cols + col] != 0f) continue;
                    for (int r = r0; r < r0 + blockRows; r++) keep[r * cols + col] = 1f;
                    placed++;
                }
            }
            c.weight().setMask(Mask.of(keep));
        }
    }

    @Test
    void sparseCnnWithBatchNormMatchesEvalForward_seed21() {
        SplittableRandom rng = new SplittableRandom(21);
        int[] chw = {1, 12, 12};
        Sequential m = ModelZoo.cnn(chw, 10, rng);
        randomize(m, rng);
        maskConvs(m, 10, false, rng);
        InferenceTestModels.maskLinears(m, InferenceTestModels.MaskKind.UNSTRUCTURED, 0.9, rng);
        for (int threads : new int[] {1, 2}) {
            try (InferenceSession s = InferenceSession.builder(m, chw).batchSize(7).threads(threads)
                    .tuningBudgetMillis(5).build()) {
                String plan = s.describe();
                assertThat(plan).contains("Conv2d(1->32, 3x3, pad 1) on 12x12+BatchNorm(folded)+ReLU")
                        .contains("Conv2d(32->64, 3x3, pad 1) on 6x6+BatchNorm(folded)+ReLU")
                        .contains("Conv2d(64->64, 3x3, pad 1) on 3x3+BatchNorm(folded)+ReLU");
                assertThat(s.choices()).hasSize(5);
                assertThat(s.choices().get(0).in()).isEqualTo(9);
                assertMatches(m, s, 21, new int[] {1, 2, 7}, "cnn threads " + threads);
            }
        }
        // groups of 7, 28 and 40 images per kernel call; 40 images = 6 groups on the first layer, split over threads
        try (InferenceSession s = InferenceSession.builder(m, chw).batchSize(40).threads(2).tuningBudgetMillis(5).build()) {
            // each layer groups by its output pixels through im2col, or by its gap-padded image when timed faster direct
            String plan = s.describe();
            assertGroup(plan, "on 12x12", 7, 6); // direct: 13x13 positions per image
            assertGroup(plan, "on 6x6", 28, 20); // 7x7
            assertGroup(plan, "on 3x3", 40, 40); // 4x4
            assertMatches(m, s, 21, new int[] {40, 9, 1}, "cnn grouped, threads 2");
        }
    }

    @Test
    void everyFormatRunsTheConvolutionsWhenForced_seed22() {
        SplittableRandom rng = new SplittableRandom(22);
        int[] chw = {2, 8, 8};
        for (boolean blocks : new boolean[] {false, true}) {
            Sequential m = ModelZoo.cnn(chw, 10, rng);
            randomize(m, rng);
            maskConvs(m, 8, blocks, rng);
            for (String spec : List.of("dense", "csr", "condensed", "csc", "block16")) {
                if (spec.equals("block16") && !blocks) continue;
                if (spec.equals("condensed") && blocks) continue;
                try (InferenceSession s = InferenceSession.builder(m, chw).batchSize(3)
                        .format("0", spec).format("4", spec).format("8", spec).build()) {
                    assertThat(s.choices().subList(0, 3)).allSatisfy(c -> assertThat(c.format()).isEqualTo(spec));
                    assertMatches(m, s, 22, new int[] {1, 3}, "forced " + spec + (blocks ? " block masks" : ""));
                }
            }
        }
    }

    @Test
    void pointwiseStridedAndBiasedConvolutionsMatch_seed23() {
        SplittableRandom rng = new SplittableRandom(23);
        int[] chw = {3, 9, 7};
        Sequential m = new Sequential(
                new Conv2d(3, 16, 1, 1, 0, true, rng), new ReLU(),          // pointwise: reads the image as is
                new Conv2d(16, 16, 3, 2, 1, true, rng), new BatchNorm2d(16), // strided, bias + folded batch norm, no ReLU
                new Conv2d(16, 5, 2, 1, 0, false, rng), new ReLU(),         // even kernel, no padding
                new Flatten(), new Linear(5 * 4 * 3, 4, true, rng));
        randomize(m, rng);
        maskConvs(m, 3, false, rng);
        for (int threads : new int[] {1, 3}) {
            try (InferenceSession s = InferenceSession.builder(m, chw).batchSize(5).threads(threads)
                    .tuningBudgetMillis(5).build()) {
                assertThat(s.describe()).contains("1x1) on 9x7+ReLU").contains("stride 2, pad 1) on 9x7+BatchNorm(folded) ")
                        .doesNotContain("own forward");
                assertMatches(m, s, 23, new int[] {1, 4, 5}, "mixed convs threads " + threads);
            }
        }
    }
}
