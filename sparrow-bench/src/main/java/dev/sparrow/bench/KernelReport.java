package dev.sparrow.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * GEMM efficiency on a shared, noisy machine: runs the peak-FMA benchmark right before and after each
 * GEMM benchmark, for several rounds, and prints GFLOP/s and the fraction of the peak measured beside
 * it (neighbours and clock drift move both numbers together, so a peak from another run would
 * mislead). The median ratio over the rounds is the figure to quote.
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
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    double before = peakGflops();
                    double us = gemmMicros(shape, t);
                    double after = peakGflops();
                    String[] dims = shape.substring(3).split("x");
                    double gflops = 2.0 * Long.parseLong(dims[0]) * Long.parseLong(dims[1]) * Long.parseLong(dims[2])
                            / us / 1e3;
                    double peak = (before + after) / 2 * Integer.parseInt(t);
                    ratios[r] = gflops / peak;
                    lines.add(String.format("round %d  %-16s threads=%s  %9.1f us  %6.1f GFLOP/s   peak %5.1f/%5.1f"
                            + " GFLOP/s per core  -> %5.1f%% of %s-core peak", r + 1, shape, t, us, gflops, before, after,
                            100 * ratios[r], t));
                    System.out.println(lines.getLast());
                }
                Arrays.sort(ratios);
                lines.add(String.format("median   %-16s threads=%s  %5.1f%% of peak (min %.1f%%, max %.1f%%)", shape, t,
                        100 * ratios[rounds / 2], 100 * ratios[0], 100 * ratios[rounds - 1]));
            }
        }
        System.out.println();
        lines.forEach(System.out::println);
    }

    private static double peakGflops() throws RunnerException {
        return PeakFmaBenchmark.FLOPS / score(run(PeakFmaBenchmark.class, new OptionsBuilder()));
    }

    private static double gemmMicros(String shape, String threads) throws RunnerException {
        return score(run(GemmBenchmark.class, new OptionsBuilder().param("shape", shape).param("threads", threads)));
    }

    private static double score(Collection<RunResult> results) {
        return results.iterator().next().getPrimaryResult().getScore();
    }

    private static Collection<RunResult> run(Class<?> benchmark, ChainedOptionsBuilder b) throws RunnerException {
        return new Runner(b.include(benchmark.getSimpleName())
                .forks(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(1))
                .verbosity(VerboseMode.SILENT)
                .build()).run();
    }
}
