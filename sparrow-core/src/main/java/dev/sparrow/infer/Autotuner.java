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
 * fastest (see {@link #tune}). Results are cached in memory per (shape, mask,
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

    private static final int MIN_ROUNDS = 3;
    private static final int MAX_ROUNDS = 40;
    private static final int PRUNE_AFTER_ROUNDS = 10;
    private static final int CALLS_PER_ROUND = 5;
    private static final int WARMUP_BLOCK = 100;
    private static final int WARMUP_MIN_CALLS = 2_000;
    /** Compiled kernels allocate at most their parallelFor task (tens of bytes); boxed vectors, kilobytes. */
    private static final long COMPILED_BYTES_PER_CALL = 400;
    private static final Map<String, Boolean> WARMED = new ConcurrentHashMap<>();
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
     * Measures every candidate (specs[i] built candidates[i], all for the same layer) in interleaved
     * rounds, so that each gets the same chance to be JIT-compiled, and caches the result under
     * {@code key}. A candidate's time is the smallest of its per-round medians (noise and compilation
     * only ever make a round slower). At least {@link #MIN_ROUNDS} rounds, then rounds until the budget
     * is spent.
     */
    static Result tune(String key, List<String> specs, List<SparseMatrix> candidates, float[] bias, boolean relu,
                       int batch, SparseKernels kernels, ComputePool pool, long budgetNanos) {
        SparseMatrix first = candidates.get(0);
        float[] x = new float[first.cols() * batch];
        float[] y = new float[first.rows() * batch];
        SplittableRandom rng = new SplittableRandom(42);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble(-1, 1);
        int n = candidates.size();
        double[] best = new double[n];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        long[] samples = new long[CALLS_PER_ROUND];
        long start = System.nanoTime();
        for (int round = 0; round < MAX_ROUNDS && (round < MIN_ROUNDS || System.nanoTime() - start < budgetNanos); round++) {
            for (int c = 0; c < n; c++) {
                SparseMatrix m = candidates.get(c);
                // a candidate far slower than the best after a few rounds is not measured further
                if (round >= PRUNE_AFTER_ROUNDS && best[c] > 8 * min(best)) continue;
                call(m, x, y, bias, relu, batch, kernels, pool);
                for (int r = 0; r < CALLS_PER_ROUND; r++) {
                    long t0 = System.nanoTime();
                    call(m, x, y, bias, relu, batch, kernels, pool);
                    samples[r] = System.nanoTime() - t0;
                }
                Arrays.sort(samples);
                best[c] = Math.min(best[c], samples[CALLS_PER_ROUND / 2] / 1e3);
            }
        }
        Map<String, Double> micros = new LinkedHashMap<>();
        int chosen = 0;
        for (int c = 0; c < n; c++) {
            micros.put(specs.get(c), best[c]);
            if (best[c] < best[chosen]) chosen = c;
        }
        Result r = new Result(specs.get(chosen), best[chosen], Collections.unmodifiableMap(micros), false);
        CACHE.put(key, r);
        return r;
    }

    private static double min(double[] a) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : a) m = Math.min(m, v);
        return m;
    }

    /**
     * Runs every spec's kernel (gemv when batch is 1, spmm otherwise) on a small matrix whose mask fits
     * all the formats until it is JIT-compiled, so that the measurements time compiled code: Vector API
     * code that is not yet compiled by C2 boxes its vectors, so a call that allocates (almost) nothing
     * is compiled. Stops after {@code capNanos} per spec regardless. Done once per JVM per (spec, batch,
     * kernels).
     */
    static void warmUp(List<String> specs, int batch, SparseKernels kernels, ComputePool pool, long capNanos,
                       java.util.function.Function<String, SparseMatrix> builder) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean alloc = mx instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled() ? t : null;
        long tid = Thread.currentThread().threadId();
        for (String spec : specs) {
            String k = spec + "/b" + batch + "/" + kernels.name();
            if (WARMED.putIfAbsent(k, Boolean.TRUE) != null) continue;
            SparseMatrix m = builder.apply(spec);
            if (m == null) continue;
            float[] x = new float[m.cols() * batch];
            float[] y = new float[m.rows() * batch];
            Arrays.fill(x, 0.5f);
            long start = System.nanoTime();
            int calls = 0;
            while (System.nanoTime() - start < capNanos) {
                long before = alloc == null ? 0 : alloc.getThreadAllocatedBytes(tid);
                int i = 0;
                for (; i < WARMUP_BLOCK && System.nanoTime() - start < capNanos; i++) {
                    call(m, x, y, null, true, batch, kernels, pool);
                }
                calls += i;
                if (i < WARMUP_BLOCK) break; // out of time
                if (calls >= WARMUP_MIN_CALLS) {
                    if (alloc == null) break;
                    long perCall = (alloc.getThreadAllocatedBytes(tid) - before) / WARMUP_BLOCK;
                    if (perCall < COMPILED_BYTES_PER_CALL) break;
                }
            }
        }
    }

    private static void call(SparseMatrix m, float[] x, float[] y, float[] bias, boolean relu, int batch,
                             SparseKernels kernels, ComputePool pool) {
        if (batch == 1) m.gemv(kernels, x, 0, y, 0, bias, relu, pool);
        else m.spmm(kernels, x, 0, batch, batch, y, 0, batch, bias, relu, pool);
    }
}
