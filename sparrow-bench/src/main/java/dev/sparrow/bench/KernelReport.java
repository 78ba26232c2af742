package dev.sparrow.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * GEMM efficiency on a shared, noisy machine: runs the peak-FMA benchmark right before and after each
 * GEMM benchmark, for several rounds, and prints GFLOP/s and the fraction of the peak measured beside
 * it (neighbours and clock drift move both numbers, so a peak from another run would mislead). Two
 * ratios: of the mean times, and of the best 200 ms iterations (the quiet moments: neighbours slow
 * GEMM, which needs the shared caches, more than the register-only peak loop).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.sparrow.bench.KernelReport
 * [rounds=3] [shapes=NN_256x3072x768] [threads=1]} (shapes and threads comma-separated).
 */
public final class KernelReport {
    private KernelReport() {}

    public static void main(String[] args) throws RunnerException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String[] shapes = (args.length > 1 ? args[1] : "NN_256x3072x768").split(",");
        String[] threads = (args.length > 2 ? args[2] : "1").split(",");
        List<String> lines = new ArrayList<>();
        for (String shape : shapes) {
            for (String t : threads) {
                String[] dims = shape.substring(3).split("x");
                double flops = 2.0 * Long.parseLong(dims[0]) * Long.parseLong(dims[1]) * Long.parseLong(dims[2]);
                int cores = Integer.parseInt(t);
                double[] meanRatios = new double[rounds];
                double[] bestRatios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    Statistics before = peak();
                    Statistics gemm = run(GemmBenchmark.class, new OptionsBuilder().param("shape", shape).param("threads", t));
                    Statistics after = peak();
                    double gflops = flops / gemm.getMean() / 1e3;
                    double bestGflops = flops / gemm.getMin() / 1e3;
                    double peakMean = PeakFmaBenchmark.FLOPS / ((before.getMean() + after.getMean()) / 2);
                    double peakBest = PeakFmaBenchmark.FLOPS / Math.min(before.getMin(), after.getMin());
                    meanRatios[r] = gflops / (peakMean * cores);
                    bestRatios[r] = bestGflops / (peakBest * cores);
                    lines.add(String.format("round %d  %-16s threads=%s  mean %8.1f us = %5.1f GFLOP/s vs peak %5.1f"
                            + " -> %5.1f%%   best iteration %5.1f GFLOP/s vs best peak %5.1f -> %5.1f%%",
                            r + 1, shape, t, gemm.getMean(), gflops, peakMean, 100 * meanRatios[r], bestGflops, peakBest,
                            100 * bestRatios[r]));
                    System.out.println(lines.getLast());
                }
                Arrays.sort(meanRatios);
                Arrays.sort(bestRatios);
                lines.add(String.format("median   %-16s threads=%s  %5.1f%% of %d-core peak (means), %5.1f%% (best iterations)",
                        shape, t, 100 * meanRatios[rounds / 2], cores, 100 * bestRatios[rounds / 2]));
            }
        }
        System.out.println();
        lines.forEach(System.out::println);
    }

    private static Statistics peak() throws RunnerException {
        return run(PeakFmaBenchmark.class, new OptionsBuilder());
    }

    /** One fork: 3 x 1 s warm-up, then 15 x 200 ms iterations, short enough to catch quiet moments. */
    private static Statistics run(Class<?> benchmark, ChainedOptionsBuilder b) throws RunnerException {
        Collection<RunResult> results = new Runner(b.include(benchmark.getSimpleName())
                .forks(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(15)
                .measurementTime(TimeValue.milliseconds(200))
                .verbosity(VerboseMode.SILENT)
                .build()).run();
        return results.iterator().next().getPrimaryResult().getStatistics();
    }
}
