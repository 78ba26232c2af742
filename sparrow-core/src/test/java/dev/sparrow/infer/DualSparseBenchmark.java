package dev.sparrow.infer;

import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.nn.layers.KWinnersOptions;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The figures of docs/benchmarks.md for issue 15 (run with -Dsparrow.bench=true): gsc-cnn dense, weight-sparse only
 * (95%, ReLU) and dual-sparse (95% weights, k-WTA at 10%, k_inference_factor 1 so 10% of activations at inference)
 * through the session, side by side, one thread, batch 1 and 64; then exact top-k against the threshold selection.
 * Random weights: speed does not depend on training, except through which inputs win.
 */
@EnabledIfSystemProperty(named = "sparrow.bench", matches = "true")
class DualSparseBenchmark {
    private static final int[] SAMPLE = {1, 28, 28};

    /** gsc-cnn dense, weight-sparse 95% (ReLU) and dual-sparse (95% weights, 10% winners at inference). */
    private static Sequential[] models() {
        SplittableRandom rng = new SplittableRandom(7);
        Sequential dense = ModelZoo.create("gsc-cnn", SAMPLE, 10, 7);
        DualSparseSessionTest.randomizeBatchNorms(dense, rng);
        Sequential weightSparse = ModelZoo.create("gsc-cnn", SAMPLE, 10, 7);
        DualSparseSessionTest.sparsify(weightSparse, 0.95, rng);
        Sequential dual = ModelZoo.gscCnnKwta(SAMPLE, 0.1, false, KWinnersOptions.defaults().withKInferenceFactor(1.0), 10, rng);
        DualSparseSessionTest.sparsify(dual, 0.95, rng);
        Sequential complementary = ModelZoo.gscCnnKwta(SAMPLE, 0.1, false, KWinnersOptions.defaults().withKInferenceFactor(1.0), 10, rng);
        DualSparseSessionTest.complementarySparsify(complementary, rng);
        return new Sequential[] {dense, weightSparse, dual, complementary};
    }


