package dev.sparrow.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sparrow.graph.GraphEvaluator;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every PyTorch-exported fixture imported and run by the reference GraphEvaluator, compared with what Python's
 * ONNX Runtime computed (NAME.output.npy) and with ONNX Runtime Java on the same input.
 */
class OnnxFixturesTest {
    static final Path FIXTURES = Path.of("src/test/resources/onnx");
    private static final double MAX_RELATIVE_ERROR = 1e-4;

    static Stream<String> fixtures() throws Exception {
        try (Stream<Path> files = Files.list(FIXTURES)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
            assertThat(names).as("fixtures in %s", FIXTURES).hasSizeGreaterThanOrEqualTo(12);
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void importedGraphMatchesPythonOnnxRuntimeAndOnnxRuntimeJava(String name) throws Exception {
        ModelGraph graph = OnnxImporter.read(FIXTURES.resolve(name + ".onnx"));
        Tensor input = Npy.read(FIXTURES.resolve(name + ".input.npy"));
        Tensor expected = Npy.read(FIXTURES.resolve(name + ".output.npy"));
        Tensor actual = GraphEvaluator.runFirst(graph, input);
        assertThat(actual.shape()).as("%s output shape", name).isEqualTo(expected.shape());
        double vsPython = relativeError(actual.data(), expected.data());

        float[] ort = runOnnxRuntime(FIXTURES.resolve(name + ".onnx"), graph.inputName(), input);
        double vsJava = relativeError(actual.data(), ort);
        System.out.printf("%-26s nodes %3d  max rel. error vs Python ORT %.2e, vs ORT Java %.2e%n",
                name, graph.nodes().size(), vsPython, vsJava);
        assertThat(vsPython).as("%s vs Python onnxruntime", name).isLessThanOrEqualTo(MAX_RELATIVE_ERROR);
        assertThat(vsJava).as("%s vs ONNX Runtime Java", name).isLessThanOrEqualTo(MAX_RELATIVE_ERROR);
    }

    static float[] runOnnxRuntime(Path model, String inputName, Tensor input) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = Arrays.stream(input.shape()).asLongStream().toArray();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model.toString(), options);
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), shape);
                 OrtSession.Result result = session.run(Map.of(inputName, in))) {
                FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
                float[] data = new float[out.remaining()];
                out.get(data);
                return data;
            }
        }
    }

    /** max |a - b| / max(|b|, 1e-3 * max|b|): relative where values are large, not blown up near zero. */
    static double relativeError(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double scale = 0;
        for (float v : b) scale = Math.max(scale, Math.abs(v));
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double denominator = Math.max(Math.abs(b[i]), 1e-3 * scale + 1e-12);
            worst = Math.max(worst, Math.abs(a[i] - b[i]) / denominator);
        }
        return worst;
    }
}
