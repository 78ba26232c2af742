package dev.sparrow.cuda.bench;

import dev.sparrow.cuda.CudaSession;
import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Whole-model time per call (host array in -> host array out) of an SRigL-like MLP (constant fan-in masks) on the
 * GPU session (tuned per layer; every layer forced dense with our kernel; forced cuBLAS; forced condensed) and on
 * the CPU session (all cores), at each batch; prints each GPU session's per-layer choices and the outputs' relative
 * error against the CPU. Where there is no GPU it says why in one line and times the CPU only.
 * <pre>CudaSessionBench [--sizes 784,2048,2048,10] [--sparsity 0.9] [--batches 1,256] [--threads N]</pre>
 */
public final class CudaSessionBench {
    private CudaSessionBench() {}

    public static void main(String[] args) {
        List<int[]> models = new ArrayList<>();
        double sparsity = 0.9;
        int[] batches = {1, 256};
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> models.add(ints(args[++i]));
                case "--sparsity" -> sparsity = Double.parseDouble(args[++i]);
                case "--batches" -> batches = ints(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (models.isEmpty()) {
            models.add(new int[] {784, 2048, 2048, 10});
            models.add(new int[] {784, 300, 100, 10});
        }
        String why = CudaSession.unsupportedReason();
        if (why != null) System.out.println("cuda unsupported: " + why + " (CPU only)");
        for (int[] sizes : models) {
            ModelGraph g = srigLikeMlp(sizes, sparsity, 42);
            for (int batch : batches) {
                float[] x = new float[batch * sizes[0]];
                SplittableRandom rng = new SplittableRandom(batch);
                for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
                String head = "model " + Arrays.toString(sizes) + " sparsity " + sparsity + " batch " + batch;
                float[] want = new float[batch * sizes[sizes.length - 1]];
                try (InferenceSession cpu = InferenceSession.builder(g).batchSize(batch).threads(threads).build()) {
                    double us = time(() -> cpu.predictBatch(x, batch, want), batch);
                    System.out.printf("%s | cpu session (%d threads): %.1f us/call | %s%n", head, threads, us,
                            cpu.choices().stream().map(c -> c.layer() + "=" + c.format()).toList());
                }
                if (why != null) continue;
                for (String mode : List.of("tuned", "dense", "cublas", "condensed")) {
                    CudaSession.Builder b = CudaSession.builder(g).batchSize(batch);
                    if (!mode.equals("tuned")) b.formatAll(mode);
                    CudaSession s;
                    try {
                        s = b.build();
                    } catch (IllegalArgumentException e) {
                        System.out.printf("%s | gpu %s: not built (%s)%n", head, mode, e.getMessage());
                        continue;
                    }
                    try (s) {
                        float[] got = new float[want.length];
                        double us = time(() -> s.predictBatch(x, batch, got), batch);
                        double layers = s.choices().stream().mapToDouble(CudaSession.LayerChoice::micros).sum();
                        System.out.printf("%s | gpu %s: %.1f us/call (layers' kernels %.1f us) rel.err %.1e | %s%n", head, mode,
                                us, layers, relError(got, want), s.choices().stream().map(c -> c.layer() + "=" + c.format()
                                        + String.format("(%.1fus%s)", c.micros(), mode.equals("tuned") ? " " + c.candidateMicros() : ""))
                                        .toList());
                    }
                }
            }
        }
    }

    /** Median over 7 rounds of the mean per call of N calls, after warm-up calls. */
    static double time(Runnable call, int batch) {
        int n = batch == 1 ? 200 : 40;
        for (int i = 0; i < n; i++) call.run();
        double[] r = new double[7];
        for (int k = 0; k < r.length; k++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) call.run();
            r[k] = (System.nanoTime() - t0) / 1e3 / n;
        }
        Arrays.sort(r);
        return r[r.length / 2];
    }

    static double relError(float[] got, float[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num = Math.max(num, Math.abs(got[i] - want[i]));
            den = Math.max(den, Math.abs(want[i]));
        }
        return num / Math.max(den, 1e-30);
    }

    /** Dense (+ReLU) layers of the given sizes; each row keeps round((1 - sparsity) * in) random inputs (constant fan-in). */
    public static ModelGraph srigLikeMlp(int[] sizes, double sparsity, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<GraphNode> nodes = new ArrayList<>();
        String cur = "x";
        for (int l = 0; l + 1 < sizes.length; l++) {
            int in = sizes[l], out = sizes[l + 1];
            float[] w = new float[in * out];
            float[] bias = new float[out];
            int k = Math.max(1, (int) Math.round(in * (1 - sparsity)));
            double s = 1.0 / Math.sqrt(k);
            int[] perm = new int[in];
            for (int r = 0; r < out; r++) {
                for (int i = 0; i < in; i++) perm[i] = i;
                for (int i = 0; i < k; i++) {
                    int j = i + rng.nextInt(in - i);
                    int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
                    float v = (float) ((rng.nextDouble() * 2 - 1) * s);
                    w[r * in + perm[i]] = v == 0f ? 1e-3f : v;
                }
                bias[r] = (float) ((rng.nextDouble() * 2 - 1) * 0.1);
            }
            String name = "fc" + l;
            nodes.add(new GraphNode(name, new Op.Dense(Tensor.wrap(w, out, in), Tensor.wrap(bias, out)), cur, name + "_y"));
            cur = name + "_y";
            if (l + 2 < sizes.length) {
                nodes.add(new GraphNode("relu" + l, Op.Unary.of(Op.UnaryKind.RELU), cur, "relu" + l + "_y"));
                cur = "relu" + l + "_y";
            }
        }
        return new ModelGraph("x", new int[] {sizes[0]}, nodes, List.of(cur));
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
}
