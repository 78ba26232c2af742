package dev.sparrow.onnx;

import dev.sparrow.graph.ModelGraph;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.onnx.proto.OnnxProto.ModelProto;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;
import dev.sparrow.onnx.proto.OnnxProto.StringStringEntryProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An imported ONNX file with what it says besides its graph: producer, opset, metadata_props, its initializers as
 * stored (before folding) and the operators it uses. What {@code sparrow inspect} shows and where
 * {@code sparrow predict} finds the {@link ModelSpec} that Sparrow's exporter writes ({@value Checkpoint#SPEC_KEY}).
 *
 * @param file         the file's name, for messages
 * @param producer     producer name and version ("pytorch 2.11.0")
 * @param irVersion    the file's IR version
 * @param opset        the default domain's opset
 * @param metadata     metadata_props in file order
 * @param operators    op type (with its domain, if any) to node count, in order of first use
 * @param initializers the initializers in file order
 * @param graph        the imported graph (constants and batch norms folded)
 */
public record OnnxModelFile(String file, String producer, long irVersion, long opset, Map<String, String> metadata,
                            Map<String, Integer> operators, List<Initializer> initializers, ModelGraph graph) {

    /** One initializer as stored: its name, element type, shape and how many of its values are exactly 0. */
    public record Initializer(String name, boolean floating, int[] shape, long zeros) {
        public Initializer {
            shape = shape.clone();
        }

        @Override
        public int[] shape() { return shape.clone(); }

        public long size() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        /** The share of values that are exactly 0 (0 for an empty tensor). */
        public double sparsity() { return size() == 0 ? 0 : (double) zeros / size(); }

        public String shapeText() { return Arrays.toString(shape); }
    }

    public OnnxModelFile {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        operators = Collections.unmodifiableMap(new LinkedHashMap<>(operators));
        initializers = List.copyOf(initializers);
    }

    static OnnxModelFile of(String file, ModelProto model, long opset, ModelGraph graph, Map<String, ConstTensor> decoded) {
        Map<String, String> metadata = new LinkedHashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) metadata.put(e.getKey(), e.getValue());
        Map<String, Integer> operators = new LinkedHashMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            operators.merge((n.getDomain().isEmpty() ? "" : n.getDomain() + ":") + n.getOpType(), 1, Integer::sum);
        }
        List<Initializer> initializers = new ArrayList<>();
        for (Map.Entry<String, ConstTensor> e : decoded.entrySet()) {
            ConstTensor t = e.getValue();
            long zeros = 0;
            if (t.isFloat()) {
                for (float v : t.floats()) if (v == 0f) zeros++;
            } else {
                for (long v : t.longs()) if (v == 0) zeros++;
            }
            initializers.add(new Initializer(e.getKey(), t.isFloat(), t.shape(), zeros));
        }
        String producer = (model.getProducerName() + " " + model.getProducerVersion()).trim();
        return new OnnxModelFile(file, producer, model.getIrVersion(), opset, metadata, operators, initializers, graph);
    }

    /**
     * The {@link ModelSpec} in the metadata ({@value Checkpoint#SPEC_KEY}, written by {@code sparrow export}), if
     * any; one that is malformed or does not fit the graph (sample shape, output size) is an
     * IllegalArgumentException naming the file and the key.
     */
    public Optional<ModelSpec> spec() {
        String json = metadata.get(Checkpoint.SPEC_KEY);
        if (json == null) return Optional.empty();
        String where = file + ": metadata " + Checkpoint.SPEC_KEY;
        ModelSpec spec = ModelSpec.parse(json, where);
        if (!Arrays.equals(spec.sampleShape(), graph.inputShape())) {
            throw new IllegalArgumentException(where + " has sample shape " + Arrays.toString(spec.sampleShape())
                    + " but the graph's input is [batch, " + join(graph.inputShape()) + "]");
        }
        int outputs = graph.sampleSize(graph.outputs().getFirst());
        if (spec.classes() != outputs) {
            throw new IllegalArgumentException(where + " names " + spec.classes() + " classes but the graph has " + outputs + " outputs");
        }
        return Optional.of(spec);
    }

    private static String join(int[] s) {
        return Arrays.toString(s).replaceAll("[\\[\\]]", "");
    }
}