    @Test
    void gscCnnSideBySide() {
        Sequential[] models = models();
        Sequential dense = models[0], weightSparse = models[1], dual = models[2];
        long measure = Long.getLong("sparrow.bench.ms", 3000);
        for (int batch : new int[] {1, 64}) {
            // the dense network on the dense GEMM: on the loaded shared machine the tuner picked sparse formats for it
            InferenceSession[] s = {
                    InferenceSession.builder(dense, SAMPLE).batchSize(batch).threads(1).formatAll("dense").build(),
                    InferenceSession.builder(weightSparse, SAMPLE).batchSize(batch).threads(1).tuningBudgetMillis(30).build(),
                    InferenceSession.builder(dual, SAMPLE).batchSize(batch).threads(1).tuningBudgetMillis(30).build(),
                    InferenceSession.builder(dual, SAMPLE).batchSize(batch).threads(1).tuningBudgetMillis(30)
                            .winnerSelection(WinnerSelection.THRESHOLD).build(),
                    InferenceSession.builder(dual, SAMPLE).batchSize(batch).threads(1).tuningBudgetMillis(30)
                            .sparseInput(false).build(),
                    InferenceSession.builder(models[3], SAMPLE).batchSize(batch).threads(1).tuningBudgetMillis(30).build()};
            String[] names = {"dense (dense GEMM)", "weight-sparse 95% (ReLU)", "dual-sparse 95% x 10% (exact top-k)",
                    "dual-sparse, threshold k-WTA", "dual-sparse, sparse input off", "dual-sparse, complementary conv masks"};
            Tensor x = InferenceTestModels.randomBatch(batch, batch, SAMPLE);
            Tensor[] outs = new Tensor[s.length];
            for (int i = 0; i < s.length; i++) outs[i] = s[i].predict(x).copy();
            List<Runnable> runs = new java.util.ArrayList<>();
            for (int i = 0; i < s.length; i++) {
                InferenceSession si = s[i];
                Tensor out = outs[i];
                runs.add(() -> si.predict(x, out));
            }
            SideBySideTimer.Timing t = SideBySideTimer.system(SideBySideTimer.Plan.forBenchmark(1000, measure)).time(runs);
            System.out.printf(Locale.ROOT, "%n== gsc-cnn, batch %d, 1 thread ==%n", batch);
            for (int i = 0; i < s.length; i++) {
                System.out.printf(Locale.ROOT, "%-40s %10.1f us/call  %8.2f us/sample  vs dense %6.2fx  vs weight-sparse %6.2fx%n",
                        names[i], t.medianNanos()[i] / 1e3, t.medianNanos()[i] / 1e3 / batch,
                        t.medianNanos()[0] / t.medianNanos()[i], t.medianNanos()[1] / t.medianNanos()[i]);
            }
            if (batch == 1) {
                // the same, a new input each call (64 in turn): repeating one input lets the branch predictor learn
                // its winners' pattern, which flatters the data-dependent loops of the sparse-input steps
                Tensor[] xs = new Tensor[64];
                for (int i = 0; i < xs.length; i++) xs[i] = InferenceTestModels.randomBatch(100 + i, 1, SAMPLE);
                List<Runnable> fresh = new java.util.ArrayList<>();
                for (int i = 0; i < s.length; i++) {
                    InferenceSession si = s[i];
                    Tensor out = outs[i];
                    int[] next = {0};
                    fresh.add(() -> si.predict(xs[next[0]++ & 63], out));
                }
                SideBySideTimer.Timing f = SideBySideTimer.system(SideBySideTimer.Plan.forBenchmark(1000, measure)).time(fresh);
                System.out.printf(Locale.ROOT, "%n== gsc-cnn, batch 1, a new input each call, 1 thread ==%n");
                for (int i = 0; i < s.length; i++) {
                    System.out.printf(Locale.ROOT, "%-40s %10.1f us/call  vs dense %6.2fx  vs weight-sparse %6.2fx%n",
                            names[i], f.medianNanos()[i] / 1e3, f.medianNanos()[0] / f.medianNanos()[i],
                            f.medianNanos()[1] / f.medianNanos()[i]);
                }
            }
            // threshold against exact: same top-1 class, and output difference
            int agree = 0;
            for (int n = 0; n < batch; n++) agree += argmax(outs[2], n) == argmax(outs[3], n) ? 1 : 0;
            System.out.printf(Locale.ROOT, "threshold vs exact top-k: top-1 agrees on %d of %d samples%n", agree, batch);
            System.out.println("plan of the dual-sparse session:\n" + s[2].describe());
            System.out.println("plan of the complementary dual-sparse session:\n" + s[5].describe());
            for (InferenceSession si : s) si.close();
        }
    }

    /**
     * Where each session's time goes, step by step (medians of each step timed alone inside whole runs), dense,
     * weight-sparse and dual-sparse at batch 1 and 64, 1 thread. The three profiles take turns three times and each
     * step keeps its lowest median, so a burst of load on the shared machine hits one pass, not one session.
     */
    @Test
    void gscCnnStepProfile() {
        Sequential[] models = models();
        Sequential dense = models[0], weightSparse = models[1], dual = models[2];
        int rounds = Integer.getInteger("sparrow.bench.rounds", 400);
        for (int batch : new int[] {1, 64}) {
            boolean dualOnly = Boolean.getBoolean("sparrow.bench.dualOnly"); // quicker, while working on the dual steps
            InferenceSession[] s = {
                    dualOnly ? null : InferenceSession.builder(dense, SAMPLE).batchSize(batch).threads(1).formatAll("dense").build(),
                    dualOnly ? null : InferenceSession.builder(weightSparse, SAMPLE).batchSize(batch).threads(1).tuningBudgetMillis(30).build(),
                    InferenceSession.builder(dual, SAMPLE).batchSize(batch).threads(1).tuningBudgetMillis(30).build()};
            String[] names = {"dense (dense GEMM)", "weight-sparse 95% (ReLU)", "dual-sparse 95% x 10% (exact top-k)"};
            float[] x = InferenceTestModels.randomBatch(batch, batch, SAMPLE).data();
            double[][] best = new double[s.length][];
            for (int pass = 0; pass < 3; pass++) {
                for (int i = dualOnly ? 2 : 0; i < s.length; i++) {
                    double[] m = s[i].stepMedianNanos(x, batch, Math.max(8, rounds / batch));
                    if (best[i] == null) best[i] = m;
                    else for (int k = 0; k < m.length; k++) best[i][k] = Math.min(best[i][k], m[k]);
                }
            }
            System.out.printf(Locale.ROOT, "%n== gsc-cnn step profile, batch %d, 1 thread (us per call) ==%n", batch);
            for (int i = dualOnly ? 2 : 0; i < s.length; i++) {
                List<String> steps = s[i].stepDescriptions();
                double total = 0;
                for (double v : best[i]) total += v;
                System.out.printf(Locale.ROOT, "-- %s: %.1f us in all --%n", names[i], total / 1e3);
                for (int k = 0; k < steps.size(); k++) {
                    System.out.printf(Locale.ROOT, "%9.1f  %s%n", best[i][k] / 1e3, steps.get(k));
                }
            }
            for (InferenceSession si : s) if (si != null) si.close();
        }
    }

