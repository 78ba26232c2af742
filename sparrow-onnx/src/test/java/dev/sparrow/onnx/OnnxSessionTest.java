package dev.sparrow.onnx;

import dev.sparrow.graph.ModelGraph;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.PlanNode;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every fixture through {@link InferenceSession} (the planned, packed, kernel path), dense and with tuned sparse
 * formats, against the outputs Python's ONNX Runtime computed: max relative error <= 1e-4.
 */
class OnnxSessionTest {
    private static final double MAX_RELATIVE_ERROR = 1e-4;

    static Stream<String> fixtures() throws Exception {
        return OnnxFixturesTest.fixtures();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void sessionMatchesOnnxRuntimeDenseAndTuned(String name) throws Exception {
        Path file = OnnxFixturesTest.FIXTURES.resolve(name + ".onnx");
        ModelGraph graph = OnnxImporter.read(file);
        Tensor input = Npy.read(OnnxFixturesTest.FIXTURES.resolve(name + ".input.npy"));
        Tensor expected = Npy.read(OnnxFixturesTest.FIXTURES.resolve(name + ".output.npy"));
        int batch = input.dim(0);
        try (InferenceSession dense = InferenceSession.builder(graph).batchSize(batch).formatAll("dense").build();
             InferenceSession tuned = InferenceSession.builder(graph).batchSize(batch).tuningBudgetMillis(5).build()) {
            for (InferenceSession s : new InferenceSession[] {dense, tuned}) {
                Tensor actual = s.predict(input);
                double err = OnnxFixturesTest.relativeError(actual.data(), expected.data());
                System.out.printf("%-26s max rel. error %.2e%n%s", name, err, s.describe());
                assertThat(err).as("%s\n%s", name, s.describe()).isLessThanOrEqualTo(MAX_RELATIVE_ERROR);
                // one sample at a time (the batch-1 kernels) gives the same
                float[] one = new float[s.outputSize()];
                s.predict(java.util.Arrays.copyOfRange(input.data(), 0, s.sampleSize()), one);
                assertThat(OnnxFixturesTest.relativeError(one, java.util.Arrays.copyOfRange(expected.data(), 0, s.outputSize())))
                        .as("%s batch 1", name).isLessThanOrEqualTo(MAX_RELATIVE_ERROR);
            }
        }
    }

    @Test
    void loadFindsTheOnnxFormatAndPrunedConvsInResidualBlocksGetSparseFormats() throws Exception {
        Path file = OnnxFixturesTest.FIXTURES.resolve("resnet_pruned90.onnx");
        try (InferenceSession s = InferenceSession.builder(file).formatAll("csr").build()) {
            long sparseConvs = s.plan().stream().filter(n -> n.op().startsWith("Conv") && n.format() != null && n.format().startsWith("csr")).count();
            assertThat(sparseConvs).as(s.describe()).isGreaterThan(3);
            assertThat(s.plan()).extracting(PlanNode::op).contains("Binary(ADD)");
        }
        try (InferenceSession s = InferenceSession.load(file)) {
            assertThat(s.outputSize()).isEqualTo(10);
        }
    }
}
