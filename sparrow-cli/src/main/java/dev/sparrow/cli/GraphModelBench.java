package dev.sparrow.cli;

import dev.sparrow.graph.GraphEvaluator;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.measure.ModelPeer;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model file (e.g. {@code .onnx}) through Sparrow, dense (every layer forced dense) and tuned (formats chosen
 * by timing), and, when its peer is on the class path, through ONNX Runtime on the same file and threads: all
 * checked against the graph's reference evaluator on the first sample (and against ONNX Runtime on the whole
 * batch), then timed side by side in one interleaved run, so the ratios share the machine's state.
 */
final class GraphModelBench {
    /** Against the reference evaluator (double accumulation), relative as the ONNX fixture tests measure. */
    static final double TOLERANCE = 1e-4;
    /**
     * Against ONNX Runtime on random inputs: both engines sum in float, in different orders, over up to thousands
     * of terms per output, so outputs near zero differ by more (1.4e-4 seen on the 2048-wide MLP at 2 threads).
     */
    static final double PEER_TOLERANCE = 1e-3;

    record Row(int batch, double denseMicros, double sparseMicros, double peerMicros, double sparseError, double peerError,
               Map<String, String> formats, String plan) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("batch", batch);
            m.put("dense_us", r(denseMicros));
            m.put("sparse_us", r(sparseMicros));
            if (!Double.isNaN(peerMicros)) {
                m.put("onnxruntime_us", r(peerMicros));
                m.put("speedup_vs_onnxruntime", r(peerMicros / sparseMicros));
                m.put("dense_vs_onnxruntime", r(peerMicros / denseMicros));
            }
            m.put("speedup_vs_dense", r(denseMicros / sparseMicros));
            m.put("sparse_max_rel_error", sparseError);
            m.put("formats", formats);
            return m;
        }

        private static double r(double v) { return Math.round(v * 1000) / 1000.0; }
    }

    private GraphModelBench() {}

    static List<Row> run(Path file, ModelGraph graph, List<Integer> batches, ModelBench.Settings s, StringBuilder notes) {
        return run(file, graph, batches, s, notes, false);
    }

    /** As above; with {@code profile}, each row's plan ends with both sessions' per-step times (about 1 s each). */
    static List<Row> run(Path file, ModelGraph graph, List<Integer> batches, ModelBench.Settings s, StringBuilder notes,
                         boolean profile) {
        ModelPeer.Instance peer = openPeer(file, s.threads(), notes);
        List<Row> rows = new ArrayList<>();
        try (ComputePool pool = ComputePool.ofThreads(s.threads())) {
            for (int batch : batches) rows.add(run(graph, batch, s, pool, peer, profile));
        } finally {
            if (peer != null) peer.close();
        }
        return rows;
    }

    private static ModelPeer.Instance openPeer(Path file, int threads, StringBuilder notes) {
        for (ModelPeer p : ModelPeer.discover()) {
            if (!p.accepts(file)) continue;
            try {
                ModelPeer.Instance i = p.open(file, threads);
                notes.append("peer: ").append(i.describe()).append(", ").append(threads).append(" intra-op thread(s)\n");
                return i;
            } catch (Throwable t) {
                notes.append("peer ").append(p.name()).append(" not available: ").append(t.getMessage()).append('\n');
            }
        }
        if (notes.isEmpty()) notes.append("no ONNX Runtime peer on the class path (build sparrow-bench; ./sparrow adds it)\n");
        return null;
    }

    private static Row run(ModelGraph graph, int batch, ModelBench.Settings s, ComputePool pool, ModelPeer.Instance peer,
                           boolean profile) {
        int[] shape = graph.inputShape();
        try (InferenceSession dense = InferenceSession.builder(graph).batchSize(batch).pool(pool).contexts(1)
                .formatAll("dense").build();
             InferenceSession sparse = InferenceSession.builder(graph).batchSize(batch).pool(pool).contexts(1)
                     .tuningBudgetMillis(s.tuneMillis()).build()) {
            Tensor x = ModelBench.randomBatch(s.seed() + batch, batch, shape);
            float[] in = x.data();
            float[] denseOut = new float[batch * dense.outputSize()];
            float[] sparseOut = new float[batch * sparse.outputSize()];
            dense.predictBatch(in, batch, denseOut);
            sparse.predictBatch(in, batch, sparseOut);
            // the reference evaluator is plain loops: one sample is enough to catch a wrong plan
            int[] one = new int[shape.length + 1];
            one[0] = 1;
            System.arraycopy(shape, 0, one, 1, shape.length);
            float[] want = GraphEvaluator.runFirst(graph, Tensor.wrap(java.util.Arrays.copyOf(in, sparse.sampleSize()), one)).data();
            double sparseError = Math.max(error(denseOut, want), error(sparseOut, want));
            check("Sparrow vs the reference evaluator", sparseError, batch, TOLERANCE);
            double peerError = Double.NaN;
            float[] peerOut = new float[batch * sparse.outputSize()];
            List<Runnable> runs = new ArrayList<>(List.of(() -> dense.predictBatch(in, batch, denseOut),
                    () -> sparse.predictBatch(in, batch, sparseOut)));
            if (peer != null) {
                try {
                    peer.setInput(in, batch, shape);
                } catch (Exception e) {
                    throw new IllegalStateException("ONNX Runtime peer: " + e.getMessage(), e);
                }
                peer.run();
                peer.output(peerOut);
                peerError = error(sparseOut, peerOut);
                check("Sparrow vs ONNX Runtime", peerError, batch, PEER_TOLERANCE);
                runs.add(peer::run);
            }
            SideBySideTimer timer = SideBySideTimer.system(SideBySideTimer.Plan.forBenchmark(s.warmupMillis(), s.measureMillis()));
            SideBySideTimer.Timing t = timer.time(runs);
            Map<String, String> formats = new LinkedHashMap<>();
            for (InferenceSession.LayerChoice c : sparse.choices()) formats.put(c.layer(), c.format());
            String plan = sparse.describe();
            if (profile) {
                // about one second of calls per session, at least 3
                int rounds = (int) Math.max(3, Math.min(200, 1e6 / Math.max(1, t.medianNanos()[0] / 1e3)));
                plan += "sparse session, " + sparse.profile(in, batch, rounds) + "dense session, " + dense.profile(in, batch, rounds);
            }
            return new Row(batch, t.medianNanos()[0] / 1e3, t.medianNanos()[1] / 1e3,
                    peer == null ? Double.NaN : t.medianNanos()[2] / 1e3, sparseError, peerError, formats, plan);
        }
    }

    /** max |got - want| / max(|want|, 1e-3 max |want|) over want's elements (the ONNX fixture tests' measure). */
    static double error(float[] got, float[] want) {
        double scale = 0;
        for (float w : want) scale = Math.max(scale, Math.abs(w));
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-3 * scale + 1e-12));
        }
        return worst;
    }

    private static void check(String what, double error, int batch, double tolerance) {
        if (!(error <= tolerance)) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s: outputs differ by %.3g (relative) at batch %d; expected <= %.0e",
                    what, error, batch, tolerance));
        }
    }

    static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        boolean peer = !rows.isEmpty() && !Double.isNaN(rows.getFirst().peerMicros());
        sb.append(String.format(Locale.ROOT, "%6s %14s %15s", "batch", "dense us/call", "sparse us/call"));
        if (peer) sb.append(String.format(Locale.ROOT, " %12s %14s %14s", "ORT us/call", "sparse vs ORT", "dense vs ORT"));
        sb.append(String.format(Locale.ROOT, " %16s%n", "sparse vs dense"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%6d %14.1f %15.1f", r.batch(), r.denseMicros(), r.sparseMicros()));
            if (peer) {
                sb.append(String.format(Locale.ROOT, " %12.1f %13.2fx %13.2fx", r.peerMicros(), r.peerMicros() / r.sparseMicros(),
                        r.peerMicros() / r.denseMicros()));
            }
            sb.append(String.format(Locale.ROOT, " %15.2fx%n", r.denseMicros() / r.sparseMicros()));
        }
        for (Row r : rows) sb.append(String.format(Locale.ROOT, "sparse formats at batch %d: %s%n", r.batch(), r.formats()));
        return sb.toString();
    }
}
