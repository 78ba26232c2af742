package dev.sparrow.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the peak-FMA benchmark right before and after the GEMM benchmark and prints GFLOP/s and the
 * fraction of the peak measured in the same run (the shared machine's speed drifts, so a peak from
 * another run would mislead), then the GEMV timings as microseconds and GB/s.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.sparrow.bench.KernelReport
 * [gemm shapes, comma-separated, default all of GemmBenchmark's] [threads, default 1,2]}.
 */
public final class KernelReport {
    private KernelReport() {}

    public static void main(String[] args) throws RunnerException {
        String[] shapes = args.length > 0 ? args[0].split(",") : null;
        String[] threads = (args.length > 1 ? args[1] : "1,2").split(",");

        double peakBefore = peakGflops();
        List<String> lines = new ArrayList<>();
        for (RunResult r : run(GemmBenchmark.class, 3, 5, 2, 
                b -> shapes == null ? b.param("threads", threads) : b.param("threads", threads).param("shape", shapes))) {
            String shape = r.getParams().getParam("shape");
            String[] dims = shape.substring(3).split("x");
            double flops = 2.0 * Long.parseLong(dims[0]) * Long.parseLong(dims[1]) * Long.parseLong(dims[2]);
            double us = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            lines.add(String.format("%-18s threads=%s  %9.1f us (+-%.1f)  %6.1f GFLOP/s", shape,
                    r.getParams().getParam("threads"), us, err, flops / us / 1e3));
        }
        double peakAfter = peakGflops();
        double peak = Math.max(peakBefore, peakAfter);
        System.out.printf("%nsingle-core FMA peak: %.1f GFLOP/s before, %.1f after%n", peakBefore, peakAfter);
        for (String line : lines) {
            double gflops = Double.parseDouble(line.substring(line.lastIndexOf("us)") + 3).replace("GFLOP/s", "").trim());
            boolean oneThread = line.contains("threads=1");
            System.out.printf("%s  %5.1f%% of %s peak%n", line, 100 * gflops / (oneThread ? peak : 2 * peak),
                    oneThread ? "1-core" : "2-core");
        }
    }

    private static double peakGflops() throws RunnerException {
        Collection<RunResult> results = run(PeakFmaBenchmark.class, 3, 5, 1, b -> b);
        double ns = results.iterator().next().getPrimaryResult().getScore();
        return PeakFmaBenchmark.FLOPS / ns;
    }

    private interface Customizer {
        ChainedOptionsBuilder apply(ChainedOptionsBuilder b);
    }

    private static Collection<RunResult> run(Class<?> benchmark, int warmups, int iterations, int seconds,
                                             Customizer customizer) throws RunnerException {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(benchmark.getSimpleName())
                .forks(1)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(seconds))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(seconds));
        return new Runner(customizer.apply(b).build()).run();
    }
}
