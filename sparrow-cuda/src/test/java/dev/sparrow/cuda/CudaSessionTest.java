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
 * and 64, every GPU format forced, Softmax and Add, a Sparrow zoo model, and the ONNX fixture mlp_pruned90 where
 * sparrow-onnx is on the class path. Outputs within 1e-4 relative (max |gpu - cpu| / max |cpu|). GPU tests are
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

    @Test
    void unsupportedOpsAreNamed() {
        gpu();
        float[] w = input(4 * 3 * 3 * 3, 1);
        ModelGraph g = new ModelGraph("x", new int[] {3, 8, 8}, List.of(new GraphNode("conv",
                new Op.Conv(Tensor.wrap(w, 4, 3, 3, 3), null, new int[] {1, 1}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 1),
                "x", "y")), List.of("y"));
        assertThatThrownBy(() -> CudaSession.builder(g).build()).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("conv");
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
