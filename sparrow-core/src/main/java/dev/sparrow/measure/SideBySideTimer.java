package dev.sparrow.measure;

import java.util.Arrays;
import java.util.List;

/**
 * Times several candidates (formats of one layer, whole sessions, or the kernels of {@code sparrow bench
 * kernels}) side by side on a shared, noisy machine, so that their ratio is fair:
 * <ol>
 * <li>every candidate is warmed up first, with enough calls for the JIT to compile it (Vector API code
 *     that C2 has not compiled yet boxes its vectors and runs 10-100x slower), so the candidate timed
 *     first is not the one that pays for compilation;</li>
 * <li>then the candidates take turns in rounds (a, b, c, then b, c, a, ...: the starting candidate
 *     rotates), so that a noisy neighbour or a frequency change slows all of them alike;</li>
 * <li>each candidate's time is the median of its per-round samples (one outlier round does not count),
 *     with the 10th and 90th percentiles as its spread.</li>
 * </ol>
 * The clock is a parameter so that tests can drive it deterministically.
 */
public final class SideBySideTimer {

    /** A source of nanoseconds; {@link #SYSTEM} in production, a fake one in tests. */
    @FunctionalInterface
    public interface Clock {
        long nanoTime();
    }

    public static final Clock SYSTEM = System::nanoTime;

    /**
     * How long to warm up and measure.
     *
     * @param warmupCalls    calls per candidate that trigger C2 compilation...
     * @param warmupMinNanos ...and time per candidate for the (background) compilation to finish: both needed,
     * @param warmupMaxNanos but warm-up stops after this long regardless (after at least 2 calls)
     * @param minRounds      rounds always run
     * @param maxRounds      rounds at most
     * @param budgetNanos    after minRounds, rounds continue until the measurements took this long
     * @param minSampleNanos a sample groups enough calls to last about this long (short calls time poorly)
     * @param pruneAfter     after this many rounds, a candidate 8x slower than the best is no longer timed
     * @param waitForJit     after the warm-ups, wait (real time) until the JIT has stopped compiling
     */
    public record Plan(int warmupCalls, long warmupMinNanos, long warmupMaxNanos, int minRounds, int maxRounds,
                       long budgetNanos, long minSampleNanos, int pruneAfter, boolean waitForJit) {
        public Plan {
            if (warmupCalls < 0 || warmupMinNanos < 0 || warmupMaxNanos < 0 || budgetNanos < 0 || minSampleNanos < 0) {
                throw new IllegalArgumentException("timer plan values must be >= 0");
            }
            if (minRounds < 1 || maxRounds < minRounds) {
                throw new IllegalArgumentException("need 1 <= minRounds <= maxRounds, got " + minRounds + ", " + maxRounds);
            }
        }

        /** A plan that does not wait for the JIT (tests' fake clocks, the autotuner). */
        public Plan(int warmupCalls, long warmupMinNanos, long warmupMaxNanos, int minRounds, int maxRounds,
                    long budgetNanos, long minSampleNanos, int pruneAfter) {
            this(warmupCalls, warmupMinNanos, warmupMaxNanos, minRounds, maxRounds, budgetNanos, minSampleNanos,
                    pruneAfter, false);
        }

        /** For choosing a layer's format: about {@code budgetMillis} of measurement after the warm-up. */
        public static Plan forTuning(long budgetMillis) {
            long budget = budgetMillis * 1_000_000L;
            return new Plan(2_000, 20_000_000L, Math.min(1_000_000_000L, 10 * budget + 10_000_000L), 5, 41, budget,
                    20_000L, 10);
        }

        /**
         * As {@link #forTuning}, then a wait for the JIT after the warm-ups: for a choice made once per run from
         * a cold JVM (the training engines), where code still interpreted or in C1 reads several times too slow.
         */
        public static Plan forTuningAfterJit(long budgetMillis) {
            Plan p = forTuning(budgetMillis);
            return new Plan(p.warmupCalls(), p.warmupMinNanos(), p.warmupMaxNanos(), p.minRounds(), p.maxRounds(),
                    p.budgetNanos(), p.minSampleNanos(), p.pruneAfter(), true);
        }

        /**
         * For a benchmark: a longer warm-up, a wait for the JIT to settle, and {@code measureMillis} of interleaved
         * rounds (with the default 500 ms warm-up on a loaded machine a model was once timed at 20x its own per-step
         * profile: C2 had not finished compiling).
         */
        public static Plan forBenchmark(long warmupMillis, long measureMillis) {
            return new Plan(2_000, warmupMillis * 1_000_000L, 10 * warmupMillis * 1_000_000L, 7, 201,
                    measureMillis * 1_000_000L, 1_000_000L, Integer.MAX_VALUE, true);
        }

        /**
         * For many short kernels ({@code sparrow bench kernels}): at least {@code rounds} rounds of samples of
         * 100 us or more, until {@code measureMillis} have passed, and a wait for the JIT after the warm-ups
         * (on a busy two-core machine its compiler threads lag behind, and a kernel measured before its C2
         * code is installed reads several times too slow).
         */
        public static Plan forKernels(long warmupMillis, long measureMillis, int rounds) {
            return new Plan(2_000, warmupMillis * 1_000_000L, 10 * warmupMillis * 1_000_000L, rounds,
                    Math.max(rounds, 2_000), measureMillis * 1_000_000L, 100_000L, Integer.MAX_VALUE, true);
        }
    }

