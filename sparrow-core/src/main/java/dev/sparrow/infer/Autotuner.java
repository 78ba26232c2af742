package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.SparseMatrix;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Times the candidate formats of one layer at the session's batch size on this machine and keeps the
 * fastest. Each candidate gets a warm-up call, then calls until its share of the time budget is spent
 * (at least 3, at most 25); its time is the median. Results are cached in memory per (shape, mask,
 * batch, threads, kernels, candidate set), so a second session for the same model does not re-measure.
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

    private static final int MIN_REPS = 3;
    private static final int MAX_REPS = 25;
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

    /** Measures every candidate (specs[i] built candidates[i], all for the same layer) and caches the result under {@code key}. */
    static Result tune(String key, List<String> specs, List<SparseMatrix> candidates, float[] bias, boolean relu, int batch,
                       SparseKernels kernels, ComputePool pool, long budgetNanos) {
        SparseMatrix first = candidates.get(0);
        float[] x = new float[first.cols() * batch];
        float[] y = new float[first.rows() * batch];
        SplittableRandom rng = new SplittableRandom(42);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble(-1, 1);
        long share = Math.max(1, budgetNanos / candidates.size());
        Map<String, Double> micros = new LinkedHashMap<>();
        String best = null;
        double bestMicros = Double.POSITIVE_INFINITY;
        long[] samples = new long[MAX_REPS];
        for (int c = 0; c < candidates.size(); c++) {
            SparseMatrix m = candidates.get(c);
            call(m, x, y, bias, relu, batch, kernels, pool); // warm-up (JIT, caches)
            long start = System.nanoTime();
            int reps = 0;
            while (reps < MAX_REPS && (reps < MIN_REPS || System.nanoTime() - start < share)) {
                long t0 = System.nanoTime();
                call(m, x, y, bias, relu, batch, kernels, pool);
                samples[reps++] = System.nanoTime() - t0;
            }
            Arrays.sort(samples, 0, reps);
            double us = samples[reps / 2] / 1e3;
            micros.put(specs.get(c), us);
            if (us < bestMicros) {
                bestMicros = us;
                best = specs.get(c);
            }
        }
        Result r = new Result(best, bestMicros, Collections.unmodifiableMap(micros), false);
        CACHE.put(key, r);
        return r;
    }

    private static void call(SparseMatrix m, float[] x, float[] y, float[] bias, boolean relu, int batch,
                             SparseKernels kernels, ComputePool pool) {
        if (batch == 1) m.gemv(kernels, x, 0, y, 0, bias, relu, pool);
        else m.spmm(kernels, x, 0, batch, batch, y, 0, batch, bias, relu, pool);
    }
}
