package dev.sparrow.onnx;

import java.util.Arrays;
import java.util.List;

/**
 * Evaluates at load the nodes whose inputs are all constants: weight preprocessing (Transpose, Cast, arithmetic)
 * and shape arithmetic (Shape, Gather, Unsqueeze, Concat, Reshape...). Int64 data may carry the symbolic batch,
 * which only moves (gather, concat, reshape) and never takes part in arithmetic. Every result is charged to the
 * {@link LoadBudget} before it is allocated.
 */
final class ConstantFolder {
    private final LoadBudget budget;

    ConstantFolder(LoadBudget budget) {
        this.budget = budget;
    }

    /** The node's (first) output; in holds null for an absent optional input. */
    ConstTensor fold(String op, Attributes attrs, List<ConstTensor> in) {
        return switch (op) {
            case "Identity", "Dropout" -> need(in, 0, "input");
            case "Cast" -> cast(need(in, 0, "input"), attrs.getInt("to", 0));
            case "Shape" -> shapeOf(need(in, 0, "input").shape(), attrs);
            case "Gather" -> gather(need(in, 0, "input"), need(in, 1, "input"), (int) attrs.getInt("axis", 0));
            case "Unsqueeze" -> reshaped(need(in, 0, "input"), Shapes.unsqueeze(need(in, 0, "input").shape(), axes(in, attrs)));
            case "Squeeze" -> reshaped(need(in, 0, "input"), Shapes.squeeze(need(in, 0, "input").shape(), axes(in, attrs)));
            case "Reshape" -> reshaped(need(in, 0, "input"), Shapes.reshapeConstant(need(in, 0, "input").shape(), need(in, 1, "shape").asLongs(),
                    attrs.getInt("allowzero", 0) != 0));
            case "Flatten" -> flatten(need(in, 0, "input"), (int) attrs.getInt("axis", 1));
            case "Concat" -> concat(in, (int) attrs.getInt("axis", Long.MIN_VALUE));
            case "Transpose" -> transpose(need(in, 0, "input"), attrs.getInts("perm", null, need(in, 0, "input").rank(), 0, need(in, 0, "input").rank() - 1));
            case "Add", "Sub", "Mul", "Div" -> arithmetic(op, need(in, 0, "input"), need(in, 1, "B"));
            case "Neg" -> map(need(in, 0, "input"), v -> -v);
            case "Sqrt" -> map(need(in, 0, "input"), v -> (float) Math.sqrt(v));
            case "Relu" -> map(need(in, 0, "input"), v -> Math.max(v, 0f));
            case "Slice" -> slice(need(in, 0, "data"), need(in, 1, "starts").asLongs(), need(in, 2, "ends").asLongs(),
                    optional(in, 3), optional(in, 4));
            case "Where" -> where(need(in, 0, "condition"), need(in, 1, "X"), need(in, 2, "Y"));
            default -> throw new ImportProblem("cannot fold " + op + " over constants; expected one of Identity, Cast, "
                    + "Shape, Gather, Unsqueeze, Squeeze, Reshape, Flatten, Concat, Transpose, Slice, Where, Add, Sub, Mul, Div, "
                    + "Neg, Sqrt, Relu");
        };
    }

