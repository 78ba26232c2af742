package dev.sparrow.onnx;

import dev.sparrow.graph.Op;
import dev.sparrow.onnx.ImportedValue.Const;
import dev.sparrow.onnx.ImportedValue.Dyn;
import dev.sparrow.onnx.ImportedValue.TopK;
import dev.sparrow.onnx.ImportedValue.TopKOutput;
import dev.sparrow.onnx.ImportedValue.ZerosLike;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorProto;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.sparrow.onnx.GraphConverter.constant;
import static dev.sparrow.onnx.GraphConverter.dyn;

/**
 * Reads Sparrow's k-winners-take-all export back: TopK(x, k) whose values ScatterElements writes at its indices into
 * ConstantOfShape(Shape(x)) zeros becomes one {@link Op.KWinners} (over [N, F] samples, or per location along the
 * channels of [N, C, H, W]), so that the session runs its own k-WTA step (fused into a Dense before it). TopK's
 * outputs and the zeros are held as {@link ImportedValue}s until the ScatterElements that joins them.
 */
final class KWinnersImport {
    private final GraphConverter converter;
    private final Map<String, ImportedValue> values;
    private final ConstantFolder folder;
    private final TensorDecoder decoder;
    /** Outputs of Shape nodes that hold a batched value's whole shape, and that value. */
    private final Map<String, Dyn> shapeOf = new HashMap<>();

    KWinnersImport(GraphConverter converter, Map<String, ImportedValue> values, ConstantFolder folder, TensorDecoder decoder) {
        this.converter = converter;
        this.values = values;
        this.folder = folder;
        this.decoder = decoder;
    }

    /** Remembers that {@code out} holds the whole shape of {@code x} (Shape without start or end). */
    void shapeOf(String out, Dyn x) {
        shapeOf.put(out, x);
    }

    /** TopK of a batched value: held as a pair of outputs until a ScatterElements makes them a k-WTA. */
    void topK(NodeProto n, Attributes attrs, List<ImportedValue> in) {
        Dyn x = dyn(in, 0);
        long[] k = constant(in, 1, "K").asLongs();
        if (k.length != 1) throw new ImportProblem("K has " + k.length + " values; expected 1");
        int axis = Shapes.axis(attrs.getInt("axis", -1), x.shape().length + 1, "TopK axis");
        if (axis == 0) throw new ImportProblem("TopK along the batch axis; expected an axis of the sample");
        if (attrs.getInt("largest", 1) != 1) throw new ImportProblem("largest = 0 (the k smallest); expected 1 (k-winners-take-all)");
        int size = x.shape()[axis - 1];
        if (k[0] < 0 || k[0] > size) throw new ImportProblem("K = " + k[0] + " along an axis of " + size + "; expected 0.." + size);
        TopK t = new TopK(n.getName().isEmpty() ? "TopK" : n.getName(), x, (int) k[0], axis);
        for (int o = 0; o < Math.min(2, n.getOutputCount()); o++) {
            if (!n.getOutput(o).isEmpty()) values.put(n.getOutput(o), new TopKOutput(t, o));
        }
    }

    /**
     * ScatterElements of a TopK's values at its indices into zeros of the TopK input's shape: k-winners-take-all,
     * one KWinners op (over [N, F] samples, or per location along the channels of [N, C, H, W]). False when the
     * node is not that pattern and reads no TopK output (then it is an ordinary unsupported operator).
     */
    boolean scatterWinners(NodeProto n, Attributes attrs, List<ImportedValue> in) {
        boolean readsTopK = in.stream().anyMatch(v -> v instanceof TopKOutput || v instanceof ZerosLike);
        if (!readsTopK) return false;
        String expected = "; expected ScatterElements(ConstantOfShape(Shape(x)), TopK(x).indices, TopK(x).values) along TopK's axis "
                + "(k-winners-take-all, as sparrow export writes it)";
        if (in.size() != 3 || !(in.get(0) instanceof ZerosLike zeros) || !(in.get(1) instanceof TopKOutput indices)
                || !(in.get(2) instanceof TopKOutput updates) || indices.output() != 1 || updates.output() != 0
                || indices.topK() != updates.topK()) {
            throw new ImportProblem("inputs are not zeros, TopK indices and the same TopK's values" + expected);
        }
        TopK t = indices.topK();
        if (!zeros.x().name().equals(t.x().name())) throw new ImportProblem("the zeros are shaped like '" + zeros.x().name()
                + "', TopK reads '" + t.x().name() + "'" + expected);
        int axis = Shapes.axis(attrs.getInt("axis", 0), t.x().shape().length + 1, "ScatterElements axis");
        if (axis != t.axis()) throw new ImportProblem("axis " + axis + " but TopK's is " + t.axis() + expected);
        if (!attrs.getString("reduction", "none").equals("none")) {
            throw new ImportProblem("reduction = '" + attrs.getString("reduction", "") + "'; expected none");
        }
        int[] s = t.x().shape();
        boolean global = s.length == 1 && axis == 1;
        boolean local = s.length == 3 && axis == 1;
        if (!global && !local) {
            throw new ImportProblem("k-winners-take-all along axis " + axis + " of [N, " + GraphConverter.join(s) + "]; expected axis 1 of [N, F] "
                    + "(whole samples) or of [N, C, H, W] (channels at each location)");
        }
        converter.emit(n, new Op.KWinners(t.k(), local), t.x());
        return true;
    }

    /** ConstantOfShape: of a constant shape, folded; of a batched value's shape with value 0, the zeros a k-WTA fills. */
    void constantOfShape(NodeProto n, Attributes attrs, List<ImportedValue> in) {
        TensorProto v = attrs.getTensor("value");
        ConstTensor value = v == null ? ConstTensor.ofFloats(new int[] {1}, new float[1]) : decoder.decode(v);
        if (value.size() != 1) throw new ImportProblem("value has " + value.size() + " elements; expected 1");
        ConstTensor shape = constant(in, 0, "input");
        if (!shape.hasBatch()) {
            values.put(n.getOutput(0), new Const(folder.filled(shape.asLongs(), value)));
            return;
        }
        Dyn of = shapeOf.get(n.getInput(0));
        boolean zero = value.isFloat() ? value.floats()[0] == 0f : value.longs()[0] == 0;
        if (of == null || !zero || !value.isFloat()) {
            throw new ImportProblem("a tensor of the batch's size filled with " + value + "; expected float zeros shaped like a "
                    + "value (ConstantOfShape(Shape(x)), k-winners-take-all's canvas)");
        }
        values.put(n.getOutput(0), new ZerosLike(of));
    }
}
