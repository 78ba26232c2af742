package dev.sparrow.onnx;

import dev.sparrow.onnx.proto.OnnxProto.GraphProto;
import dev.sparrow.onnx.proto.OnnxProto.ModelProto;
import dev.sparrow.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each kind of bad input gives one OnnxFormatException naming the file, the node and what was expected. */
class OnnxImportErrorsTest {
    private static final Path OPS_ZOO = OnnxFixturesTest.FIXTURES.resolve("ops_zoo.onnx");

    private static void assertRefused(Path source, UnaryOperator<ModelProto.Builder> change, String... fragments) throws Exception {
        byte[] bytes = change.apply(ModelProto.parseFrom(Files.readAllBytes(source)).toBuilder()).build().toByteArray();
        assertThatThrownBy(() -> OnnxImporter.read(bytes, source)).isInstanceOf(OnnxFormatException.class)
                .hasMessageStartingWith(source.toString()).hasMessageContainingAll(fragments);
    }

    @Test
    void truncatedFileIsNotAValidProtobuf() throws Exception {
        byte[] bytes = Files.readAllBytes(OPS_ZOO);
        assertThatThrownBy(() -> OnnxImporter.read(Arrays.copyOf(bytes, bytes.length / 2), OPS_ZOO))
                .isInstanceOf(OnnxFormatException.class).hasMessageContaining("not a valid ONNX protobuf");
    }

    @Test
    void unknownOperatorNamesTheNode() throws Exception {
        assertRefused(OPS_ZOO, m -> { m.getGraphBuilder().getNodeBuilder(5).setOpType("Frobnicate").setName("odd"); return m; },
                "node 'odd' (Frobnicate)", "unknown operator Frobnicate; expected one of");
    }

    @Test
    void opsetBelow13IsRefused() throws Exception {
        assertRefused(OPS_ZOO, m -> { m.getOpsetImportBuilder(0).setVersion(11); return m; }, "opset 11; expected opset 13 or later");
    }

    @Test
    void unsupportedAttributeValueNamesTheNode() throws Exception {
        assertRefused(OPS_ZOO, m -> {
            GraphProto.Builder g = m.getGraphBuilder();
            for (var n : g.getNodeBuilderList()) {
                if (n.getOpType().equals("Conv")) {
                    for (var a : n.getAttributeBuilderList()) if (a.getName().equals("pads")) a.setInts(0, -3);
                    break;
                }
            }
            return m;
        }, "(Conv)", "attribute pads holds -3; expected 0..");
    }

    @Test
    void cycleAndMissingProducerAreNamed() throws Exception {
        assertRefused(OPS_ZOO, m -> {
            GraphProto.Builder g = m.getGraphBuilder();
            g.getNodeBuilder(3).setInput(0, g.getNode(6).getOutput(0));
            g.getNodeBuilder(6).setInput(0, g.getNode(3).getOutput(0));
            return m;
        }, "lies on a cycle");
        assertRefused(OPS_ZOO, m -> { m.getGraphBuilder().getNodeBuilder(4).setInput(0, "nowhere"); return m; },
                "reads 'nowhere', which no node, initializer or input defines");
    }

    @Test
    void mismatchedShapesNameTheNode() throws Exception {
        assertRefused(OnnxFixturesTest.FIXTURES.resolve("mlp.onnx"), m -> {
            TensorProto.Builder t = m.getGraphBuilder().getInitializerBuilder(0);
            int last = t.getDimsCount() - 1;
            long elements = t.getDims(0) * t.getDims(last);
            t.setDims(0, t.getDims(last)).setDims(last, elements / t.getDims(last)); // transposed dims: same size, wrong shape
            return m;
        }, "(Gemm)", "expected");
    }

    @Test
    void declaredSizeBeyondTheDataIsRefused() throws Exception {
        assertRefused(OPS_ZOO, m -> { m.getGraphBuilder().getInitializerBuilder(0).addDims(1L << 40); return m; }, "initializer '");
        assertRefused(OPS_ZOO, m -> { m.getGraphBuilder().getInitializerBuilder(0).setDims(0, 1000); return m; }, "bytes of raw_data");
    }

    @Test
    void externalDataMissingEscapingOrTooShortIsRefused(@TempDir Path dir) throws Exception {
        Path source = OnnxFixturesTest.FIXTURES.resolve("mlp_external.onnx");
        Path model = dir.resolve("mlp_external.onnx");
        Files.copy(source, model);
        assertRefused(model, m -> m, "does not exist");
        Files.copy(OnnxFixturesTest.FIXTURES.resolve("mlp_external.onnx.data"), dir.resolve("mlp_external.onnx.data"));
        assertRefused(model, m -> { location(m, "../mlp_external.onnx.data"); return m; }, "outside the model's folder");
        Files.write(dir.resolve("short.data"), new byte[100]);
        assertRefused(model, m -> { location(m, "short.data"); return m; }, "short.data, which has 100");
    }

    private static void location(ModelProto.Builder m, String location) {
        for (TensorProto.Builder t : m.getGraphBuilder().getInitializerBuilderList()) {
            for (int i = 0; i < t.getExternalDataCount(); i++) {
                if (t.getExternalData(i).getKey().equals("location")) {
                    t.setExternalData(i, StringStringEntryProto.newBuilder().setKey("location").setValue(location));
                }
            }
        }
    }
}
