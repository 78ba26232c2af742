package dev.sparrow.cli;

import dev.sparrow.infer.InferenceSession;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A whole model's inference, dense against sparse, at one batch size: a dense session (every Linear
 * layer forced dense) and a sparse one (formats autotuned at that batch) on one shared pool, both
 * checked against the model's own eval-mode forward, then timed side by side with
 * {@link SideBySideTimer} (warm-up, interleaved rounds, medians). Used by {@code sparrow bench model}
 * and {@code sparrow demo}.
 */
final class ModelBench {
    /** The largest |session - forward| / max(1, max |forward|) accepted. */
    static final double TOLERANCE = 1e-5;

    /** What to measure and for how long. */
    record Settings(int threads, long warmupMillis, long measureMillis, long tuneMillis, long seed) {
        Settings {
            if (threads < 1) throw new UserInputException("--threads is " + threads + "; expected >= 1");
            if (warmupMillis < 0 || measureMillis < 0 || tuneMillis < 0) {
                throw new UserInputException("warm-up, measure and tuning times must be >= 0 ms");
            }
        }
    }

    /**
     * One batch size's figures.
     *
     * @param denseMicros, sparseMicros median time of one predict call of {@code batch} samples
     * @param denseError, sparseError worst relative difference to the model's forward
     * @param formats the sparse session's format per Linear layer (layer name to format)
     * @param sparsePlan the sparse session's plan with every candidate's measured time per layer
     */
    record Row(int batch, double denseMicros, double sparseMicros, double denseError, double sparseError,
               Map<String, String> formats, int samples, String sparsePlan) {
        double speedup() { return denseMicros / sparseMicros; }

        double denseSamplesPerSecond() { return batch * 1e6 / denseMicros; }

        double sparseSamplesPerSecond() { return batch * 1e6 / sparseMicros; }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("batch", batch);
            m.put("dense_us", round(denseMicros));
            m.put("sparse_us", round(sparseMicros));
            m.put("dense_samples_per_s", round(denseSamplesPerSecond()));
            m.put("sparse_samples_per_s", round(sparseSamplesPerSecond()));
            m.put("speedup", round(speedup()));
            m.put("dense_max_rel_error", denseError);
            m.put("sparse_max_rel_error", sparseError);
            m.put("formats", formats);
            m.put("rounds", samples);
            return m;
        }

        private static double round(double v) { return Math.round(v * 1000) / 1000.0; }
    }

    private ModelBench() {}

    /** Measures {@code model} (fed samples of {@code sampleShape}) at every batch size in order. */
    static List<Row> run(Layer model, int[] sampleShape, List<Integer> batches, Settings s) {
        List<Row> rows = new ArrayList<>(batches.size());
        try (ComputePool pool = ComputePool.ofThreads(s.threads())) {
            for (int batch : batches) rows.add(run(model, sampleShape, batch, s, pool));
        }
        return rows;
    }

    static Row run(Layer model, int[] sampleShape, int batch, Settings s, ComputePool pool) {
        if (batch < 1) throw new UserInputException("--batch has " + batch + "; expected sizes >= 1");
        try (InferenceSession dense = InferenceSession.builder(model, sampleShape).batchSize(batch).pool(pool)
                .contexts(1).formatAll("dense").build();
             InferenceSession sparse = InferenceSession.builder(model, sampleShape).batchSize(batch).pool(pool)
                     .contexts(1).tuningBudgetMillis(s.tuneMillis()).build()) {
            Tensor x = randomBatch(s.seed() + batch, batch, sampleShape);
            Tensor want = model.forward(x, ExecutionContext.defaults().training(false)).copy();
            float[] in = x.data();
            float[] denseOut = new float[batch * dense.outputSize()];
            float[] sparseOut = new float[batch * sparse.outputSize()];
            dense.predictBatch(in, batch, denseOut);
            sparse.predictBatch(in, batch, sparseOut);
            double denseError = relativeError(denseOut, want.data());
            double sparseError = relativeError(sparseOut, want.data());
            check("dense", denseError, batch);
            check("sparse", sparseError, batch);
            SideBySideTimer timer = SideBySideTimer.system(SideBySideTimer.Plan.forBenchmark(s.warmupMillis(),
                    s.measureMillis()));
            SideBySideTimer.Timing t = timer.time(List.of(() -> dense.predictBatch(in, batch, denseOut),
                    () -> sparse.predictBatch(in, batch, sparseOut)));
            Map<String, String> formats = new LinkedHashMap<>();
            for (InferenceSession.LayerChoice c : sparse.choices()) formats.put(c.layer(), c.format());
            return new Row(batch, t.medianNanos()[0] / 1e3, t.medianNanos()[1] / 1e3, denseError, sparseError,
                    formats, t.samples()[1], sparse.describe());
        }
    }

    private static void check(String which, double error, int batch) {
        if (!(error <= TOLERANCE)) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "the %s session's outputs differ from the model's forward pass by %.3g (relative) at batch %d; "
                            + "expected <= %.0e", which, error, batch, TOLERANCE));
        }
    }

    /** max |got - want| / max(1, max |want|). */
    static double relativeError(float[] got, float[] want) {
        double scale = 1;
        for (float w : want) scale = Math.max(scale, Math.abs(w));
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale);
        return worst;
    }

    /** Seeded inputs on the scale of normalised images (about unit variance). */
    static Tensor randomBatch(long seed, int batch, int[] sampleShape) {
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        Tensor t = Tensor.zeros(shape);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextDouble(-1.7, 1.7);
        return t;
    }

    /** The aligned table: one line per batch size, then the sparse session's formats per batch. */
    static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%6s %14s %15s %16s %17s %9s%n", "batch", "dense us/call", "sparse us/call",
                "dense samples/s", "sparse samples/s", "speed-up"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%6d %14.1f %15.1f %16.0f %17.0f %8.2fx%n", r.batch(), r.denseMicros(),
                    r.sparseMicros(), r.denseSamplesPerSecond(), r.sparseSamplesPerSecond(), r.speedup()));
        }
        for (Row r : rows) {
            StringBuilder f = new StringBuilder();
            for (Map.Entry<String, String> e : r.formats().entrySet()) {
                if (!f.isEmpty()) f.append(", ");
                f.append("layer ").append(e.getKey()).append(' ').append(e.getValue());
            }
            sb.append(String.format(Locale.ROOT, "sparse formats at batch %d: %s%n", r.batch(), f));
        }
        return sb.toString();
    }
}
