package dev.sparrow.cuda.bench;

import dev.sparrow.cuda.CudaSession;
import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.ModelFormat;
import dev.sparrow.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Whole-model time per call (host array in -> host array out) on the GPU session (tuned per layer, with and without
 * CUDA graph replay; every layer forced to cuBLAS, to our dense kernels, to condensed) and on the CPU session (all
 * cores), at each batch, for an SRigL-like MLP (constant fan-in masks), an SRigL-like CNN (the zoo's "cnn" on
 * 1x28x28 with constant fan-in convolutions) and ONNX models (their zeros as masks); prints each GPU session's
 * per-layer choices and the outputs' relative error against the CPU. Where there is no GPU it says why in one line
 * and times the CPU only.
 * <pre>CudaSessionBench [--sizes 784,2048,2048,10]... [--cnn] [--onnx PATH]... [--sparsity 0.9] [--batches 1,256]
 *                  [--threads N] [--modes tuned,cublas,dense,condensed] [--cpu-max-batch N]</pre>
 */
public final class CudaSessionBench {
    private CudaSessionBench() {}

    record Model(String name, ModelGraph graph) {}

    public static void main(String[] args) throws Exception {
        List<Model> models = new ArrayList<>();
        double sparsity = 0.9;
        int[] batches = {1, 256};
        int threads = Runtime.getRuntime().availableProcessors();
        int cpuMaxBatch = Integer.MAX_VALUE;
        boolean cnn = false;
        List<String> modes = List.of("tuned", "cublas", "dense", "condensed");
        List<int[]> mlps = new ArrayList<>();
        List<Path> onnx = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> mlps.add(ints(args[++i]));
                case "--cnn" -> cnn = true;
                case "--onnx" -> onnx.add(Path.of(args[++i]));
                case "--sparsity" -> sparsity = Double.parseDouble(args[++i]);
                case "--batches" -> batches = ints(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--modes" -> modes = List.of(args[++i].split(","));
                case "--cpu-max-batch" -> cpuMaxBatch = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (mlps.isEmpty() && !cnn && onnx.isEmpty()) {
            mlps.add(new int[] {784, 2048, 2048, 10});
            mlps.add(new int[] {784, 300, 100, 10});
        }
        for (int[] sizes : mlps) models.add(new Model("mlp " + Arrays.toString(sizes) + " sparsity " + sparsity, srigLikeMlp(sizes, sparsity, 42)));
        if (cnn) models.add(new Model("cnn 1x28x28 (zoo cnn) sparsity " + sparsity, srigLikeCnn(sparsity, 42)));
        for (Path f : onnx) models.add(new Model("onnx " + f.getFileName(), ModelFormat.readAny(f)));
        String why = CudaSession.unsupportedReason();
        if (why != null) System.out.println("cuda unsupported: " + why + " (CPU only)");
        for (Model model : models) {
            ModelGraph g = model.graph();
            int sampleSize = Tensor.checkedSize(g.inputShape());
            int outputSize = g.sampleSize(g.outputs().get(0));
            for (int batch : batches) {
                float[] x = new float[batch * sampleSize];
                SplittableRandom rng = new SplittableRandom(batch);
                for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
                String head = "model " + model.name() + " batch " + batch;
                float[] want = new float[batch * outputSize];
                boolean cpuTimed = batch <= cpuMaxBatch;
                try (InferenceSession cpu = InferenceSession.builder(g).batchSize(batch).threads(threads).tuning(cpuTimed).build()) {
                    if (cpuTimed) {
                        double us = time(() -> cpu.predictBatch(x, batch, want));
                        System.out.printf("%s | cpu session (%d threads): %.1f us/call | %s%n", head, threads, us,
                                cpu.choices().stream().map(c -> c.layer() + "=" + c.format()).toList());
                    } else {
                        cpu.predictBatch(x, batch, want); // the reference only (untuned: the CPU's tuning at a large batch takes long)
                    }
                }
                if (why != null) continue;
                for (String mode : modes) {
                    CudaSession.Builder b = CudaSession.builder(g).batchSize(batch);
                    if (!mode.equals("tuned")) b.formatAll(mode);
                    CudaSession s;
                    long t0 = System.nanoTime();
                    try {
                        s = b.build();
                    } catch (IllegalArgumentException e) {
                        System.out.printf("%s | gpu %s: not built (%s)%n", head, mode, e.getMessage());
                        continue;
                    }
                    double buildMs = (System.nanoTime() - t0) / 1e6;
                    try (s) {
                        float[] got = new float[want.length];
                        double us = time(() -> s.predictBatch(x, batch, got));
                        double err = relError(got, want);
                        String graphs = s.graphsOff() == null ? "graphs" : "graphs " + s.graphsOff();
                        s.graphs(false);
                        double plain = time(() -> s.predictBatch(x, batch, got));
                        double layers = s.choices().stream().mapToDouble(CudaSession.LayerChoice::micros).sum();
                        if (mode.equals("tuned")) {
                            java.util.Map<String, Double> stages = s.profile(batch);
                            double device = stages.values().stream().mapToDouble(Double::doubleValue).sum();
                            System.out.printf("%s | gpu %s stages: device %.1f us in all | %s%n", head, mode, device,
                                    stages.entrySet().stream().map(e -> e.getKey() + String.format("=%.1f", e.getValue())).toList());
                        }
                        System.out.printf("%s | gpu %s: %.1f us/call (%s), %.1f us/call launched per kernel; layers' kernels"
                                        + " %.1f us; rel.err %.1e; built+tuned in %.0f ms | %s%n", head, mode, us, graphs, plain,
                                layers, err, buildMs, s.choices().stream().map(c -> c.layer() + "=" + c.format()
                                        + String.format("(%.1fus%s)", c.micros(), mode.equals("tuned") ? " " + c.candidateMicros() : ""))
                                        .toList());
                    }
                }
            }
        }
    }

    /**
     * Median over 7 rounds (3 when a call takes over 50 ms) of the mean per call over a round of about 100 ms (at least
     * one call), after a round of warm-up calls.
     */
    static double time(Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        double first = (System.nanoTime() - t0) / 1e3;
        int n = (int) Math.max(1, Math.min(200, 100_000 / Math.max(1.0, first)));
        for (int i = 0; i < n; i++) call.run();
        long t1 = System.nanoTime();
        call.run();
        double second = (System.nanoTime() - t1) / 1e3;
        n = (int) Math.max(1, Math.min(200, 100_000 / Math.max(1.0, second)));
        double[] r = new double[second > 50_000 ? 3 : 7];
        for (int k = 0; k < r.length; k++) {
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) call.run();
            r[k] = (System.nanoTime() - t) / 1e3 / n;
        }
        Arrays.sort(r);
        return r[r.length / 2];
    }