    /** Exact top-k against the threshold on the k-WTA inputs of the dual-sparse gsc-cnn's shapes (9216 values, k 922; 1000, k 100). */
    @Test
    void selectionExactAgainstThreshold() {
        for (int n : new int[] {64 * 12 * 12, 1000}) selection(n, n / 10);
    }

    private static void selection(int n, int k) {
        SplittableRandom rng = new SplittableRandom(3);
        float[][] inputs = new float[16][n];
        for (float[] v : inputs) for (int i = 0; i < n; i++) v[i] = (float) (rng.nextGaussian() + 0.3 * rng.nextGaussian() * rng.nextGaussian());
        float[] out = new float[n], exact = new float[n], scratch = new float[n];
        WinnerKernels vector = WinnerKernels.of(dev.sparrow.kernel.Backend.get()), scalar = WinnerKernels.of(dev.sparrow.kernel.Backend.scalar());
        float z = WinnerSelection.z(k, n);
        int[] next = {0};
        List<Runnable> variants = List.of(
                () -> WinnerSelection.EXACT.select(inputs[next[0]++ & 15], out, 0, 1, n, k, z, scratch, 0),
                () -> BracketSelection.keepLargest(inputs[next[0]++ & 15], out, 0, n, k, scratch, 0, scalar),
                () -> BracketSelection.keepLargest(inputs[next[0]++ & 15], out, 0, n, k, scratch, 0, vector),
                () -> WinnerSelection.THRESHOLD.select(inputs[next[0]++ & 15], out, 0, 1, n, k, z, scratch, 0));
        SideBySideTimer.Timing t = SideBySideTimer.system(SideBySideTimer.Plan.forBenchmark(2000,
                Long.getLong("sparrow.bench.ms", 3000))).time(variants);
        System.out.printf(Locale.ROOT, "%nk-WTA selection, %d values, k %d (medians, side by side): exact quickselect %.1f us, "
                        + "exact bracket (scalar passes) %.1f us, exact bracket (%s passes) %.1f us, threshold %.1f us%n", n, k,
                t.medianNanos()[0] / 1e3, t.medianNanos()[1] / 1e3, vector.name(), t.medianNanos()[2] / 1e3, t.medianNanos()[3] / 1e3);
        double kept = 0, overlap = 0;
        for (float[] v : inputs) {
            WinnerSelection.EXACT.select(v, exact, 0, 1, n, k, z, scratch, 0);
            BracketSelection.keepLargest(v, out, 0, n, k, scratch, 0, vector);
            if (!java.util.Arrays.equals(out, exact)) throw new AssertionError("bracket selection differs from quickselect");
            WinnerSelection.THRESHOLD.select(v, out, 0, 1, n, k, z, scratch, 0);
            for (int i = 0; i < n; i++) {
                kept += out[i] != 0 ? 1 : 0;
                overlap += out[i] != 0 && exact[i] != 0 ? 1 : 0;
            }
        }
        System.out.printf(Locale.ROOT, "threshold keeps %.0f per group (k = %d); %.1f%% of exact winners kept%n",
                kept / inputs.length, k, 100 * overlap / (k * (double) inputs.length));
    }

    private static int argmax(Tensor t, int row) {
        int c = t.dim(1), best = 0;
        for (int j = 1; j < c; j++) if (t.get(row * c + j) > t.get(row * c + best)) best = j;
        return best;
    }
}