    /** ConstantOfShape over a constant shape: a tensor of that shape holding value's one element everywhere. */
    ConstTensor filled(long[] dims, ConstTensor value) {
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE - 16) throw new ImportProblem("ConstantOfShape dim " + dims[i] + " out of range");
            shape[i] = (int) dims[i];
        }
        long count = Shapes.count(shape);
        budget.charge(count, 8, "ConstantOfShape result");
        if (value.isFloat()) {
            float[] f = new float[(int) count];
            Arrays.fill(f, value.floats()[0]);
            return ConstTensor.ofFloats(shape, f);
        }
        long[] l = new long[(int) count];
        Arrays.fill(l, value.longs()[0]);
        return ConstTensor.ofLongs(shape, l);
    }

    /** Shape of a value of the given full shape ({@link ConstTensor#BATCH} stands for a batch), start/end applied. */
    ConstTensor shapeOf(int[] fullShape, Attributes attrs) {
        return shapeOf(Arrays.stream(fullShape).asLongStream().toArray(), attrs);
    }

    ConstTensor shapeOf(long[] dims, Attributes attrs) {
        int r = dims.length;
        long start = attrs.getInt("start", 0), end = attrs.getInt("end", r);
        start = Math.clamp(start < 0 ? start + r : start, 0, r);
        end = Math.clamp(end < 0 ? end + r : end, 0, r);
        long[] out = Arrays.copyOfRange(dims, (int) start, (int) Math.max(start, end));
        return ConstTensor.ofLongs(new int[] {out.length}, out);
    }

    static ConstTensor need(List<ConstTensor> in, int i, String what) {
        if (i >= in.size() || in.get(i) == null) throw new ImportProblem("input " + i + " (" + what + ") is missing");
        return in.get(i);
    }

    private static long[] optional(List<ConstTensor> in, int i) {
        return i < in.size() && in.get(i) != null ? in.get(i).asLongs() : null;
    }

    private ConstTensor slice(ConstTensor x, long[] starts, long[] ends, long[] axes, long[] steps) {
        int[] s = x.shape();
        int[][] b = Shapes.slice(s, starts, ends, axes, steps);
        int r = s.length;
        int[] outShape = new int[r];
        for (int d = 0; d < r; d++) outShape[d] = Shapes.sliceCount(b[0][d], b[1][d], b[2][d]);
        long count = Shapes.count(outShape);
        budget.charge(count, 8, "Slice result");
        int[] strides = new int[r];
        for (int d = r - 1, stride = 1; d >= 0; stride *= s[d], d--) strides[d] = stride;
        float[] f = x.isFloat() ? new float[(int) count] : null;
        long[] l = x.isFloat() ? null : new long[(int) count];
        int[] index = new int[r];
        for (int i = 0; i < count; i++) {
            int src = 0;
            for (int d = 0; d < r; d++) src += (b[0][d] + index[d] * b[2][d]) * strides[d];
            if (f != null) f[i] = x.floats()[src]; else l[i] = x.longs()[src];
            for (int d = r - 1; d >= 0 && ++index[d] == outShape[d]; d--) index[d] = 0;
        }
        return f != null ? ConstTensor.ofFloats(outShape, f) : ConstTensor.ofLongs(outShape, l);
    }

    /** Where over constants, with broadcasting: X where the condition is nonzero, else Y. */
    ConstTensor where(ConstTensor condition, ConstTensor x, ConstTensor y) {
        int[] outShape = Shapes.broadcast(Shapes.broadcast(condition.shape(), x.shape()), y.shape());
        long count = Shapes.count(outShape);
        budget.charge(count, 8, "Where result");
        int r = outShape.length;
        int[] cs = Shapes.broadcastStrides(condition.shape(), outShape), xs = Shapes.broadcastStrides(x.shape(), outShape),
                ys = Shapes.broadcastStrides(y.shape(), outShape);
        boolean floating = x.isFloat() || y.isFloat();
        long[] c = condition.asLongs();
        float[] xf = floating ? x.asFloats() : null, yf = floating ? y.asFloats() : null;
        float[] f = floating ? new float[(int) count] : null;
        long[] l = floating ? null : new long[(int) count];
        int[] index = new int[r];
        for (int i = 0; i < count; i++) {
            int ci = 0, xi = 0, yi = 0;
            for (int d = 0; d < r; d++) { ci += index[d] * cs[d]; xi += index[d] * xs[d]; yi += index[d] * ys[d]; }
            boolean takeX = c[ci] != 0;
            if (floating) f[i] = takeX ? xf[xi] : yf[yi];
            else l[i] = takeX ? x.longs()[xi] : y.longs()[yi];
            for (int d = r - 1; d >= 0 && ++index[d] == outShape[d]; d--) index[d] = 0;
        }
        return floating ? ConstTensor.ofFloats(outShape, f) : ConstTensor.ofLongs(outShape, l);
    }

    /** Axes from the second input (opset 13) or the attribute (older). */
    static long[] axes(List<ConstTensor> in, Attributes attrs) {
        if (in.size() > 1 && in.get(1) != null) return in.get(1).asLongs();
        long[] a = attrs.getLongs("axes");
        return a == null ? new long[0] : a;
    }

    private ConstTensor cast(ConstTensor x, long to) {
        return switch ((int) to) {
            case 1, 11 -> { budget.charge(x.size(), 4, "Cast result"); yield ConstTensor.ofFloats(x.shape(), x.asFloats().clone()); }
            case 6, 7 -> { budget.charge(x.size(), 8, "Cast result"); yield ConstTensor.ofLongs(x.shape(), x.asLongs().clone()); }
            case 9 -> {
                budget.charge(x.size(), 8, "Cast result");
                long[] l = x.asLongs().clone();
                float[] f = x.isFloat() ? x.floats() : null;
                for (int i = 0; i < l.length; i++) l[i] = (f != null ? f[i] != 0 : l[i] != 0) ? 1 : 0;
                yield ConstTensor.ofLongs(x.shape(), l);
            }
            default -> throw new ImportProblem("Cast to data type " + to + "; expected FLOAT, DOUBLE, INT32, INT64 or BOOL");
        };
    }

    private ConstTensor gather(ConstTensor data, ConstTensor indices, int axisAttr) {
        int r = data.rank();
        if (r == 0) throw new ImportProblem("Gather of a scalar");
        int axis = Shapes.axis(axisAttr, r, "Gather axis");
        long[] idx = indices.asLongs();
        int dim = data.shape()[axis];
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= data.shape()[d];
        for (int d = axis + 1; d < r; d++) inner *= data.shape()[d];
        int[] outShape = new int[r - 1 + indices.rank()];
        System.arraycopy(data.shape(), 0, outShape, 0, axis);
        System.arraycopy(indices.shape(), 0, outShape, axis, indices.rank());
        System.arraycopy(data.shape(), axis + 1, outShape, axis + indices.rank(), r - axis - 1);
        long count = Shapes.count(outShape);
        budget.charge(count, 8, "Gather result");
        float[] f = data.isFloat() ? new float[(int) count] : null;
        long[] l = data.isFloat() ? null : new long[(int) count];
        int o = 0;
        for (int a = 0; a < outer; a++) {
            for (long raw : idx) {
                long k = raw < 0 ? raw + dim : raw;
                if (raw == ConstTensor.BATCH || k < 0 || k >= dim) {
                    throw new ImportProblem("Gather index " + raw + " out of range for dim " + dim);
                }
                int src = (int) ((a * (long) dim + k) * inner);
                if (f != null) System.arraycopy(data.floats(), src, f, o, inner);
                else System.arraycopy(data.longs(), src, l, o, inner);
                o += inner;
            }
        }
        return f != null ? ConstTensor.ofFloats(outShape, f) : ConstTensor.ofLongs(outShape, l);
    }

    private static ConstTensor reshaped(ConstTensor x, int[] shape) {
        if (Shapes.count(shape) != x.size()) {
            throw new ImportProblem("cannot reshape " + Arrays.toString(x.shape()) + " to " + Arrays.toString(shape));
        }
        return new ConstTensor(shape, x.floats(), x.longs());
    }

    private static ConstTensor flatten(ConstTensor x, int axisAttr) {
        int axis = Shapes.axis(axisAttr, x.rank() + 1, "Flatten axis");
        long outer = 1;
        for (int d = 0; d < axis; d++) outer *= x.shape()[d];
        return reshaped(x, new int[] {(int) outer, outer == 0 ? 0 : (int) (x.size() / outer)});
    }

    private ConstTensor concat(List<ConstTensor> in, int axisAttr) {
        if (in.isEmpty() || in.contains(null)) throw new ImportProblem("Concat needs one or more inputs");
        if (axisAttr == Integer.MIN_VALUE || in.get(0).rank() == 0) throw new ImportProblem("Concat needs an axis and inputs of rank >= 1");
        ConstTensor first = in.get(0);
        int r = first.rank();
        int axis = Shapes.axis(axisAttr, r, "Concat axis");
        boolean floating = in.stream().anyMatch(ConstTensor::isFloat);
        int[] outShape = first.shape().clone();
        long total = 0;
        for (ConstTensor t : in) {
            if (t.rank() != r) throw new ImportProblem("Concat inputs differ in rank: " + first + " and " + t);
            for (int d = 0; d < r; d++) {
                if (d != axis && t.shape()[d] != outShape[d]) throw new ImportProblem("Concat inputs " + first + " and " + t + " differ off the axis");
            }
            total += t.shape()[axis];
        }
        if (total > Integer.MAX_VALUE - 16) throw new ImportProblem("Concat result too large");
        outShape[axis] = (int) total;
        long count = Shapes.count(outShape);
        budget.charge(count, 8, "Concat result");
        int outer = 1;
        for (int d = 0; d < axis; d++) outer *= outShape[d];
        int outRow = (int) (outer == 0 ? 0 : count / outer);
        float[] f = floating ? new float[(int) count] : null;
        long[] l = floating ? null : new long[(int) count];
        int offset = 0;
        for (ConstTensor t : in) {
            int chunk = outer == 0 ? 0 : t.size() / outer;
            Object src = floating ? t.asFloats() : t.longs();
            for (int o = 0; o < outer; o++) {
                System.arraycopy(src, o * chunk, floating ? f : l, o * outRow + offset, chunk);
            }
            offset += chunk;
        }
        return floating ? ConstTensor.ofFloats(outShape, f) : ConstTensor.ofLongs(outShape, l);
    }

    ConstTensor transpose(ConstTensor x, int[] permOrNull) {
        int r = x.rank();
        int[] perm = permOrNull;
        if (perm == null) {
            perm = new int[r];
            for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
        }
        Shapes.checkPermutation(perm);
        int[] s = x.shape();
        int[] outShape = new int[r];
        for (int d = 0; d < r; d++) outShape[d] = s[perm[d]];
        int[] inStrides = new int[r];
        for (int d = r - 1, stride = 1; d >= 0; stride *= s[d], d--) inStrides[d] = stride;
        budget.charge(x.size(), 8, "Transpose result");
        float[] f = x.isFloat() ? new float[x.size()] : null;
        long[] l = x.isFloat() ? null : new long[x.size()];
        int[] index = new int[r];
        for (int i = 0; i < x.size(); i++) {
            int src = 0;
            for (int d = 0; d < r; d++) src += index[d] * inStrides[perm[d]];
            if (f != null) f[i] = x.floats()[src]; else l[i] = x.longs()[src];
            for (int d = r - 1; d >= 0 && ++index[d] == outShape[d]; d--) index[d] = 0;
        }
        return f != null ? ConstTensor.ofFloats(outShape, f) : ConstTensor.ofLongs(outShape, l);
    }

    private ConstTensor arithmetic(String op, ConstTensor a, ConstTensor b) {
        int[] outShape = Shapes.broadcast(a.shape(), b.shape());
        long count = Shapes.count(outShape);
        budget.charge(count, 8, op + " result");
        int r = outShape.length;
        int[] aStrides = Shapes.broadcastStrides(a.shape(), outShape), bStrides = Shapes.broadcastStrides(b.shape(), outShape);
        boolean floating = a.isFloat() || b.isFloat();
        if (!floating && (a.hasBatch() || b.hasBatch())) {
            throw new ImportProblem(op + " of shape values that depend on the batch size; expected the batch only to be moved");
        }
        float[] af = floating ? a.asFloats() : null, bf = floating ? b.asFloats() : null;
        float[] f = floating ? new float[(int) count] : null;
        long[] l = floating ? null : new long[(int) count];
        int[] index = new int[r];
        for (int i = 0; i < count; i++) {
            int ai = 0, bi = 0;
            for (int d = 0; d < r; d++) { ai += index[d] * aStrides[d]; bi += index[d] * bStrides[d]; }
            if (floating) {
                float x = af[ai], y = bf[bi];
                f[i] = switch (op) { case "Add" -> x + y; case "Sub" -> x - y; case "Mul" -> x * y; default -> x / y; };
            } else {
                long x = a.longs()[ai], y = b.longs()[bi];
                if (op.equals("Div") && y == 0) throw new ImportProblem("integer division by zero");
                l[i] = switch (op) { case "Add" -> x + y; case "Sub" -> x - y; case "Mul" -> x * y; default -> x / y; };
            }
            for (int d = r - 1; d >= 0 && ++index[d] == outShape[d]; d--) index[d] = 0;
        }
        return floating ? ConstTensor.ofFloats(outShape, f) : ConstTensor.ofLongs(outShape, l);
    }

    private ConstTensor map(ConstTensor x, FloatOp fn) {
        budget.charge(x.size(), 4, "result");
        float[] src = x.asFloats();
        float[] out = new float[src.length];
        for (int i = 0; i < out.length; i++) out[i] = fn.apply(src[i]);
        return ConstTensor.ofFloats(x.shape(), out);
    }

    private interface FloatOp { float apply(float v); }
}
