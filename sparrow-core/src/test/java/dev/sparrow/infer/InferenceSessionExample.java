package dev.sparrow.infer;

import dev.sparrow.infer.InferenceTestModels.MaskKind;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Prints the formats a session picks for a 90%-sparse 784-300-100-10 MLP at batch 1 and 256, and the
 * session's throughput. Indicative only; run with -Dsparrow.infer.example=true.
 */
class InferenceSessionExample {
    @Test
    void chosenFormatsFor90PercentMlp() {
        Assumptions.assumeTrue(Boolean.getBoolean("sparrow.infer.example"), "set -Dsparrow.infer.example=true");
        int threads = Integer.getInteger("sparrow.infer.threads", 1);
        for (MaskKind kind : new MaskKind[] {MaskKind.UNSTRUCTURED, MaskKind.FAN_IN, MaskKind.DENSE}) {
            Sequential m = InferenceTestModels.mlp(13, 784, new int[] {300, 100}, 10, kind, 0.9);
            for (int batch : new int[] {1, 256}) {
                try (InferenceSession s = InferenceSession.builder(m, 784).batchSize(batch).threads(threads)
                        .tuningBudgetMillis(150).build()) {
                    System.out.println("== " + kind + " batch " + batch + " threads " + threads);
                    System.out.print(s.describe());
                    Tensor x = InferenceTestModels.randomBatch(1, batch, 784);
                    Tensor out = Tensor.zeros(batch, 10);
                    for (int i = 0; i < 200_000 / batch + 20; i++) s.predict(x, out);
                    int reps = Math.max(20, 400_000 / batch);
                    long t0 = System.nanoTime();
                    for (int i = 0; i < reps; i++) s.predict(x, out);
                    double us = (System.nanoTime() - t0) / 1e3 / reps;
                    System.out.printf("   predict: %.1f us per call, %.0f samples/s%n", us, batch / us * 1e6);
                }
            }
        }
    }
}
