package dev.sparrow.infer;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Seeded models, masks and the reference (training-time eval forward) for the session tests. */
final class InferenceTestModels {
    enum MaskKind { DENSE, UNSTRUCTURED, FAN_IN, NM1_8, BLOCK16 }

    private InferenceTestModels() {}

    static Sequential mlp(long seed, int in, int[] hidden, int classes, MaskKind kind, double sparsity) {
        SplittableRandom rng = new SplittableRandom(seed);
        Sequential m = ModelZoo.mlp(new int[] {in}, hidden, classes, rng);
        randomizeBiases(m, rng);
        if (kind != MaskKind.DENSE) maskLinears(m, kind, sparsity, rng);
        return m;
    }

    static void randomizeBiases(Layer model, SplittableRandom rng) {
        for (Linear lin : linears(model)) {
            if (lin.bias() != null) {
                float[] b = lin.bias().value().data();
                for (int i = 0; i < b.length; i++) b[i] = (float) rng.nextDouble(-0.5, 0.5);
            }
        }
    }

    static java.util.List<Linear> linears(Layer model) {
        java.util.List<Linear> out = new java.util.ArrayList<>();
        collect(model, out);
        return out;
    }

    private static void collect(Layer l, java.util.List<Linear> out) {
        if (l instanceof Linear lin) out.add(lin);
        for (Layer c : l.children()) collect(c, out);
    }

    static void maskLinears(Layer model, MaskKind kind, double sparsity, SplittableRandom rng) {
        for (Linear lin : linears(model)) {
            int rows = lin.outFeatures();
            int cols = lin.inFeatures();
            float[] keep = new float[rows * cols];
            switch (kind) {
                case UNSTRUCTURED -> {
                    for (int i = 0; i < keep.length; i++) keep[i] = rng.nextDouble() >= sparsity ? 1f : 0f;
                }
                case FAN_IN -> {
                    int k = Math.max(1, (int) Math.round(cols * (1 - sparsity)));
                    for (int r = 0; r < rows; r++) {
                        int placed = 0;
                        while (placed < k) {
                            int c = rng.nextInt(cols);
                            if (keep[r * cols + c] == 0f) {
                                keep[r * cols + c] = 1f;
                                placed++;
                            }
                        }
                    }
                }
                case NM1_8 -> {
                    for (int r = 0; r < rows; r++) {
                        for (int g = 0; g + 8 <= cols; g += 8) keep[r * cols + g + rng.nextInt(8)] = 1f;
                    }
                }
                case BLOCK16 -> {
                    for (int br = 0; br < rows; br += 16) {
                        for (int c = 0; c < cols; c++) {
                            if (rng.nextDouble() < sparsity) continue;
                            for (int r = br; r < Math.min(rows, br + 16); r++) keep[r * cols + c] = 1f;
                        }
                    }
                }
                default -> throw new IllegalArgumentException(kind.toString());
            }
            lin.weight().setMask(Mask.of(keep));
        }
    }

    static Tensor randomBatch(long seed, int batch, int... sampleShape) {
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        Tensor t = Tensor.zeros(shape);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextDouble(-1, 1);
        return t;
    }

    /** The model's own eval-mode forward (what training-time evaluation computes). */
    static Tensor reference(Layer model, Tensor x) {
        return model.forward(x, ExecutionContext.defaults().training(false)).copy();
    }

    /** |got - want| <= 1e-5 * max(1, max |want|) for every element. */
    static void assertClose(float[] got, float[] want, int n, String what) {
        float scale = 1f;
        for (int i = 0; i < n; i++) scale = Math.max(scale, Math.abs(want[i]));
        double worst = 0;
        for (int i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale);
        assertThat(worst).as("%s: worst relative difference", what).isLessThanOrEqualTo(1e-5);
    }
}
