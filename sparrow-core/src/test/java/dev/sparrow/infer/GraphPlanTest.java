package dev.sparrow.infer;

import dev.sparrow.graph.GraphEvaluator;
import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.sparrow.infer.InferenceTestModels.assertClose;
import static dev.sparrow.infer.InferenceTestModels.randomBatch;
import static dev.sparrow.infer.InferenceTestModels.reference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The graph plan: residual models on the sparse kernels, values with several readers, graphs built by hand. */
class GraphPlanTest {

    @Test
    void resnetConvolutionsInsideResidualBlocksRunSparseAndMatchTheForward_seed31() {
        SplittableRandom rng = new SplittableRandom(31);
        int[] chw = {3, 12, 12};
        Sequential m = ModelZoo.resnet(chw, 10, rng);
        randomize(m, rng);
        List<Conv2d> convs = new ArrayList<>();
        collect(m, convs);
        for (Conv2d c : convs) { // 90% unstructured
            float[] keep = new float[c.weight().value().size()];
            for (int i = 0; i < keep.length; i++) keep[i] = rng.nextDouble() < 0.1 ? 1f : 0f;
            c.weight().setMask(Mask.of(keep));
            c.weight().mask().apply(c.weight().value().data());
        }
        for (int threads : new int[] {1, 2}) {
            try (InferenceSession s = InferenceSession.builder(m, chw).batchSize(4).threads(threads).formatAll("csr").build()) {
                String plan = s.describe();
                assertThat(plan).doesNotContain("own forward").contains("Binary(ADD");
                long sparse = s.plan().stream().filter(n -> n.op().startsWith("Conv") && "csr".equals(formatFamily(n.format()))).count();
                assertThat(sparse).as(plan).isEqualTo(convs.size());
                for (int batch : new int[] {1, 3, 4}) {
                    Tensor x = randomBatch(31 + batch, batch, chw);
                    assertClose(s.predict(x).data(), reference(m, x).data(), batch * 10, "resnet batch " + batch + "\n" + plan);
                }
            }
        }
        try (InferenceSession s = InferenceSession.builder(m, chw).batchSize(2).tuningBudgetMillis(3).build()) {
            Tensor x = randomBatch(77, 2, chw);
            assertClose(s.predict(x).data(), reference(m, x).data(), 20, "tuned resnet\n" + s.describe());
        }
    }

    @Test
    void aHandBuiltGraphWithJoinsMatchesTheReferenceEvaluator_seed32() {
        SplittableRandom rng = new SplittableRandom(32);
        Tensor w1 = random(rng, 12, 6), w2 = random(rng, 12, 6), w3 = random(rng, 5, 24);
        for (int i = 0; i < w1.size(); i += 3) w1.data()[i] = 0f; // zeros: a mask from the weights
        List<GraphNode> nodes = List.of(
                new GraphNode("a", new Op.Dense(w1, random(rng, 12)), "x", "a"),
                new GraphNode("b", new Op.Dense(w2, null), "x", "b"),
                new GraphNode("sum", Op.Binary.ofValues(Op.BinaryKind.ADD), List.of("a", "b"), "sum"),
                new GraphNode("act", Op.Unary.of(Op.UnaryKind.TANH), "a", "act"), // "a" has two readers
                new GraphNode("cat", new Op.Concat(1), List.of("sum", "act"), "cat"),
                new GraphNode("top", new Op.KWinners(9), "cat", "top"),
                new GraphNode("out", new Op.Dense(w3, random(rng, 5)), "top", "out"),
                new GraphNode("soft", new Op.Softmax(1), "out", "soft"));
        ModelGraph g = new ModelGraph("x", new int[] {6}, nodes, List.of("soft"));
        for (int batch : new int[] {1, 5}) {
            try (InferenceSession s = InferenceSession.builder(g).batchSize(batch).tuningBudgetMillis(2).build()) {
                Tensor x = randomBatch(32 + batch, batch, 6);
                Tensor want = GraphEvaluator.runFirst(g, x);
                assertClose(s.predict(x).data(), want.data(), want.size(), "graph batch " + batch + "\n" + s.describe());
            }
        }
    }

    @Test
    void aFileNoFormatReadsGetsOneClearMessage() {
        assertThatThrownBy(() -> InferenceSession.load(java.nio.file.Path.of("model.xyz")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.xyz")
                .hasMessageContaining("no model format");
    }

    private static String formatFamily(String format) {
        return format == null ? null : format.replaceAll("\\d+$", "");
    }

    private static Tensor random(SplittableRandom rng, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) rng.nextDouble(-1, 1);
        return t;
    }

    private static void collect(Layer l, List<Conv2d> out) {
        if (l instanceof Conv2d c) out.add(c);
        for (Layer child : l.children()) collect(child, out);
    }

    private static void randomize(Layer model, SplittableRandom rng) {
        for (Map.Entry<String, Parameter> e : Modules.namedParameters(model).entrySet()) {
            float[] d = e.getValue().value().data();
            if (e.getKey().endsWith("bias")) for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextDouble(-0.5, 0.5);
            else if (e.getValue().value().rank() == 1) for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextDouble(0.5, 1.5);
        }
        for (Map.Entry<String, Tensor> e : Modules.namedBuffers(model).entrySet()) {
            boolean var = e.getKey().endsWith("var");
            float[] d = e.getValue().data();
            for (int i = 0; i < d.length; i++) d[i] = (float) (var ? rng.nextDouble(0.5, 2) : rng.nextDouble(-0.2, 0.2));
        }
    }
}