    static double relError(float[] got, float[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(got[i])) return Double.NaN;
            num = Math.max(num, Math.abs(got[i] - want[i]));
            den = Math.max(den, Math.abs(want[i]));
        }
        return num / Math.max(den, 1e-30);
    }

    /**
     * The zoo's "cnn" on 1x28x28 (conv 3x3 32 + BatchNorm + ReLU + max-pool 2, conv 64 likewise, conv 64 + BatchNorm +
     * ReLU, Linear 3136-128 + ReLU, Linear 128-10) with random weights; every layer but the first convolution keeps
     * round((1 - sparsity) * fan-in) random inputs per output (constant fan-in); BatchNorm statistics random.
     */
    public static ModelGraph srigLikeCnn(double sparsity, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<GraphNode> n = new ArrayList<>();
        int[] one = {1, 1}, pad1 = {1, 1, 1, 1};
        String cur = "x";
        int cin = 1;
        int[] couts = {32, 64, 64};
        for (int l = 0; l < 3; l++) {
            int cout = couts[l];
            Tensor w = fanIn(cout, cin * 9, l == 0 ? 0 : sparsity, rng).reshape(cout, cin, 3, 3);
            n.add(new GraphNode("conv" + l, new Op.Conv(w, null, one, pad1, one, 1), cur, "c" + l));
            n.add(new GraphNode("bn" + l, new Op.BatchNorm(uniform(cout, 0.75, 1.25, rng), uniform(cout, -0.1, 0.1, rng)),
                    "c" + l, "b" + l));
            n.add(new GraphNode("relu" + l, Op.Unary.of(Op.UnaryKind.RELU), "b" + l, "r" + l));
            cur = "r" + l;
            if (l < 2) {
                n.add(new GraphNode("pool" + l, new Op.MaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[4], one, false), cur, "p" + l));
                cur = "p" + l;
            }
            cin = cout;
        }
        n.add(new GraphNode("flatten", new Op.Flatten(), cur, "f"));
        n.add(new GraphNode("fc0", new Op.Dense(fanIn(128, 64 * 7 * 7, sparsity, rng), uniform(128, -0.1, 0.1, rng)), "f", "h"));
        n.add(new GraphNode("relu_fc0", Op.Unary.of(Op.UnaryKind.RELU), "h", "hr"));
        n.add(new GraphNode("fc1", new Op.Dense(fanIn(10, 128, sparsity, rng), uniform(10, -0.1, 0.1, rng)), "hr", "logits"));
        return new ModelGraph("x", new int[] {1, 28, 28}, n, List.of("logits"));
    }

    /** [rows][cols] weights, each row keeping round((1 - sparsity) * cols) random entries of U(-1/sqrt(k), 1/sqrt(k)). */
    static Tensor fanIn(int rows, int cols, double sparsity, SplittableRandom rng) {
        float[] w = new float[rows * cols];
        int k = Math.max(1, (int) Math.round(cols * (1 - sparsity)));
        double s = 1.0 / Math.sqrt(k);
        int[] perm = new int[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) perm[i] = i;
            for (int i = 0; i < k; i++) {
                int j = i + rng.nextInt(cols - i);
                int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
                float v = (float) ((rng.nextDouble() * 2 - 1) * s);
                w[r * cols + perm[i]] = v == 0f ? 1e-3f : v;
            }
        }
        return Tensor.wrap(w, rows, cols);
    }

    static Tensor uniform(int n, double lo, double hi, SplittableRandom rng) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + rng.nextDouble() * (hi - lo));
        return Tensor.wrap(v, n);
    }

    /** Dense (+ReLU) layers of the given sizes; each row keeps round((1 - sparsity) * in) random inputs (constant fan-in). */
    public static ModelGraph srigLikeMlp(int[] sizes, double sparsity, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<GraphNode> nodes = new ArrayList<>();
        String cur = "x";
        for (int l = 0; l + 1 < sizes.length; l++) {
            int in = sizes[l], out = sizes[l + 1];
            Tensor w = fanIn(out, in, sparsity, rng);
            Tensor bias = uniform(out, -0.1, 0.1, rng);
            String name = "fc" + l;
            nodes.add(new GraphNode(name, new Op.Dense(w, bias), cur, name + "_y"));
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
