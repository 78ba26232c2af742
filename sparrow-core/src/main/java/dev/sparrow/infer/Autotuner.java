package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.sparse.PackedWeights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Times the candidate formats of one layer at the session's batch size on this machine and keeps the
 * fastest (see {@link #tune}). The timing is {@link SideBySideTimer}'s: every candidate is warmed up on
 * the layer itself until compiled before any is timed (a candidate timed before C2 compiled it looked
 * several times slower, and the first-timed one lost), then interleaved rounds and medians. Results are
 * cached in memory per (shape, mask, batch, threads, kernels, candidate set), so a second session for
 * the same model does not re-measure.
 */
final class Autotuner {
    /** A layer's measurement: the chosen format and the median time per call of every candidate. */
    record Result(String chosen, double chosenMicros, Map<String, Double> micros, boolean cached) {
        String describe() {
            StringBuilder sb = new StringBuilder(String.format("%.1f us/call%s; candidates", chosenMicros,
                    cached ? " (cached)" : ""));
            for (Map.Entry<String, Double> e : micros.entrySet()) {
                sb.append(String.format(" %s=%.1f", e.getKey(), e.getValue()));
            }
            return sb.toString();
        }

        Result asCached() { return new Result(chosen, chosenMicros, micros, true); }
    }

    private static final Map<String, Result> CACHE = new ConcurrentHashMap<>();

    private Autotuner() {}

    static String key(int rows, int cols, long maskHash, int batch, int threads, String kernels, List<String> candidates) {
        return rows + "x" + cols + "/" + Long.toHexString(maskHash) + "/b" + batch + "/t" + threads + "/" + kernels
                + "/" + String.join(",", candidates);
    }

    static Result cached(String key) {
        Result r = CACHE.get(key);
        return r == null ? null : r.asCached();
    }

    static void clearCache() { CACHE.clear(); }

    /**
     * Times every candidate (specs[i] built candidates[i], all for the same layer) on one random input
     * with {@code timer} (each warmed up until compiled, then interleaved rounds, medians), keeps the
     * fastest and caches the result under {@code key}.
     */
    static Result tune(String key, List<String> specs, List<PackedWeights> candidates, float[] bias, boolean relu,
                       int batch, SparseKernels kernels, ComputePool pool, SideBySideTimer timer) {
        PackedWeights first = candidates.get(0);
        float[] x = new float[first.cols() * batch];
        float[] y = new float[first.rows() * batch];
        SplittableRandom rng = new SplittableRandom(42);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble(-1, 1);
        List<Runnable> calls = new ArrayList<>(candidates.size());
        for (PackedWeights m : candidates) calls.add(() -> call(m, x, y, bias, relu, batch, kernels, pool));
        Result r = choose(specs, calls, timer);
        CACHE.put(key, r);
        return r;
    }

    /** The fastest of {@code calls} (specs names them) as {@code timer} measures them; no caching. */
    static Result choose(List<String> specs, List<? extends Runnable> calls, SideBySideTimer timer) {
        if (specs.size() != calls.size() || specs.isEmpty()) {
            throw new IllegalArgumentException("need one spec per candidate, got " + specs.size() + " specs for "
                    + calls.size() + " candidates");
        }
        SideBySideTimer.Timing t = timer.time(calls);
        // again (at most twice more) while the spread is implausible: the JIT catches up meanwhile
        for (int retry = 0; retry < 2 && implausibleSpread(t.medianNanos()); retry++) t = timer.time(calls);
        Map<String, Double> micros = new LinkedHashMap<>();
        for (int c = 0; c < specs.size(); c++) micros.put(specs.get(c), t.medianNanos()[c] / 1e3);
        int chosen = t.fastest();
        return new Result(specs.get(chosen), t.medianNanos()[chosen] / 1e3, Collections.unmodifiableMap(micros), false);
    }

    /**
     * True when one candidate measured more than {@value #IMPLAUSIBLE_SPREAD}x slower than another: more than the
     * formats of one layer differ in work at the sparsities they are offered for, and what was seen when the first
     * layer of a session was timed before C2 had compiled its kernels on a busy machine (csr and condensed at
     * 37-39 ms per call, 0.14-0.16 ms in the session itself; csc won by accident).
     */
    static boolean implausibleSpread(double[] medianNanos) {
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (double m : medianNanos) {
            if (Double.isNaN(m)) continue;
            lo = Math.min(lo, m);
            hi = Math.max(hi, m);
        }
        return hi > IMPLAUSIBLE_SPREAD * lo;
    }

    static final double IMPLAUSIBLE_SPREAD = 30;

    private static void call(PackedWeights m, float[] x, float[] y, float[] bias, boolean relu, int batch,
                             SparseKernels kernels, ComputePool pool) {
        if (batch == 1) m.gemv(kernels, x, 0, y, 0, bias, relu, pool);
        else m.spmm(kernels, x, 0, batch, batch, y, 0, batch, bias, relu, pool);
    }
}
