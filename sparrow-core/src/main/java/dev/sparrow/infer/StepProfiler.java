package dev.sparrow.infer;

import java.util.Arrays;

/**
 * Where a session's time goes: runs the plan on one batch again and again, timing each step on its own
 * (System.nanoTime around every step), and reports each step's median. For the benchmarks and
 * {@code bench model --explain}; a step timed alone runs with the caches as the step before it left them, as in
 * a real call, so the per-step medians add up to about a whole call.
 */
final class StepProfiler {
    private StepProfiler() {}

    /**
     * Median nanoseconds of each of {@code steps} over {@code rounds} runs of the plan on {@code input} (copied
     * into buffer {@code inputSlot} before every run, untimed, since later steps may reuse that buffer; the first
     * {@code rounds / 4} runs warm up and are not counted).
     */
    static double[] medianNanos(Step[] steps, Workspace ws, int inputSlot, float[] input, int inputFloats, int batch,
                                int rounds) {
        if (rounds < 1) throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
        int warmup = rounds / 4;
        long[][] samples = new long[steps.length][rounds];
        for (int r = 0; r < warmup + rounds; r++) {
            System.arraycopy(input, 0, ws.buffers[inputSlot], 0, inputFloats);
            for (int i = 0; i < steps.length; i++) {
                long t0 = System.nanoTime();
                steps[i].execute(ws, batch);
                long t = System.nanoTime() - t0;
                if (r >= warmup) samples[i][r - warmup] = t;
            }
        }
        double[] median = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            Arrays.sort(samples[i]);
            median[i] = rounds % 2 == 1 ? samples[i][rounds / 2] : (samples[i][rounds / 2 - 1] + samples[i][rounds / 2]) / 2.0;
        }
        return median;
    }
}