    /**
     * The measurement of each candidate, in the order given.
     *
     * @param medianNanos  median time per call (NaN for a candidate never timed)
     * @param p10Nanos, p90Nanos the 10th and 90th percentiles of the samples
     * @param samples      per-round samples (ns per call) taken
     * @param warmupCalls  calls made during warm-up
     * @param callsPerSample calls timed together in one sample
     */
    public record Timing(double[] medianNanos, double[] p10Nanos, double[] p90Nanos, int[] samples, int[] warmupCalls,
                         int[] callsPerSample) {
        /** Candidate {@code c}'s figures. */
        public Stats stats(int c) {
            return new Stats(medianNanos[c], p10Nanos[c], p90Nanos[c], samples[c]);
        }

        /** The index of the fastest candidate (the first of equals). */
        public int fastest() {
            int best = 0;
            for (int i = 1; i < medianNanos.length; i++) {
                if (medianNanos[i] < medianNanos[best] || Double.isNaN(medianNanos[best])) best = i;
            }
            return best;
        }
    }

    /** One candidate's figures: times per call in nanoseconds over {@code samples} samples. */
    public record Stats(double medianNanos, double p10Nanos, double p90Nanos, int samples) {}

    /** A clock that barely moves (a fake one, or calls of a few ns) cannot keep the warm-up going forever. */
    private static final int MAX_WARMUP_CALLS = 200_000;

    /** Bytes the calling thread has allocated so far (0 where that cannot be measured). */
    @FunctionalInterface
    public interface AllocationMeter {
        long allocatedBytes();
    }

    /** No allocation measurement: the warm-up relies on time and stability only (tests' fake clocks). */
    private static final AllocationMeter NO_METER = () -> 0L;

    /** Compiled kernels allocate at most small scratch arrays; not yet compiled Vector API code, kilobytes. */
    private static final long COMPILED_BYTES_PER_CALL = 1024;

    private final Clock clock;
    private final Plan plan;
    private final AllocationMeter meter;

    /** A timer on {@code clock} without allocation measurement. */
    public SideBySideTimer(Clock clock, Plan plan) {
        this(clock, plan, NO_METER);
    }

    public SideBySideTimer(Clock clock, Plan plan, AllocationMeter meter) {
        if (clock == null || plan == null || meter == null) {
            throw new IllegalArgumentException("clock, plan and meter must be non-null");
        }
        this.clock = clock;
        this.plan = plan;
        this.meter = meter;
    }

    /** The real clock, and the calling thread's allocated bytes where the JVM reports them. */
    public static SideBySideTimer system(Plan plan) {
        return new SideBySideTimer(SYSTEM, plan, threadAllocationMeter());
    }

    /** The calling thread's allocated bytes, or {@link #NO_METER} where the runtime cannot tell. */
    private static AllocationMeter threadAllocationMeter() {
        try {
            return HotSpotMeter.create();
        } catch (LinkageError e) {
            return NO_METER; // a runtime without the jdk.management module (e.g. a jlinked one)
        }
    }

    /** Kept apart so that a runtime without com.sun.management fails only when this class links. */
    private static final class HotSpotMeter {
        static AllocationMeter create() {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            if (mx instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()
                    && t.isThreadAllocatedMemoryEnabled()) {
                return () -> t.getThreadAllocatedBytes(Thread.currentThread().threadId());
            }
            return NO_METER;
        }
    }

