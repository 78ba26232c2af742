package dev.sparrow.cli;

import dev.sparrow.cuda.CudaSession;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.ModelFormat;
import dev.sparrow.infer.SavedModel;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code sparrow bench model --device cuda}: per batch, the CPU session (formats tuned on the CPU) and the GPU session
 * (formats tuned on the GPU) on one random batch, outputs compared (relative to the CPU's largest output), then each
 * timed per call, host array in to host array out (warm-up, then the median of rounds).
 */
final class CudaModelBench {
    static final double TOLERANCE = 1e-4;

    private CudaModelBench() {}

    static int run(Path model, List<Integer> batches, ModelBench.Settings s, PrintWriter out) throws IOException {
        out.println(BenchReport.machineLine(s.threads()));
        out.printf(Locale.ROOT, "%-6s %12s %12s %9s %9s  %s%n", "batch", "cpu us/call", "gpu us/call", "gpu/cpu", "rel.err", "GPU formats");
        for (int batch : batches) {
            InferenceSession.Builder cb;
            CudaSession.Builder gb;
            if (ModelFormat.anyAccepts(model)) {
                ModelGraph g = ModelFormat.readAny(model);
                cb = InferenceSession.builder(g);
                gb = CudaSession.builder(g);
            } else {
                SavedModel saved = InferenceSession.loadModel(model);
                int[] shape = saved.spec().sampleShape();
                cb = InferenceSession.builder(saved.model(), shape);
                gb = CudaSession.builder(saved.model(), shape);
            }
            try (InferenceSession cpu = cb.batchSize(batch).threads(s.threads()).tuningBudgetMillis(s.tuneMillis()).build();
                 CudaSession gpu = gb.batchSize(batch).build()) {
                float[] x = new float[batch * cpu.sampleSize()];
                SplittableRandom rng = new SplittableRandom(s.seed());
                for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
                float[] want = new float[batch * cpu.outputSize()], got = new float[want.length];
                cpu.predictBatch(x, batch, want);
                gpu.predictBatch(x, batch, got);
                double err = relError(got, want);
                if (!(err <= TOLERANCE)) {
                    throw new IllegalStateException("GPU outputs differ from the CPU session's by " + err + " relative at batch " + batch);
                }
                double cpuUs = time(() -> cpu.predictBatch(x, batch, want), s);
                double gpuUs = time(() -> gpu.predictBatch(x, batch, got), s);
                out.printf(Locale.ROOT, "%-6d %12.1f %12.1f %8.2fx %9.1e  %s%n", batch, cpuUs, gpuUs, cpuUs / gpuUs, err,
                        gpu.choices().stream().map(c -> c.layer() + "=" + c.format()).toList());
            }
        }
        out.flush();
        return 0;
    }

    private static double time(Runnable call, ModelBench.Settings s) {
        long end = System.nanoTime() + s.warmupMillis() * 1_000_000L;
        while (System.nanoTime() < end) call.run();
        double[] rounds = new double[7];
        long per = Math.max(1, s.measureMillis() / rounds.length) * 1_000_000L;
        for (int k = 0; k < rounds.length; k++) {
            long t0 = System.nanoTime(), n = 0, t;
            do {
                call.run();
                n++;
                t = System.nanoTime();
            } while (t - t0 < per);
            rounds[k] = (t - t0) / 1e3 / n;
        }
        java.util.Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }

    private static double relError(float[] got, float[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(got[i])) return Double.NaN;
            num = Math.max(num, Math.abs(got[i] - want[i]));
            den = Math.max(den, Math.abs(want[i]));
        }
        return num / Math.max(den, 1e-30);
    }
}
