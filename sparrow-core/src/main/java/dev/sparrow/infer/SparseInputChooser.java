package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.measure.SideBySideTimer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Chooses, for a layer whose input is a k-WTA output, between the step that visits the winners only and the
 * weight-sparse step the autotuner chose on dense inputs, by timing both on a representative input: a batch whose
 * samples each hold the winners' density of nonzero values at random places (timing on dense inputs would favour
 * the row-major formats, and on zeros the sparse-input step). The result is kept for
 * {@link InferenceSession#describe()} ({@code bench model --explain}).
 */
final class SparseInputChooser {
    /** What was timed and which won. */
    record Result(boolean sparseInputWins, double sparseMicros, double weightSparseMicros, double density,
                  int sparseChoice, String others) {
        Result(boolean sparseInputWins, double sparseMicros, double weightSparseMicros, double density) {
            this(sparseInputWins, sparseMicros, weightSparseMicros, density, 0, "");
        }

        String describe() {
            return String.format(java.util.Locale.ROOT, "timed on %.0f%%-dense inputs: winners only %.1f us%s, weight-sparse %.1f us",
                    100 * density, sparseMicros, others, weightSparseMicros);
        }
    }

    private SparseInputChooser() {}

    /**
     * Times {@code sparseInput} against {@code weightSparse} (both reading batch-major or both transposed input,
     * {@code transposedInput}) at {@code batch} on inputs of {@code density} nonzeros per sample.
     */
    static Result choose(Step sparseInput, Step weightSparse, double density, boolean transposedInput, int batch,
                         int columnFloats, int stagingFloats, ComputePool pool, SideBySideTimer timer) {
        return choose(List.of(sparseInput), List.of("sparse-input"), weightSparse, density, transposedInput, batch,
                columnFloats, stagingFloats, pool, timer);
    }

    /**
     * As {@link #choose(Step, Step, double, boolean, int, int, int, ComputePool, SideBySideTimer)} with several
     * winners-only candidates ({@code names}, each step's label), timed side by side with the weight-sparse step:
     * the result's {@code sparseChoice} is the fastest candidate's index, {@code sparseMicros} its time, and
     * {@code others} names the other candidates' times for {@link Result#describe()}.
     */
    static Result choose(List<Step> sparseInputs, List<String> names, Step weightSparse, double density, boolean transposedInput,
                         int batch, int columnFloats, int stagingFloats, ComputePool pool, SideBySideTimer timer) {
        Step sparseInput = sparseInputs.get(0);
        int in = sparseInput.inFeatures, out = sparseInput.outFeatures;
        float[] x = representative(in, batch, density, transposedInput);
        Workspace ws = new Workspace(0, new int[] {in, out}, batch, Math.max(in, out), columnFloats, stagingFloats,
                pool.threads());
        float[] y = new float[Math.multiplyExact(batch, out)];
        List<Runnable> calls = new ArrayList<>(sparseInputs.size() + 1);
        for (Step s : sparseInputs) calls.add(() -> s.run(ws, x, y, batch));
        calls.add(() -> weightSparse.run(ws, x, y, batch));
        List<String> labels = new ArrayList<>(names);
        labels.add("weight-sparse");
        Autotuner.Result r = Autotuner.choose(labels, calls, timer);
        int best = 0;
        for (int i = 1; i < names.size(); i++) if (r.micros().get(names.get(i)) < r.micros().get(names.get(best))) best = i;
        StringBuilder others = new StringBuilder();
        if (names.size() > 1) others.append(" (").append(names.get(best)).append(')');
        for (int i = 0; i < names.size(); i++) {
            if (i != best) others.append(String.format(java.util.Locale.ROOT, ", %s %.1f us", names.get(i), r.micros().get(names.get(i))));
        }
        double sparse = r.micros().get(names.get(best)), dense = r.micros().get("weight-sparse");
        return new Result(sparse <= dense, sparse, dense, density, best, others.toString());
    }

    /** {@code batch} samples of {@code features} values, each with round(density · features) nonzeros at random places. */
    static float[] representative(int features, int batch, double density, boolean transposed) {
        SplittableRandom rng = new SplittableRandom(15);
        float[] x = new float[Math.multiplyExact(features, batch)];
        int nonzero = (int) Math.round(Math.min(1, Math.max(0, density)) * features);
        int[] order = new int[features];
        for (int s = 0; s < batch; s++) {
            for (int i = 0; i < features; i++) order[i] = i;
            for (int i = 0; i < nonzero; i++) { // a partial Fisher-Yates shuffle picks the winners
                int j = i + rng.nextInt(features - i);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
                int f = order[i];
                x[transposed ? f * batch + s : s * features + f] = (float) rng.nextDouble(0.5, 2);
            }
        }
        return x;
    }
}