    /** Warms up, then times every candidate in interleaved rounds. */
    public Timing time(List<? extends Runnable> candidates) {
        if (candidates == null || candidates.isEmpty()) throw new IllegalArgumentException("no candidates to time");
        int n = candidates.size();
        int[] warmupCalls = new int[n];
        int[] callsPerSample = new int[n];
        long warmupStart = clock.nanoTime();
        for (int c = 0; c < n; c++) {
            double perCall = warmUp(candidates.get(c), c, warmupCalls);
            callsPerSample[c] = (int) Math.max(1, Math.min(1_000_000, Math.ceil(plan.minSampleNanos() / Math.max(1, perCall))));
        }
        if (plan.waitForJit()) waitForJitToSettle(Math.min(2_000_000_000L, 2 * (clock.nanoTime() - warmupStart)));
        double[][] samples = new double[n][plan.maxRounds()];
        int[] taken = new int[n];
        boolean[] pruned = new boolean[n];
        long start = clock.nanoTime();
        for (int round = 0; round < plan.maxRounds()
                && (round < plan.minRounds() || clock.nanoTime() - start < plan.budgetNanos()); round++) {
            if (round == plan.pruneAfter()) prune(samples, taken, pruned);
            for (int i = 0; i < n; i++) {
                int c = (round + i) % n;
                if (pruned[c]) continue;
                Runnable r = candidates.get(c);
                int calls = callsPerSample[c];
                long t0 = clock.nanoTime();
                for (int k = 0; k < calls; k++) r.run();
                samples[c][taken[c]++] = (double) (clock.nanoTime() - t0) / calls;
            }
        }
        double[] medians = new double[n], p10 = new double[n], p90 = new double[n];
        for (int c = 0; c < n; c++) {
            double[] sorted = Arrays.copyOf(samples[c], taken[c]);
            Arrays.sort(sorted);
            medians[c] = percentile(sorted, 0.5);
            p10[c] = percentile(sorted, 0.1);
            p90[c] = percentile(sorted, 0.9);
        }
        return new Timing(medians, p10, p90, taken, warmupCalls, callsPerSample);
    }

    /**
     * Calls the candidate until it is (very likely) compiled; returns the last block's time per call.
     * Compiled means: at least the minimum time (C2 compiles in the background, so the calls that
     * trigger it are not enough), the last block no more than 25% slower or faster than the one before,
     * and, where the allocation meter works, under {@link #COMPILED_BYTES_PER_CALL} per call (Vector API
     * code that C2 has not compiled boxes its vectors: kilobytes per call); plus enough calls, or 5x the
     * minimum time for slow calls. The maximum time ends it regardless.
     */
    private double warmUp(Runnable r, int c, int[] calls) {
        long start = clock.nanoTime();
        int block = 1;
        double previous = Double.NaN;
        while (true) {
            long bytes0 = meter.allocatedBytes();
            long t0 = clock.nanoTime();
            for (int k = 0; k < block; k++) r.run();
            long t1 = clock.nanoTime();
            long bytesPerCall = (meter.allocatedBytes() - bytes0) / block;
            calls[c] += block;
            double perCall = (double) (t1 - t0) / block;
            long elapsed = t1 - start;
            boolean stable = perCall <= 1.25 * previous && previous <= 1.25 * perCall;
            boolean compiled = stable && bytesPerCall < COMPILED_BYTES_PER_CALL;
            boolean enough = calls[c] >= plan.warmupCalls() || elapsed >= 5 * plan.warmupMinNanos();
            if (calls[c] >= 2 && ((compiled && enough && elapsed >= plan.warmupMinNanos())
                    || elapsed >= plan.warmupMaxNanos() || calls[c] >= MAX_WARMUP_CALLS)) {
                return perCall;
            }
            previous = perCall;
            // blocks of about a millisecond at most, so that stability is judged on recent calls
            block = (int) Math.max(1, Math.min(Math.min(2L * block, 256), 1_000_000 / Math.max(1, (long) perCall)));
        }
    }

    private static void prune(double[][] samples, int[] taken, boolean[] pruned) {
        double best = Double.POSITIVE_INFINITY;
        double[] m = new double[samples.length];
        for (int c = 0; c < samples.length; c++) {
            m[c] = median(samples[c], taken[c]);
            if (m[c] < best) best = m[c];
        }
        for (int c = 0; c < samples.length; c++) if (m[c] > 8 * best) pruned[c] = true;
    }

    private static double median(double[] values, int count) {
        double[] s = Arrays.copyOf(values, count);
        Arrays.sort(s);
        return percentile(s, 0.5);
    }

    /** Linear interpolation between the closest ranks of sorted values (NaN for none). */
    public static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Waits (at most {@code maxNanos}, real time) until the JIT has compiled nothing for 50 ms. */
    private static void waitForJitToSettle(long maxNanos) {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) return;
        long deadline = System.nanoTime() + maxNanos;
        for (long last = jit.getTotalCompilationTime(); System.nanoTime() < deadline; ) {
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
}
