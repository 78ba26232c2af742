package dev.sparrow.cli;

import dev.sparrow.infer.SideBySideTimer;

import java.util.Arrays;
import java.util.List;

/**
 * Times several kernels side by side on a shared, noisy machine: each is warmed up, then the kernels
 * take turns in rounds (a, b, c, a, b, c, ...) so that a noisy neighbour slows all of them alike, and
 * each reports the median (and 10th/90th percentiles) over all its samples.
 */
final class BenchTimer {

    /** One kernel; each call should use the next copy of its weights (for streamed residency). */
    interface Timed {
        void call();
    }

    /** Per-call times in nanoseconds. */
    record Timing(double medianNs, double p10Ns, double p90Ns, int samples, int callsPerSample) {}

    /**
     * @param warmupNs      warm-up per kernel (at least two calls)
     * @param measureNs     time for all kernels' measurements together
     * @param rounds        rounds over the kernels
     * @param minSampleNs   a sample groups enough calls to last this long (short calls time poorly)
     */
    record Budget(long[] warmupNs, long measureNs, int rounds, long minSampleNs) {}

    private BenchTimer() {}

    static Timing[] time(List<Timed> kernels, Budget budget) {
        int k = kernels.size();
        int[] callsPerSample = new int[k];
        int[] samplesPerRound = new int[k];
        long perKernelRound = budget.measureNs() / Math.max(1, (long) k * budget.rounds());
        // two passes: the JIT compiles a kernel's loops in the background while the others warm up, so the
        // second pass (which also estimates the call time) runs compiled code
        for (int i = 0; i < k; i++) warmUp(kernels.get(i), budget.warmupNs()[i] / 2);
        long warmupTotal = 0;
        for (long w : budget.warmupNs()) warmupTotal += w;
        waitForJitToSettle(Math.min(2_000_000_000L, 2 * warmupTotal));
        for (int i = 0; i < k; i++) {
            untilCompiled(kernels.get(i), 4 * budget.warmupNs()[i] + 200_000_000L);
            double callNs = warmUp(kernels.get(i), budget.warmupNs()[i] / 2);
            callsPerSample[i] = (int) Math.max(1, Math.min(1_000_000, Math.ceil(budget.minSampleNs() / callNs)));
            double sampleNs = callNs * callsPerSample[i];
            samplesPerRound[i] = (int) Math.max(1, Math.min(1000, perKernelRound / sampleNs));
        }
        double[][] samples = new double[k][];
        for (int i = 0; i < k; i++) samples[i] = new double[samplesPerRound[i] * budget.rounds()];
        for (int round = 0; round < budget.rounds(); round++) {
            for (int i = 0; i < k; i++) {
                Timed t = kernels.get(i);
                int calls = callsPerSample[i];
                for (int s = 0; s < samplesPerRound[i]; s++) {
                    long start = System.nanoTime();
                    for (int c = 0; c < calls; c++) t.call();
                    samples[i][round * samplesPerRound[i] + s] = (double) (System.nanoTime() - start) / calls;
                }
            }
        }
        Timing[] out = new Timing[k];
        for (int i = 0; i < k; i++) {
            double[] s = samples[i];
            Arrays.sort(s);
            out[i] = new Timing(percentile(s, 0.5), percentile(s, 0.1), percentile(s, 0.9), s.length, callsPerSample[i]);
        }
        return out;
    }

    /** Runs the kernel for about {@code ns} (two calls at least); returns the time of one call in the second half. */
    private static double warmUp(Timed t, long ns) {
        long start = System.nanoTime();
        long end = start + ns;
        int calls = 0;
        long half = start + ns / 2, halfStart = -1;
        int halfCalls = 0;
        long now = start;
        while (calls < 2 || now < end) {
            t.call();
            calls++;
            now = System.nanoTime();
            if (halfStart < 0 && now >= half) {
                halfStart = now;
            } else if (halfStart >= 0) {
                halfCalls++;
            }
        }
        if (halfCalls > 0) return (double) (now - halfStart) / halfCalls;
        // slow kernel: time one more call
        long s = System.nanoTime();
        t.call();
        return Math.max(1, System.nanoTime() - s);
    }

    /**
     * Keeps calling the kernel (for at most {@code maxNs}) while a call still allocates: Vector API code
     * that C2 has not compiled boxes its vectors (kilobytes per call), compiled code allocates nothing.
     * A kernel of a few milliseconds gets only tens of calls in a short warm-up, and was otherwise
     * sometimes timed before C2 (3-10x slow rows). No-op where allocation cannot be measured.
     */
    private static void untilCompiled(Timed t, long maxNs) {
        SideBySideTimer.AllocationMeter meter = SideBySideTimer.threadAllocationMeter();
        if (meter == SideBySideTimer.NO_METER) return;
        long deadline = System.nanoTime() + maxNs;
        int block = 1;
        while (System.nanoTime() < deadline) {
            long before = meter.allocatedBytes();
            for (int c = 0; c < block; c++) t.call();
            if ((meter.allocatedBytes() - before) / block < SideBySideTimer.COMPILED_BYTES_PER_CALL) return;
            block = Math.min(2 * block, 64);
        }
    }

    /**
     * Waits (at most {@code maxNs}) until the JIT has compiled nothing for 50 ms: on a busy two-core machine
     * its compiler threads lag behind the warm-up, and a kernel measured before its C2 code is installed
     * reads several times too slow.
     */
    private static void waitForJitToSettle(long maxNs) {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) return;
        long deadline = System.nanoTime() + maxNs;
        long last = jit.getTotalCompilationTime();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = jit.getTotalCompilationTime();
            if (now == last) return;
            last = now;
        }
    }

    /** Linear interpolation between the closest ranks of sorted values. */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
