package dev.sparrow.onnx;

import dev.sparrow.graph.GraphEvaluator;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.BatchNorm;
import dev.sparrow.nn.layers.BatchNorm1d;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Dropout;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.KWinners;
import dev.sparrow.nn.layers.KWinners2d;
import dev.sparrow.nn.layers.KWinnersOptions;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.onnx.proto.OnnxProto.ModelProto;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every model of the zoo (small inputs, random weights and batch-norm statistics, some weights masked)
 * exported to ONNX: ONNX Runtime Java gives the model's own forward output, and the importer reads the file back
 * into a graph whose reference evaluation and inference sessions give it too (k-WTA models within 1e-5: their TopK
 * subgraphs come back as KWinners ops).
 */
class OnnxExportTest {
    private static final double MAX_RELATIVE_ERROR = 1e-4;
    /**
     * Exported k-WTA MLPs imported back (TopK + ScatterElements lowered to KWinners) give the model's outputs within
     * this (the winners are the same; what differs is the rounding of the dense layers).
     */
    private static final double KWTA_ROUND_TRIP_ERROR = 1e-5;

    @TempDir
    Path dir;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("mlp", new int[] {1, 8, 8}, 7),
                Arguments.of("mlp-24-16", new int[] {20}, 5),
                Arguments.of("lenet5", new int[] {1, 12, 12}, 10),
                Arguments.of("cnn", new int[] {1, 8, 8}, 10),
                Arguments.of("resnet", new int[] {3, 8, 8}, 10),
                Arguments.of("mlp-kwta", new int[] {1, 8, 8}, 10),
                Arguments.of("mlp-kwta0.05", new int[] {1, 6, 6}, 4),
                Arguments.of("cnn-kwta", new int[] {1, 8, 8}, 10));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void zooModelRunsInOnnxRuntimeAndImportsBack(String name, int[] sample, int classes) throws Exception {
        Sequential model = ModelZoo.create(name, sample, classes, 7);
        randomize(model, 11);
        checkExport(name, model, sample);
    }

    @Test
    void kWinnersOnFeatureMapsAndBatchNorm1dExport() throws Exception {
        SplittableRandom rng = new SplittableRandom(3);
        KWinnersOptions o = KWinnersOptions.defaults();
        Sequential model = new Sequential(
                new Conv2d(2, 6, 3, 1, 1, true, rng), KWinners2d.local(6, 0.34, o),
                new Conv2d(6, 4, 3, 2, 0, false, rng), KWinners2d.global(4, 0.2, o.withKInferenceFactor(1.0)),
                new Flatten(), new Linear(4 * 3 * 3, 12, true, rng), new BatchNorm1d(12), new ReLU(), new Dropout(0.5),
                new Linear(12, 3, false, rng));
        randomize(model, 5);
        checkExport("custom k-WTA", model, new int[] {2, 7, 7});
    }

    @Test
    void kWinnersTiesGoToTheLowerIndexAsInSparrow() throws Exception {
        // k = 3 of 8; the values tied at the k-th largest are more than the winners left
        Sequential model = new Sequential(new Flatten(), new KWinners(8, 3.0 / 8, KWinnersOptions.defaults().withKInferenceFactor(1.0)));
        Tensor x = Tensor.wrap(new float[] {
                1, 2, 2, 5, 2, 0, 2, -1,
                0, 0, 0, 0, 0, 0, 0, 0,
                -3, 4, 4, 4, 4, -1, 9, 4}, 3, 8);
        Path file = dir.resolve("ties.onnx");
        OnnxExporter.write(model, new int[] {8}, Map.of(), file);
        float[] expected = forward(model, x).data().clone();
        assertThat(expected).containsExactly(
                0, 2, 2, 5, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0,
                0, 4, 4, 0, 0, 0, 9, 0);
        float[] ort = OnnxFixturesTest.runOnnxRuntime(file, OnnxExporter.INPUT, x);
        assertThat(ort).containsExactly(expected);
    }

    @Test
    void layersWithoutAnOnnxFormAreNamed() {
        Layer odd = new Layer() {
            @Override public Tensor forward(Tensor x, ExecutionContext ctx) { return x; }
            @Override public Tensor backward(Tensor g, ExecutionContext ctx) { return g; }
            @Override public int[] outputShape(int[] s) { return s; }
            @Override public String describe() { return "Odd"; }
        };
        assertThatThrownBy(() -> OnnxExporter.export(new Sequential(new Flatten(), odd), new int[] {4}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'1'").hasMessageContaining("Odd");
    }

    @Test
    void writeIsAtomicAndReportsAMissingFolder() throws Exception {
        Sequential model = ModelZoo.create("mlp-4", new int[] {3}, 2, 1);
        Path file = dir.resolve("m.onnx");
        Files.writeString(file, "old");
        OnnxExporter.write(model, new int[] {3}, Map.of("k", "v"), file);
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
        assertThat(proto.getOpsetImport(0).getVersion()).isEqualTo(17);
        assertThat(proto.getGraph().getInput(0).getName()).isEqualTo("input");
        assertThat(proto.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam()).isEqualTo("batch");
        assertThat(proto.getGraph().getOutput(0).getName()).isEqualTo("logits");
        assertThat(proto.getGraph().getNodeList()).extracting(NodeProto::getOpType).containsExactly("Flatten", "Gemm", "Relu", "Gemm");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("m.onnx");
        }
        assertThatThrownBy(() -> OnnxExporter.write(model, new int[] {3}, Map.of(), dir.resolve("no/such/m.onnx")))
                .hasMessageContaining("does not exist");
    }

    private void checkExport(String name, Sequential model, int[] sample) throws Exception {
        Path file = dir.resolve(name.replace(' ', '_') + ".onnx");
        OnnxExporter.write(model, sample, Map.of("sparrow.model", name), file);
        int batch = 3;
        Tensor x = randomInput(batch, sample, 99);
        Tensor expected = forward(model, x);
        float[] ort = OnnxFixturesTest.runOnnxRuntime(file, OnnxExporter.INPUT, x);
        double vsOrt = OnnxFixturesTest.relativeError(ort, expected.data());
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
        boolean hasTopK = proto.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("TopK"));
        ModelGraph graph = OnnxImporter.read(file);
        if (hasTopK) {
            // the TopK subgraphs come back as Sparrow's own k-WTA op, so the session runs its k-WTA path
            assertThat(graph.nodes()).as("%s imported", name).anyMatch(g -> g.op() instanceof dev.sparrow.graph.Op.KWinners);
        }
        // with convolutions the float forward's own rounding reaches ~1e-5 (cnn without k-WTA: 1.1e-5), k-WTA or not
        boolean hasConv = proto.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Conv"));
        double bound = hasTopK && !hasConv ? KWTA_ROUND_TRIP_ERROR : MAX_RELATIVE_ERROR;
        Tensor back = GraphEvaluator.runFirst(graph, x);
        assertThat(back.shape()).isEqualTo(expected.shape());
        double vsImport = OnnxFixturesTest.relativeError(back.data(), expected.data());
        assertThat(vsImport).as("%s imported back", name).isLessThanOrEqualTo(bound);
        double vsSession = 0;
        try (InferenceSession dense = InferenceSession.builder(graph).batchSize(batch).formatAll("dense").build();
             InferenceSession tuned = InferenceSession.builder(graph).batchSize(batch).tuningBudgetMillis(2).build()) {
            for (InferenceSession s : new InferenceSession[] {dense, tuned}) {
                double e = OnnxFixturesTest.relativeError(s.predict(x).data(), expected.data());
                assertThat(e).as("%s imported, in a session\n%s", name, s.describe()).isLessThanOrEqualTo(bound);
                vsSession = Math.max(vsSession, e);
            }
        }
        String imported = String.format("vs import %.2e, vs session %.2e", vsImport, vsSession);
        System.out.printf("export %-14s %3d nodes, max rel. error vs ORT Java %.2e, %s%n", name,
                proto.getGraph().getNodeCount(), vsOrt, imported);
        assertThat(vsOrt).as("%s in ONNX Runtime", name).isLessThanOrEqualTo(MAX_RELATIVE_ERROR);
    }

    static Tensor forward(Layer model, Tensor x) {
        ExecutionContext ctx = ExecutionContext.defaults().training(false);
        Tensor y = model.forward(x, ctx);
        return Tensor.wrap(y.data().clone(), y.shape());
    }

    static Tensor randomInput(int batch, int[] sample, long seed) {
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Tensor.checkedSize(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return Tensor.wrap(v, shape);
    }

    /**
     * Random biases, batch-norm affine and running statistics, and a random mask (about 70% zeros) on every
     * other weight matrix, so that exports are checked with masks and with non-trivial statistics.
     */
    static void randomize(Layer model, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int weights = 0;
        for (Map.Entry<String, Parameter> e : Modules.namedParameters(model).entrySet()) {
            Parameter p = e.getValue();
            float[] v = p.value().data();
            if (e.getKey().endsWith("bias")) {
                for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 0.4 - 0.2);
            } else if (p.value().shape().length == 1) { // batch-norm scale
                for (int i = 0; i < v.length; i++) v[i] = (float) (0.5 + r.nextDouble());
            } else if (weights++ % 2 == 0) {
                float[] keep = new float[v.length];
                for (int i = 0; i < keep.length; i++) keep[i] = r.nextDouble() < 0.3 ? 1f : 0f;
                keep[0] = 1f;
                p.setMask(Mask.of(keep));
            }
        }
        for (Layer l : allLayers(model)) {
            if (l instanceof BatchNorm bn) {
                float[] mean = bn.runningMean().data();
                float[] var = bn.runningVar().data();
                for (int i = 0; i < mean.length; i++) {
                    mean[i] = (float) (r.nextDouble() * 0.2 - 0.1);
                    var[i] = (float) (0.5 + r.nextDouble());
                }
            }
        }
    }

    static List<Layer> allLayers(Layer root) {
        List<Layer> out = new java.util.ArrayList<>();
        out.add(root);
        for (Layer c : root.children()) out.addAll(allLayers(c));
        return out;
    }
}
