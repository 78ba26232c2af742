package dev.sparrow.onnx;

import com.google.protobuf.ByteString;
import dev.sparrow.nn.Parameter;
import dev.sparrow.onnx.proto.OnnxProto.AttributeProto;
import dev.sparrow.onnx.proto.OnnxProto.GraphProto;
import dev.sparrow.onnx.proto.OnnxProto.ModelProto;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorProto;
import dev.sparrow.sparsity.SparsityStats;
import dev.sparrow.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Prunes the weights of an ONNX file and writes the file back with the zeros in place: the weights are the float
 * initializers that Gemm, MatMul and Conv nodes read as their weight input (each once, in node order), handed to a
 * pruning (Sparrow's {@code MagnitudePruning} or {@code StructuredPruning}) as parameters named
 * "1.weight", "2.weight"... in [out, in] (or [cout, cin, kh, kw]) orientation, so that structures run along each
 * output's inputs whether the file stores a Gemm weight transposed or not. Every other part of the model (nodes,
 * metadata, unknown fields) is written as read; external data is inlined, since the result may go elsewhere.
 */
public final class OnnxPruner {
    private OnnxPruner() {}

    /** One pruned weight: its initializer, shape as stored, and the share of zeros before and after. */
    public record Pruned(String initializer, String node, String shape, double sparsityBefore, double sparsityAfter) {}

    /** What a pruning did: per weight, and the statistics the pruning returned. */
    public record Result(List<Pruned> weights, SparsityStats stats) {}

    /** A weight initializer found in the graph: its node and whether it is stored [in, out] (MatMul, Gemm transB = 0). */
    private record Weight(String initializer, String node, boolean transposed) {}

    /**
     * Reads {@code in}, applies {@code pruning} to its weights, checks that the result imports, and writes it to
     * {@code out} atomically.
     */
    public static Result prune(Path in, Path out, Function<Map<String, Parameter>, SparsityStats> pruning) throws IOException {
        OnnxImporter.load(in); // refuses what the importer refuses, naming the file and node
        String name = in.toString();
        byte[] bytes = Files.readAllBytes(in);
        ModelProto model = OnnxImporter.parse(bytes, name);
        LoadBudget budget = new LoadBudget(bytes.length);
        TensorDecoder decoder = new TensorDecoder(in.toAbsolutePath().normalize().getParent(), budget);
        GraphProto.Builder graph = model.getGraph().toBuilder();

        Map<String, Integer> initializerIndex = new HashMap<>();
        for (int i = 0; i < graph.getInitializerCount(); i++) initializerIndex.put(graph.getInitializer(i).getName(), i);
        Map<String, Weight> weights = new LinkedHashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) continue;
            boolean gemm = n.getOpType().equals("Gemm"), matMul = n.getOpType().equals("MatMul"), conv = n.getOpType().equals("Conv");
            if (!(gemm || matMul || conv) || n.getInputCount() < 2 || !initializerIndex.containsKey(n.getInput(1))) continue;
            TensorProto t = graph.getInitializer(initializerIndex.get(n.getInput(1)));
            if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE || t.getDimsCount() != (conv ? 4 : 2)) continue;
            boolean transposed = matMul || (gemm && intAttribute(n, "transB") == 0);
            weights.putIfAbsent(t.getName(), new Weight(t.getName(), n.getName().isEmpty() ? n.getOpType() : n.getName(), transposed));
        }
        if (weights.isEmpty()) throw new OnnxFormatException(name, null, "no weights to prune; expected Gemm, MatMul or Conv nodes with float initializer weights");

        Map<String, Parameter> parameters = new LinkedHashMap<>();
        Map<String, Weight> byParameter = new HashMap<>();
        List<Double> before = new ArrayList<>();
        for (Weight w : weights.values()) {
            ConstTensor c;
            try {
                c = decoder.decode(graph.getInitializer(initializerIndex.get(w.initializer())));
            } catch (ImportProblem e) {
                throw new OnnxFormatException(name, "initializer '" + w.initializer() + "'", e.getMessage());
            }
            Tensor t = w.transposed() ? transpose(c.floats(), c.shape()) : Tensor.wrap(c.floats().clone(), c.shape());
            String key = (parameters.size() + 1) + ".weight";
            parameters.put(key, new Parameter(key, t, true));
            byParameter.put(key, w);
            before.add(zeros(t.data()) / (double) t.size());
        }
        SparsityStats stats = pruning.apply(parameters);

        List<Pruned> report = new ArrayList<>();
        int k = 0;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Weight w = byParameter.get(e.getKey());
            Tensor t = e.getValue().value();
            float[] stored = w.transposed() ? transpose(t.data(), t.shape()).data() : t.data();
            int index = initializerIndex.get(w.initializer());
            graph.setInitializer(index, withFloats(graph.getInitializer(index), stored));
            report.add(new Pruned(w.initializer(), w.node(), java.util.Arrays.toString(storedShape(t.shape(), w.transposed())),
                    before.get(k++), zeros(stored) / (double) stored.length));
        }
        inlineExternal(graph, decoder, name);
        ModelProto pruned = model.toBuilder().setGraph(graph).build();
        byte[] written = pruned.toByteArray();
        OnnxImporter.read(written, out.toAbsolutePath()); // the result must import as the original did
        OnnxExporter.writeAtomically(out, s -> s.write(written));
        return new Result(report, stats);
    }

    private static long intAttribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
        return 0;
    }

    private static int[] storedShape(int[] shape, boolean transposed) {
        return transposed ? new int[] {shape[1], shape[0]} : shape;
    }

    private static long zeros(float[] v) {
        long z = 0;
        for (float x : v) if (x == 0f) z++;
        return z;
    }

    /** A [rows, cols] matrix as [cols, rows]. */
    private static Tensor transpose(float[] v, int[] shape) {
        int rows = shape[0], cols = shape[1];
        float[] t = new float[v.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c];
        return Tensor.wrap(t, cols, rows);
    }

    /** The tensor with {@code values} as little-endian raw_data (any other data field or external location cleared). */
    private static TensorProto withFloats(TensorProto t, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return t.toBuilder().clearFloatData().clearExternalData().clearDataLocation().setRawData(ByteString.copyFrom(b.array())).build();
    }

    /** External initializers not pruned, read and stored in the file (float and int64 only). */
    private static void inlineExternal(GraphProto.Builder graph, TensorDecoder decoder, String name) throws OnnxFormatException {
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL && t.getExternalDataCount() == 0) continue;
            ConstTensor c;
            try {
                c = decoder.decode(t);
            } catch (ImportProblem e) {
                throw new OnnxFormatException(name, "initializer '" + t.getName() + "'", e.getMessage());
            }
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                graph.setInitializer(i, withFloats(t, c.floats()));
            } else if (t.getDataType() == TensorProto.DataType.INT64_VALUE) {
                ByteBuffer b = ByteBuffer.allocate(c.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
                b.asLongBuffer().put(c.longs());
                graph.setInitializer(i, t.toBuilder().clearInt64Data().clearExternalData().clearDataLocation()
                        .setRawData(ByteString.copyFrom(b.array())).build());
            } else {
                throw new OnnxFormatException(name, "initializer '" + t.getName() + "'", "external data of type " + t.getDataType()
                        + "; expected FLOAT or INT64 to write it into the pruned file");
            }
        }
    }
}
