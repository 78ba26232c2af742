package dev.sparrow.onnx;

import dev.sparrow.graph.Op;
import dev.sparrow.onnx.ImportedValue.Const;
import dev.sparrow.onnx.ImportedValue.Dyn;
import dev.sparrow.onnx.proto.OnnxProto.NodeProto;

import java.util.Arrays;
import java.util.List;

import static dev.sparrow.onnx.GraphConverter.constant;
import static dev.sparrow.onnx.GraphConverter.dyn;

/** Slice and Where of batched values with constant bounds and conditions, as graph ops (Slice; Binary MUL / ADD). */
final class SliceAndWhere {
    private final GraphConverter converter;
    private final ConstantFolder folder;

    SliceAndWhere(GraphConverter converter, ConstantFolder folder) {
        this.converter = converter;
        this.folder = folder;
    }

    /** Slice of a batched value with constant bounds; the batch axis may only be taken whole. */
    void slice(NodeProto n, List<ImportedValue> in) {
        Dyn x = dyn(in, 0);
        long[] axes = in.size() > 3 && in.get(3) != null ? constant(in, 3, "axes").asLongs() : null;
        long[] steps = in.size() > 4 && in.get(4) != null ? constant(in, 4, "steps").asLongs() : null;
        int[] full = new int[x.shape().length + 1];
        full[0] = Integer.MAX_VALUE - 16; // a stand-in batch: only the whole of it (0 to the end, step 1) is allowed
        System.arraycopy(x.shape(), 0, full, 1, x.shape().length);
        int[][] b = Shapes.slice(full, constant(in, 1, "starts").asLongs(), constant(in, 2, "ends").asLongs(), axes, steps);
        if (b[0][0] != 0 || b[1][0] != full[0] || b[2][0] != 1) {
            throw new ImportProblem("Slice of the batch axis; expected the batch whole (start 0, end INT64_MAX, step 1)");
        }
        converter.emit(n, new Op.Slice(Arrays.copyOfRange(b[0], 1, full.length), Arrays.copyOfRange(b[1], 1, full.length),
                Arrays.copyOfRange(b[2], 1, full.length)), x);
    }

    /**
     * Where with a constant condition: X * c + Y * (1 - c) with c the condition as 0/1, one or two elementwise steps
     * (exact for finite values; an infinite or NaN value on the side not taken makes the result NaN). A condition
     * computed from the input is refused.
     */
    void where(NodeProto n, Attributes attrs, List<ImportedValue> in) {
        if (in.size() != 3 || in.contains(null)) throw new ImportProblem("Where needs 3 inputs");
        ConstTensor c = constant(in, 0, "condition");
        long[] cl = c.asLongs();
        float[] take = new float[cl.length], other = new float[cl.length];
        for (int i = 0; i < cl.length; i++) {
            take[i] = cl[i] != 0 ? 1f : 0f;
            other[i] = 1f - take[i];
        }
        boolean xDyn = in.get(1) instanceof Dyn;
        Dyn first = dyn(in, xDyn ? 1 : 2);
        ImportedValue second = in.get(xDyn ? 2 : 1);
        ConstTensor firstMask = ConstTensor.ofFloats(c.shape(), xDyn ? take : other);
        ConstTensor secondMask = ConstTensor.ofFloats(c.shape(), xDyn ? other : take);
        String out = n.getOutput(0);
        Dyn kept = converter.emit(n.getName() + "_select", converter.uniqueValueName(out + "_select"),
                Op.Binary.withConstant(Op.BinaryKind.MUL, firstMask.toTensor(), false), first);
        if (second instanceof Dyn d) {
            Dyn rest = converter.emit(n.getName() + "_select_other", converter.uniqueValueName(out + "_select_other"),
                    Op.Binary.withConstant(Op.BinaryKind.MUL, secondMask.toTensor(), false), d);
            converter.emit(n, Op.Binary.ofValues(Op.BinaryKind.ADD), List.of(kept, rest));
        } else {
            ConstTensor rest = folder.fold("Mul", attrs, List.of(((Const) second).tensor(), secondMask));
            converter.emit(n, Op.Binary.withConstant(Op.BinaryKind.ADD, rest.toTensor(), false), kept);
        }
    }
}
