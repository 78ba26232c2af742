package dev.sparrow.graph;

import dev.sparrow.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One operation of a {@link ModelGraph}. Every value an op reads or writes is [batch, sample dims...]; the shapes
 * an op sees in {@link #outputShape} are sample shapes (the batch left out, because it is symbolic), while axes
 * and permutations are given over the full rank (axis 0 is the batch) as ONNX and NumPy count them.
 * Weights and constants are held as {@link Tensor}s: the graph is a description, the planner decides layouts.
 */
public sealed interface Op {
    /** How many values the op reads; -1 for one or more (Concat). */
    int arity();

    /** The sample shape of the output from the sample shapes of the inputs; IllegalArgumentException if they do not fit. */
    int[] outputShape(List<int[]> inputs);

    /** The op's name in error messages and dumps. */
    default String opName() { return getClass().getSimpleName(); }

    /** y = x W^T + b over the last axis: weight [out, in], bias [out] or null. */
    record Dense(Tensor weight, Tensor bias) implements Op {
        public Dense {
            Objects.requireNonNull(weight, "weight");
            require(weight.rank() == 2, "Dense weight must be [out, in], not " + weight.shapeString());
            require(bias == null || bias.hasShape(weight.dim(0)),
                    "Dense bias must be [" + weight.dim(0) + "], not " + (bias == null ? "" : bias.shapeString()));
        }
        public int outFeatures() { return weight.dim(0); }
        public int inFeatures() { return weight.dim(1); }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            require(s.length >= 1 && s[s.length - 1] == inFeatures(),
                    "Dense expects [batch, ..., " + inFeatures() + "], got [N, " + join(s) + "]");
            int[] out = s.clone();
            out[out.length - 1] = outFeatures();
            return out;
        }
    }

    /**
     * 2-D convolution (cross-correlation) of [C, H, W] samples: weight [cout, cin / groups, kh, kw], bias [cout] or
     * null, strides {sh, sw}, pads {top, left, bottom, right} (ONNX's begin..., end... order), dilations {dh, dw}.
     */
    record Conv(Tensor weight, Tensor bias, int[] strides, int[] pads, int[] dilations, int groups) implements Op {
        public Conv {
            Objects.requireNonNull(weight, "weight");
            require(weight.rank() == 4, "Conv weight must be [cout, cin/groups, kh, kw], not " + weight.shapeString());
            require(groups >= 1 && weight.dim(0) % groups == 0,
                    "Conv groups " + groups + " must divide the " + weight.dim(0) + " output channels");
            require(bias == null || bias.hasShape(weight.dim(0)), "Conv bias must be [" + weight.dim(0) + "]");
            require(strides.length == 2 && strides[0] >= 1 && strides[1] >= 1, "Conv strides must be 2 positive ints");
            require(dilations.length == 2 && dilations[0] >= 1 && dilations[1] >= 1,
                    "Conv dilations must be 2 positive ints");
            require(pads.length == 4 && Arrays.stream(pads).allMatch(p -> p >= 0), "Conv pads must be 4 ints >= 0");
            strides = strides.clone();
            pads = pads.clone();
            dilations = dilations.clone();
        }
        public int outChannels() { return weight.dim(0); }
        public int inChannels() { return weight.dim(1) * groups; }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            require(s.length == 3 && s[0] == inChannels(),
                    "Conv expects [N, " + inChannels() + ", H, W], got [N, " + join(s) + "]");
            return new int[] {outChannels(),
                    Windows.outputSize(s[1], weight.dim(2), strides[0], pads[0], pads[2], dilations[0], false),
                    Windows.outputSize(s[2], weight.dim(3), strides[1], pads[1], pads[3], dilations[1], false)};
        }
    }

    /** y = x * scale[c] + shift[c] over axis 1 (a batch norm not folded into a convolution). */
    record BatchNorm(Tensor scale, Tensor shift) implements Op {
        public BatchNorm {
            require(scale.rank() == 1 && shift.hasShape(scale.dim(0)), "BatchNorm scale and shift must be [C]");
        }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            require(s.length >= 1 && s[0] == scale.dim(0),
                    "BatchNorm expects [N, " + scale.dim(0) + ", ...], got [N, " + join(s) + "]");
            return s.clone();
        }
    }

    /** An elementwise function; alpha and beta are the parameters of the kinds that have them. */
    record Unary(UnaryKind kind, float alpha, float beta) implements Op {
        public Unary {
            Objects.requireNonNull(kind, "kind");
            require(kind != UnaryKind.CLIP || !(alpha > beta), "Clip min " + alpha + " exceeds max " + beta);
        }
        public static Unary of(UnaryKind kind) { return new Unary(kind, 0f, 0f); }
        public static Unary leakyRelu(float alpha) { return new Unary(UnaryKind.LEAKY_RELU, alpha, 0f); }
        public static Unary clip(float min, float max) { return new Unary(UnaryKind.CLIP, min, max); }
        /** max(0, min(1, alpha * x + beta)) (ONNX HardSigmoid; PyTorch's is alpha 1/6, beta 0.5). */
        public static Unary hardSigmoid(float alpha, float beta) { return new Unary(UnaryKind.HARD_SIGMOID, alpha, beta); }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) { return in.get(0).clone(); }
        @Override public String opName() { return "Unary(" + kind + ")"; }
    }

    /** HARD_SWISH is x * HardSigmoid(x) with alpha 1/6, beta 0.5 (MobileNetV3's activation). */
    enum UnaryKind { IDENTITY, RELU, LEAKY_RELU, SIGMOID, TANH, ERF, GELU, GELU_TANH, CLIP, NEG, ABS, EXP, SQRT, HARD_SIGMOID, HARD_SWISH }

    enum BinaryKind { ADD, SUB, MUL, DIV }

    /**
     * An elementwise op with NumPy broadcasting, of two values (same rank) or of one value and a constant. A
     * constant has no batch dimension or a batch dimension of 1 (its rank is at most the value's full rank);
     * constantFirst says it is the left operand (c - x, c / x).
     */
    record Binary(BinaryKind kind, Tensor constant, boolean constantFirst) implements Op {
        public Binary {
            Objects.requireNonNull(kind, "kind");
            require(constant != null || !constantFirst, "constantFirst without a constant");
        }
        public static Binary ofValues(BinaryKind kind) { return new Binary(kind, null, false); }
        public static Binary withConstant(BinaryKind kind, Tensor constant, boolean constantFirst) {
            return new Binary(kind, Objects.requireNonNull(constant, "constant"), constantFirst);
        }
        @Override public int arity() { return constant == null ? 2 : 1; }
        @Override public int[] outputShape(List<int[]> in) {
            int[] a = in.get(0);
            int[] b = constant == null ? in.get(1) : Broadcast.constantAsSample(constant.shape(), a.length);
            return Broadcast.shape(a, b);
        }
        @Override public String opName() { return "Binary(" + kind + (constant == null ? "" : ", constant") + ")"; }
    }

    /** Max pooling of [C, H, W] samples; padding never wins a maximum. Pads {top, left, bottom, right}. */
    record MaxPool(int[] kernel, int[] strides, int[] pads, int[] dilations, boolean ceilMode) implements Op {
        public MaxPool {
            Windows.check(kernel, strides, pads, dilations);
            kernel = kernel.clone(); strides = strides.clone(); pads = pads.clone(); dilations = dilations.clone();
        }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) { return Windows.poolShape(in.get(0), kernel, strides, pads, dilations, ceilMode); }
    }

    /** Average pooling of [C, H, W] samples; countIncludePad says whether padded cells count in the divisor. */
    record AveragePool(int[] kernel, int[] strides, int[] pads, boolean ceilMode, boolean countIncludePad) implements Op {
        public AveragePool {
            Windows.check(kernel, strides, pads, new int[] {1, 1});
            kernel = kernel.clone(); strides = strides.clone(); pads = pads.clone();
        }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) { return Windows.poolShape(in.get(0), kernel, strides, pads, new int[] {1, 1}, ceilMode); }
    }

    /** The mean over every axis after the channel axis: [C, ...] to [C, 1, ...]. */
    record GlobalAveragePool() implements Op {
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            require(s.length >= 2, "GlobalAveragePool expects [N, C, spatial...], got [N, " + join(s) + "]");
            int[] out = new int[s.length];
            Arrays.fill(out, 1);
            out[0] = s[0];
            return out;
        }
    }

    /** The mean over the given axes (full-rank, never the batch axis 0). */
    record ReduceMean(int[] axes, boolean keepDims) implements Op {
        public ReduceMean {
            require(axes.length > 0 && Arrays.stream(axes).allMatch(a -> a >= 1), "ReduceMean axes must be >= 1 (not the batch)");
            require(Arrays.stream(axes).distinct().count() == axes.length, "ReduceMean axes repeat: " + Arrays.toString(axes));
            axes = axes.clone();
        }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            boolean[] reduced = new boolean[s.length];
            for (int a : axes) {
                require(a <= s.length, "ReduceMean axis " + a + " out of range for [N, " + join(s) + "]");
                reduced[a - 1] = true;
            }
            int[] out = new int[s.length];
            int n = 0;
            for (int i = 0; i < s.length; i++) {
                if (!reduced[i]) out[n++] = s[i];
                else if (keepDims) out[n++] = 1;
            }
            return Arrays.copyOf(out, n);
        }
    }

    /** [N, ...] to [N, product of the rest]. */
    record Flatten() implements Op {
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) { return new int[] {Tensor.checkedSize(in.get(0))}; }
    }

    /** [N, ...] to [N, shape...]: the data in the same order, the batch kept. */
    record Reshape(int[] shape) implements Op {
        public Reshape {
            require(Arrays.stream(shape).allMatch(d -> d >= 0), "Reshape target has a negative dim " + Arrays.toString(shape));
            shape = shape.clone();
        }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            require(Tensor.checkedSize(in.get(0)) == Tensor.checkedSize(shape),
                    "Reshape of [N, " + join(in.get(0)) + "] to [N, " + join(shape) + "] changes the element count");
            return shape.clone();
        }
    }

    /** Permutes the axes; perm is full-rank and keeps the batch first (perm[0] == 0). */
    record Transpose(int[] perm) implements Op {
        public Transpose {
            require(perm.length >= 1 && perm[0] == 0, "Transpose must keep the batch axis first: " + Arrays.toString(perm));
            boolean[] seen = new boolean[perm.length];
            for (int p : perm) {
                require(p >= 0 && p < perm.length && !seen[p], "Transpose perm is not a permutation: " + Arrays.toString(perm));
                seen[p] = true;
            }
            perm = perm.clone();
        }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            require(s.length + 1 == perm.length, "Transpose perm " + Arrays.toString(perm) + " does not fit [N, " + join(s) + "]");
            int[] out = new int[s.length];
            for (int i = 1; i < perm.length; i++) out[i - 1] = s[perm[i] - 1];
            return out;
        }
    }

    /**
     * Every step-th element from start towards end (exclusive) along each sample axis (arrays over the sample axes,
     * the batch left out and kept whole): ONNX's Slice with its starts and ends already clamped to one input shape,
     * so that each taken index lies inside the axis (a negative step walks backwards).
     */
    record Slice(int[] starts, int[] ends, int[] steps) implements Op {
        public Slice {
            require(starts.length == ends.length && starts.length == steps.length, "Slice starts, ends and steps differ in length");
            require(Arrays.stream(steps).noneMatch(s -> s == 0), "Slice steps must not be 0: " + Arrays.toString(steps));
            starts = starts.clone();
            ends = ends.clone();
            steps = steps.clone();
        }
        /** How many indices axis d takes. */
        public int count(int d) {
            long span = steps[d] > 0 ? (long) ends[d] - starts[d] : (long) starts[d] - ends[d];
            long step = Math.abs((long) steps[d]);
            return (int) Math.max(0, (span + step - 1) / step);
        }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            int[] s = in.get(0);
            require(s.length == starts.length, "Slice of rank " + (starts.length + 1) + " does not fit [N, " + join(s) + "]");
            int[] out = new int[s.length];
            for (int d = 0; d < s.length; d++) {
                out[d] = count(d);
                long last = starts[d] + (long) (out[d] - 1) * steps[d];
                require(out[d] == 0 || (starts[d] >= 0 && starts[d] < s[d] && last >= 0 && last < s[d]),
                        "Slice of axis " + (d + 1) + " from " + starts[d] + " to " + ends[d] + " by " + steps[d] + " leaves [0, " + s[d] + ")");
            }
            return out;
        }
        @Override public String opName() { return "Slice"; }
    }

    /** Joins values along a full-rank axis other than the batch. */
    record Concat(int axis) implements Op {
        public Concat { require(axis >= 1, "Concat axis must be >= 1 (not the batch), not " + axis); }
        @Override public int arity() { return -1; }
        @Override public int[] outputShape(List<int[]> in) {
            int[] first = in.get(0);
            require(axis <= first.length, "Concat axis " + axis + " out of range for [N, " + join(first) + "]");
            int[] out = first.clone();
            long total = 0;
            for (int[] s : in) {
                require(s.length == first.length, "Concat inputs differ in rank: [N, " + join(first) + "] and [N, " + join(s) + "]");
                for (int i = 0; i < s.length; i++) {
                    require(i == axis - 1 || s[i] == first[i],
                            "Concat inputs [N, " + join(first) + "] and [N, " + join(s) + "] differ off axis " + axis);
                }
                total += s[axis - 1];
            }
            require(total <= Integer.MAX_VALUE - 16, "Concat result too large");
            out[axis - 1] = (int) total;
            Tensor.checkedSize(out);
            return out;
        }
    }

    /**
     * k-winners-take-all at evaluation (Sparrow's k-WTA layers): of each sample's values (the whole sample, flattened)
     * the k largest stay and the others become 0, ties going to the lower index (local: the k largest channels at each
     * location of a [C, H, W] sample, as KWinners2d.local). ONNX has no such op (its TopK
     * returns values and indices, not a masked copy), so only Sparrow's own models use it.
     */
    record KWinners(int k, boolean local) implements Op {
        public KWinners { require(k >= 0, "KWinners k must be >= 0, not " + k); }
        /** Winners over each sample's values (KWinners, KWinners2d global). */
        public KWinners(int k) { this(k, false); }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            // local winners compete along the channels at each location: [C, H, W] samples only
            require(!local || in.get(0).length == 3, "local KWinners needs [N, C, H, W], not [N, " + join(in.get(0)) + "]");
            return in.get(0).clone();
        }
        @Override public String opName() { return "KWinners(k=" + k + (local ? ", local" : "") + ")"; }
    }

    /** Softmax along a full-rank axis other than the batch. */
    record Softmax(int axis) implements Op {
        public Softmax { require(axis >= 1, "Softmax axis must be >= 1 (not the batch), not " + axis); }
        @Override public int arity() { return 1; }
        @Override public int[] outputShape(List<int[]> in) {
            require(axis <= in.get(0).length, "Softmax axis " + axis + " out of range for [N, " + join(in.get(0)) + "]");
            return in.get(0).clone();
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    private static String join(int[] s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length; i++) b.append(i == 0 ? "" : ", ").append(s[i]);
        return b.toString();
    }
}
