package dev.sparrow.cuda;

import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.ModelFormat;
import dev.sparrow.infer.PlanNode;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The GPU session against the CPU session on the same graph: MLPs dense and 90% sparse (constant fan-in), batch 1
 * and 64, every GPU format forced, Softmax and Add, CNNs (odd geometry, every pooling/padding case, folded and
 * standalone BatchNorm, 1x1 direct and im2col convolutions, residual Add), the Sparrow zoo's MLP and CNNs, and the
 * ONNX fixtures (MLP, CNN, ResNet-style) where sparrow-onnx is on the class path. Outputs within 1e-4 relative (max |gpu - cpu| / max |cpu|). GPU tests are
 * skipped with the backend's reason where there is no GPU.
 */
class CudaSessionTest {
    static final double TOLERANCE = 1e-4;

    static void gpu() {
        String why = CudaSession.unsupportedReason();
        assumeTrue(why == null, "no GPU: " + why);
    }

    /** An MLP graph: Dense (+ReLU) per hidden size, weights ~ U(-1/sqrt(in), 1/sqrt(in)), constant fan-in masks. */
    static ModelGraph mlp(int[] sizes, double sparsity, long seed, boolean softmax) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<GraphNode> nodes = new ArrayList<>();
        String cur = "x";
        for (int l = 0; l + 1 < sizes.length; l++) {
            int in = sizes[l], out = sizes[l + 1];
            float[] w = new float[in * out];
            float[] bias = new float[out];
            int k = Math.max(1, (int) Math.round(in * (1 - sparsity)));
            double s = 1.0 / Math.sqrt(k);
            for (int r = 0; r < out; r++) {
                int[] perm = new int[in];
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
        if (softmax) {
            nodes.add(new GraphNode("softmax", new Op.Softmax(1), cur, "prob"));
            cur = "prob";
        }
        return new ModelGraph("x", new int[] {sizes[0]}, nodes, List.of(cur));
    }

    static float[] input(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextDouble();
        return x;
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

    static float[] cpu(ModelGraph g, float[] x, int batch) {
        try (InferenceSession s = InferenceSession.builder(g).batchSize(batch).build()) {
            float[] out = new float[batch * s.outputSize()];
            s.predictBatch(x, batch, out);
            return out;
        }
    }

    static void assertSame(CudaSession gpu, ModelGraph g, int batch, long seed) {
        float[] x = input(batch * gpu.sampleSize(), seed);
        float[] want = cpu(g, x, batch);
        float[] got = new float[batch * gpu.outputSize()];
        java.util.Arrays.fill(got, Float.NaN);
        gpu.predictBatch(x, batch, got);
        assertThat(relError(got, want)).as(gpu.describe()).isLessThanOrEqualTo(TOLERANCE);
        if (batch > 1) { // a smaller batch through the same session
            float[] one = new float[gpu.outputSize()];
            gpu.predictBatch(x, 1, one);
            float[] want1 = java.util.Arrays.copyOf(want, gpu.outputSize());
            assertThat(relError(one, want1)).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @ParameterizedTest(name = "sparsity {0}, batch {1}")
    @CsvSource({"0.0, 1", "0.0, 64", "0.9, 1", "0.9, 64"})
    void tunedMlpEqualsCpu(double sparsity, int batch) {
        gpu();
        ModelGraph g = mlp(new int[] {784, 512, 300, 10}, sparsity, 7, false);
        try (CudaSession s = CudaSession.builder(g).batchSize(batch).build()) {
            assertThat(s.choices()).hasSize(3);
            assertThat(s.plan()).extracting(PlanNode::layout).containsOnly("CN");
            assertSame(s, g, batch, 11);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dense", "condensed", "csr", "block4", "cublas"})
    void everyFormatEqualsCpu(String format) {
        gpu();
        ModelGraph g = mlp(new int[] {300, 257, 129, 10}, 0.9, 3, true);
        CudaSession s;
        try {
            s = CudaSession.builder(g).batchSize(64).formatAll(format).build();
        } catch (IllegalArgumentException e) {
            assumeTrue(!format.equals("cublas"), "cublas not found: " + e.getMessage());
            throw e;
        }
        try (s) {
            assertThat(s.choices()).allSatisfy(c -> assertThat(c.format()).startsWith(format.equals("csr") ? "csr" : format));
            for (int batch : new int[] {1, 17, 64}) assertSame(s, g, batch, 5 + batch);
        }
    }

    @Test
    void addOfTwoBranchesAndConstant() {
        gpu();
        ModelGraph base = mlp(new int[] {64, 32}, 0.0, 9, false);
        Op.Dense d = (Op.Dense) base.nodes().get(0).op();
        float[] c = input(32, 4);
        List<GraphNode> nodes = List.of(
                new GraphNode("a", d, "x", "a_y"),
                new GraphNode("b", d, "x", "b_y"),
                new GraphNode("sum", Op.Binary.ofValues(Op.BinaryKind.ADD), List.of("a_y", "b_y"), "s"),
                new GraphNode("shift", new Op.Binary(Op.BinaryKind.ADD, Tensor.wrap(c, 32), false), "s", "t"),
                new GraphNode("relu", Op.Unary.of(Op.UnaryKind.RELU), "t", "out"));
        ModelGraph g = new ModelGraph("x", new int[] {64}, nodes, List.of("out"));
        try (CudaSession s = CudaSession.builder(g).batchSize(8).build()) {
            assertSame(s, g, 8, 2);
        }
    }

    @Test
    void sparrowZooMlp() {
        gpu();
        Sequential model = ModelZoo.create("mlp", new int[] {1, 28, 28}, 10, 1);
        try (CudaSession s = CudaSession.builder(model, 1, 28, 28).batchSize(32).build();
             InferenceSession cpu = InferenceSession.builder(model, 1, 28, 28).batchSize(32).build()) {
            float[] x = input(32 * 784, 3);
            float[] want = new float[320], got = new float[320];
            cpu.predictBatch(x, 32, want);
            s.predictBatch(x, 32, got);
            assertThat(relError(got, want)).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @Test
    void onnxFixtureMlpPruned90() throws Exception {
        gpu();
        Path f = Path.of(System.getProperty("sparrow.onnx.fixtures", "../sparrow-onnx/src/test/resources/onnx"), "mlp_pruned90.onnx");
        assumeTrue(Files.exists(f), "fixture not found: " + f);
        assumeTrue(ModelFormat.anyAccepts(f), "sparrow-onnx is not on the class path");
        ModelGraph g = ModelFormat.readAny(f);
        for (int batch : new int[] {1, 64}) {
            try (CudaSession s = CudaSession.builder(g).batchSize(batch).build()) {
                assertSame(s, g, batch, 21);
            }
        }
    }

    /** Conv weights [cout][cin][kh][kw] keeping round((1 - sparsity) * cin*kh*kw) random entries per output channel. */
    static Tensor convWeight(int cout, int cin, int kh, int kw, double sparsity, SplittableRandom rng) {
        int cols = cin * kh * kw;
        float[] w = new float[cout * cols];
        int k = Math.max(1, (int) Math.round(cols * (1 - sparsity)));
        double scale = 1.0 / Math.sqrt(k);
        for (int r = 0; r < cout; r++) {
            int[] perm = new int[cols];
            for (int i = 0; i < cols; i++) perm[i] = i;
            for (int i = 0; i < k; i++) {
                int j = i + rng.nextInt(cols - i);
                int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
                float v = (float) ((rng.nextDouble() * 2 - 1) * scale);
                w[r * cols + perm[i]] = v == 0f ? 1e-3f : v;
            }
        }
        return Tensor.wrap(w, cout, cin, kh, kw);
    }

    static Tensor randomVector(int n, double lo, double hi, SplittableRandom rng) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + rng.nextDouble() * (hi - lo));
        return Tensor.wrap(v, n);
    }

    /**
     * A small CNN over odd geometry, every op the GPU session runs for images: 3x3 pad 1 conv + folded BatchNorm +
     * ReLU, max pool 3x3 stride 2 pad 1 (ceil off), 3x3 stride 2 dilation 2 asymmetric pads, a standalone
     * BatchNorm + ReLU (after a pool, so nothing folds it), 1x1 direct conv, a residual Add + ReLU, average pool with
     * and without counted pads, ReduceMean or GlobalAveragePool, Flatten, Dense, Softmax.
     */
    static ModelGraph cnn(double sparsity, long seed, boolean reduceMean) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] one = {1, 1};
        List<GraphNode> n = new ArrayList<>();
        n.add(new GraphNode("conv1", new Op.Conv(convWeight(12, 3, 3, 3, sparsity, rng), randomVector(12, -0.1, 0.1, rng),
                one, new int[] {1, 1, 1, 1}, one, 1), "x", "c1"));                                   // 12x13x11
        n.add(new GraphNode("bn1", new Op.BatchNorm(randomVector(12, 0.5, 1.5, rng), randomVector(12, -0.2, 0.2, rng)), "c1", "b1"));
        n.add(new GraphNode("relu1", Op.Unary.of(Op.UnaryKind.RELU), "b1", "r1"));
        n.add(new GraphNode("pool1", new Op.MaxPool(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, one, false),
                "r1", "p1"));                                                                       // 12x7x6
        n.add(new GraphNode("bn2", new Op.BatchNorm(randomVector(12, 0.5, 1.5, rng), randomVector(12, -0.2, 0.2, rng)), "p1", "b2"));
        n.add(new GraphNode("relu2", Op.Unary.of(Op.UnaryKind.RELU), "b2", "r2"));
        n.add(new GraphNode("conv2", new Op.Conv(convWeight(20, 12, 3, 3, sparsity, rng), null,
                new int[] {2, 2}, new int[] {2, 1, 2, 2}, new int[] {2, 2}, 1), "r2", "c2"));       // 20x4x3
        n.add(new GraphNode("relu3", Op.Unary.of(Op.UnaryKind.RELU), "c2", "r3"));
        n.add(new GraphNode("conv3", new Op.Conv(convWeight(20, 20, 1, 1, sparsity, rng), randomVector(20, -0.1, 0.1, rng),
                one, new int[4], one, 1), "r3", "c3"));                                             // 1x1 direct
        n.add(new GraphNode("add", Op.Binary.ofValues(Op.BinaryKind.ADD), List.of("c3", "r3"), "a"));
        n.add(new GraphNode("relu4", Op.Unary.of(Op.UnaryKind.RELU), "a", "r4"));
        n.add(new GraphNode("avg1", new Op.AveragePool(new int[] {2, 2}, one, new int[] {1, 0, 1, 1}, false, true), "r4", "v1"));
        n.add(new GraphNode("avg2", new Op.AveragePool(new int[] {2, 2}, one, new int[] {0, 1, 0, 0}, false, false), "v1", "v2"));
        n.add(reduceMean ? new GraphNode("mean", new Op.ReduceMean(new int[] {2, 3}, true), "v2", "m")
                : new GraphNode("mean", new Op.GlobalAveragePool(), "v2", "m"));
        n.add(new GraphNode("flat", new Op.Flatten(), "m", "f"));
        n.add(new GraphNode("fc", new Op.Dense(convWeight(10, 20, 1, 1, 0, rng).reshape(10, 20), randomVector(10, -0.1, 0.1, rng)),
                "f", "logits"));
        n.add(new GraphNode("softmax", new Op.Softmax(1), "logits", "prob"));
        return new ModelGraph("x", new int[] {3, 13, 11}, n, List.of("prob"));
    }

    @ParameterizedTest(name = "sparsity {0}, batch {1}, reduceMean {2}")
    @CsvSource({"0.0, 1, false", "0.0, 17, true", "0.9, 1, true", "0.9, 33, false"})
    void tunedCnnEqualsCpu(double sparsity, int batch, boolean reduceMean) {
        gpu();
        ModelGraph g = cnn(sparsity, 31, reduceMean);
        try (CudaSession s = CudaSession.builder(g).batchSize(batch).build()) {
            assertThat(s.choices()).hasSize(4);
            assertThat(s.describe()).contains("(direct)", "(im2col)", "MaxPool", "AveragePool", "BatchNorm", "+ReLU");
            assertSame(s, g, batch, 13 + batch);
            java.util.Map<String, Double> stages = s.profile(batch);
            assertThat(stages).containsKeys("transpose in", "conv1+bn1+relu1", "transpose out + copy out").hasSize(13)
                    .allSatisfy((stage, us) -> assertThat(us).isGreaterThanOrEqualTo(0.0));
            assertSame(s, g, batch, 14 + batch); // the profile's runs leave the session as it was
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dense", "condensed", "csr", "block4", "cublas"})
    void everyFormatRunsTheCnn(String format) {
        gpu();
        ModelGraph g = cnn(0.9, 37, false);
        CudaSession s;
        try {
            s = CudaSession.builder(g).batchSize(20).formatAll(format).build();
        } catch (IllegalArgumentException e) {
            assumeTrue(!format.equals("cublas"), "cublas not found: " + e.getMessage());
            throw e;
        }
        try (s) {
            assertThat(s.choices()).allSatisfy(c -> assertThat(c.format()).startsWith(format.equals("csr") ? "csr" : format));
            for (int batch : new int[] {1, 7, 20}) assertSame(s, g, batch, 3 + batch);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cnn", "resnet", "lenet5"})
    void sparrowZooCnns(String name) {
        gpu();
        int[] shape = name.equals("resnet") ? new int[] {3, 32, 32} : new int[] {1, 28, 28};
        Sequential model = ModelZoo.create(name, shape, 10, 5);
        int size = shape[0] * shape[1] * shape[2];
        try (CudaSession s = CudaSession.builder(model, shape).batchSize(9).build();
             InferenceSession cpu = InferenceSession.builder(model, shape).batchSize(9).build()) {
            float[] x = input(9 * size, 8);
            float[] want = new float[90], got = new float[90];
            java.util.Arrays.fill(got, Float.NaN);
            cpu.predictBatch(x, 9, want);
            s.predictBatch(x, 9, got);
            assertThat(relError(got, want)).as(s.describe()).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cnn_bn_pruned90", "resnet_pruned90", "resnet_pruned90_opset18", "resnet"})
    void onnxFixtureCnns(String name) throws Exception {
        gpu();
        Path f = Path.of(System.getProperty("sparrow.onnx.fixtures", "../sparrow-onnx/src/test/resources/onnx"), name + ".onnx");
        assumeTrue(Files.exists(f), "fixture not found: " + f);
        assumeTrue(ModelFormat.anyAccepts(f), "sparrow-onnx is not on the class path");
        ModelGraph g = ModelFormat.readAny(f);
        for (int batch : new int[] {1, 16}) {
            try (CudaSession s = CudaSession.builder(g).batchSize(batch).build()) {
                assertSame(s, g, batch, 23);
            }
        }
    }

    /** Calls at one batch replay a captured CUDA graph from the second call on: new inputs, the right outputs. */
    @ParameterizedTest(name = "{0}, batch {1}")
    @CsvSource({"tuned, 1", "tuned, 5", "cublas, 5", "condensed, 1", "cnn, 1", "cnn, 6"})
    void graphReplaysMatchTheCpu(String what, int batch) {
        gpu();
        ModelGraph g = what.equals("cnn") ? cnn(0.9, 41, false) : mlp(new int[] {300, 257, 129, 10}, 0.9, 3, true);
        CudaSession.Builder builder = CudaSession.builder(g).batchSize(8);
        if (what.equals("cublas") || what.equals("condensed")) builder.formatAll(what);
        CudaSession s;
        try {
            s = builder.build();
        } catch (IllegalArgumentException e) {
            assumeTrue(!what.equals("cublas"), "cublas not found: " + e.getMessage());
            throw e;
        }
        try (s) {
            for (int call = 0; call < 4; call++) {
                float[] x = input(batch * s.sampleSize(), 100 + call);
                float[] want = cpu(g, x, batch);
                float[] got = new float[batch * s.outputSize()];
                java.util.Arrays.fill(got, Float.NaN);
                s.predictBatch(x, batch, got);
                assertThat(relError(got, want)).as("call " + call + ", graphs " + s.graphsOff()).isLessThanOrEqualTo(TOLERANCE);
            }
            assertThat(s.graphsOff()).as("graphs").isNull();
            s.graphs(false);
            float[] x = input(batch * s.sampleSize(), 7);
            float[] got = new float[batch * s.outputSize()];
            s.predictBatch(x, batch, got);
            assertThat(relError(got, cpu(g, x, batch))).isLessThanOrEqualTo(TOLERANCE);
            assertThat(s.graphsOff()).isEqualTo("off");
        }
    }

    @Test
    void unsupportedOpsAreNamed() {
        gpu();
        SplittableRandom rng = new SplittableRandom(1);
        ModelGraph grouped = new ModelGraph("x", new int[] {4, 8, 8}, List.of(new GraphNode("gconv",
                new Op.Conv(convWeight(4, 2, 3, 3, 0, rng), null, new int[] {1, 1}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 2),
                "x", "y")), List.of("y"));
        assertThatThrownBy(() -> CudaSession.builder(grouped).build()).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("gconv").hasMessageContaining("grouped Conv");
        ModelGraph kwta = new ModelGraph("x", new int[] {16}, List.of(new GraphNode("winners", new Op.KWinners(4), "x", "y")),
                List.of("y"));
        assertThatThrownBy(() -> CudaSession.builder(kwta).build()).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("winners").satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void withoutGpuTheReasonIsOneLine() {
        // runs everywhere: a backend that cannot load says why, in one line, and builds nothing
        CudaBackend none = CudaBackend.load("libcuda-definitely-missing.so.1", 0);
        assertThat(none.isSupported()).isFalse();
        assertThatThrownBy(() -> CudaSession.builder(mlp(new int[] {4, 2}, 0, 1, false)).backend(none).build())
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("cuda: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
