package dev.sparrow.infer;

import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.nn.layers.Im2col;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans a {@link ModelGraph} for the CPU: one lowering rule per op kind. A Dense becomes a {@link LinearStep} in
 * the format the {@link FormatChooser} picks, with a ReLU or k-WTA fused when it is the Dense's only consumer; a
 * Conv becomes a {@link ConvStep} with a BatchNorm that is its only consumer folded in and a ReLU after that
 * fused; Flatten, Reshape and Identity only rename a buffer; every other op becomes a step of plain loops over
 * preallocated buffers. Transposes are inserted where a step reads a layout its input was not written in
 * (each value converted at most once). Buffers are then assigned by liveness: a value keeps its buffer until
 * its last reader has run, so values read by several nodes (residual joins) are ordinary.
 */
final class Planner {
    /** -Dsparrow.conv.direct=false keeps every convolution on im2col (for before/after measurements). */
    /**
     * The layout an untuned session gives a convolution after a k-WTA (timed sessions time them all):
     * {@code -Dsparrow.sparseInput.convLayout=} scatter (the default), blocks, or complementary (where the masks are;
     * else the scatter). Read when a session is planned.
     */
    static final String CONV_LAYOUT_PROPERTY = "sparrow.sparseInput.convLayout";
    static final boolean DIRECT_CONV = !"false".equals(System.getProperty("sparrow.conv.direct"));
    /** -Dsparrow.conv.tiled=false leaves the pixel-tiled dense convolution out of the conv path timing. */
    static final boolean TILED_CONV = !"false".equals(System.getProperty("sparrow.conv.tiled"));

    private final InferenceSession.Builder b;
    private final ModelGraph g;
    private final Map<String, float[]> masks;
    private final ComputePool pool;
    private final FormatChooser formats;
    private final Map<String, List<GraphNode>> consumers = new HashMap<>();
    private final Map<String, String> alias = new HashMap<>();
    private final Map<String, Boolean> transposed = new HashMap<>();
    private final Map<String, int[]> shapes = new HashMap<>();
    private final Map<String, String> converted = new HashMap<>();
    private final Set<String> fused = new HashSet<>();
    /** Values written by a k-WTA (its own step or fused into a Linear): mostly zeros, so their readers may skip them. */
    private final Map<String, Double> winners = new HashMap<>(); // and the fraction of each sample that wins
    private final List<String> weighted = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final List<List<String>> stepInputs = new ArrayList<>();
    private final List<String> stepOutputs = new ArrayList<>();
    private final List<PlanNode> described = new ArrayList<>();

    Planner(InferenceSession.Builder b, ModelGraph graph, Map<String, float[]> masks, ComputePool pool) {
        this.b = b;
        this.g = graph;
        this.masks = masks;
        this.pool = pool;
        this.formats = new FormatChooser(b, pool);
    }

    InferenceSession plan() {
        for (GraphNode n : g.nodes()) for (String in : n.inputs()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        shapes.put(g.inputName(), g.inputShape());
        transposed.put(g.inputName(), false);
        for (GraphNode n : g.nodes()) {
            if (fused.contains(n.name())) continue;
            shapes.put(n.output(), g.sampleShape(n.output()));
            try {
                lower(n);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException(n.describe() + ": " + e.getMessage(), e);
            }
        }
        formats.checkForcedLayersExist(weighted);
        String out = g.outputs().get(0);
        return new InferenceSession(b, allocate(out), formats.choices(), pool);
    }

    /** One rule per op kind. */
    private void lower(GraphNode n) {
        String in = n.inputs().get(0);
        int[] inShape = g.sampleShape(in);
        int[] outShape = g.sampleShape(n.output());
        switch (n.op()) {
            case Op.Dense d -> dense(n, d, inShape, outShape);
            case Op.Conv c -> conv(n, c, inShape, outShape);
            case Op.Unary u when u.kind() == Op.UnaryKind.IDENTITY -> rename(n);
            case Op.Unary u when u.kind() == Op.UnaryKind.RELU -> add(n, new ReluStep(size(inShape)), n.inputs(), n.output(), null);
            case Op.Unary u -> add(n, new UnaryStep(u, size(inShape)), n.inputs(), n.output(), null);
            case Op.Flatten f -> rename(n);
            case Op.Reshape r -> rename(n);
            case Op.Binary bin -> binary(n, bin, inShape, outShape);
            case Op.BatchNorm bn -> add(n, ChannelStep.batchNorm(bn.scale().data(), bn.shift().data(), size(inShape) / inShape[0]),
                    n.inputs(), n.output(), null);
            case Op.MaxPool p -> add(n, new PoolStep(true, inShape, outShape, p.kernel(), p.strides(), p.pads(), p.dilations(), false),
                    n.inputs(), n.output(), null);
            case Op.AveragePool p -> add(n, new PoolStep(false, inShape, outShape, p.kernel(), p.strides(), p.pads(), new int[] {1, 1},
                    p.countIncludePad()), n.inputs(), n.output(), null);
            case Op.GlobalAveragePool p -> add(n, ChannelStep.globalAverage(inShape[0], size(inShape) / inShape[0]), n.inputs(), n.output(), null);
            case Op.ReduceMean r -> add(n, new ReduceMeanStep(IndexMaps.reduction(inShape, r.axes()), size(outShape)), n.inputs(), n.output(), null);
            case Op.Transpose t -> add(n, new GatherStep("Transpose", IndexMaps.transpose(inShape, t.perm()), size(inShape)), n.inputs(), n.output(), null);
            case Op.Slice sl -> add(n, new GatherStep("Slice", IndexMaps.slice(inShape, sl.starts(), sl.steps(), outShape), size(inShape)),
                    n.inputs(), n.output(), null);
            case Op.Concat c -> concat(n, c, outShape);
            case Op.Softmax s -> {
                int axis = s.axis() - 1;
                add(n, new SoftmaxStep(product(inShape, 0, axis), inShape[axis], product(inShape, axis + 1, inShape.length)),
                        n.inputs(), n.output(), null);
            }
            case Op.KWinners k -> {
                add(n, new KWinnersStep(k.k(), size(inShape), k.local() ? inShape[0] : 0, b.winnerSelection, pool),
                        n.inputs(), n.output(), null);
                winners.put(n.output(), (double) k.k() / (k.local() ? inShape[0] : size(inShape)));
            }
        }
    }

    private void dense(GraphNode n, Op.Dense d, int[] inShape, int[] outShape) {
        if (inShape.length != 1) {
            add(n, LoopStep.dense(n.name(), d, inShape, outShape), n.inputs(), n.output(), null);
            return;
        }
        GraphNode next = soleConsumer(n.output());
        boolean relu = next != null && next.op() instanceof Op.Unary u && u.kind() == Op.UnaryKind.RELU;
        int winners = next != null && next.op() instanceof Op.KWinners k ? k.k() : -1;
        String out = n.output();
        String label = n.name();
        if (relu || winners >= 0) {
            fused.add(next.name());
            out = next.output();
            label += "+" + next.name();
            shapes.put(out, outShape);
        }
        float[] values = d.weight().data().clone();
        float[] bias = d.bias() == null ? null : d.bias().data().clone();
        boolean sparseInput = b.sparseInput && isWinners(n.inputs().get(0));
        FormatChooser.Choice c = sparseInput
                ? formats.sparseInput(n.name(), mask(n.name(), values), values, d.outFeatures(), d.inFeatures(), bias, relu, b.batchSize)
                : formats.choose(n.name(), mask(n.name(), values), values, d.outFeatures(), d.inFeatures(), bias, relu, b.batchSize);
        weighted.add(n.name());
        if (winners >= 0) this.winners.put(out, (double) winners / d.outFeatures());
        LinearStep step = new LinearStep(n.name(), c.matrix(), bias, relu, winners, b.sparseKernels, pool, c.tuning(), c.detected(),
                sparseInput, b.winnerSelection);
        if (step.sparseInput && b.tuning && !b.forced.containsKey(n.name()) && !b.forced.containsKey("*")) {
            // time the winners-only step against the format tuned on dense inputs, on inputs as sparse as the winners
            FormatChooser.Choice tuned = formats.choose(n.name(), mask(n.name(), values), values, d.outFeatures(),
                    d.inFeatures(), bias, relu, b.batchSize);
            LinearStep weightSparse = new LinearStep(n.name(), tuned.matrix(), bias, relu, winners, b.sparseKernels, pool,
                    tuned.tuning(), tuned.detected(), false, b.winnerSelection);
            SparseInputChooser.Result r = SparseInputChooser.choose(step, weightSparse, winnerDensity(n.inputs().get(0)),
                    true, b.batchSize, 0, 0, pool, timer());
            formats.keepOne(n.name(), r.sparseInputWins() ? 0 : 1, r);
            if (r.sparseInputWins()) step.sparseTiming = r;
            else step = weightSparse;
        }
        add(n, step, n.inputs(), out, label);
    }

    private void conv(GraphNode n, Op.Conv c, int[] inShape, int[] outShape) {
        int kh = c.weight().dim(2), kw = c.weight().dim(3);
        int[] p = c.pads();
        boolean im2col = c.groups() == 1 && c.strides()[0] == c.strides()[1] && c.dilations()[0] == 1 && c.dilations()[1] == 1
                && p[0] == p[1] && p[0] == p[2] && p[0] == p[3];
        if (!im2col) {
            add(n, LoopStep.conv(n.name(), c, inShape, outShape), n.inputs(), n.output(), null);
            return;
        }
        int rows = c.outChannels(), cols = c.inChannels() * kh * kw;
        float[] values = c.weight().data().clone();
        float[] mask = mask(n.name(), values); // before folding: the zeros of the weights as given
        float[] bias = c.bias() == null ? null : c.bias().data().clone();
        String out = n.output();
        String label = n.name();
        GraphNode next = soleConsumer(out);
        boolean bnFolded = next != null && next.op() instanceof Op.BatchNorm;
        if (bnFolded) {
            Op.BatchNorm bn = (Op.BatchNorm) next.op();
            bias = BatchNormFolding.fold(bn.scale().data(), bn.shift().data(), values, bias, rows, cols);
            fused.add(next.name());
            out = next.output();
            label += "+" + next.name();
            next = soleConsumer(out);
        }
        boolean relu = next != null && next.op() instanceof Op.Unary u && u.kind() == Op.UnaryKind.RELU;
        if (relu) {
            fused.add(next.name());
            out = next.output();
            label += "+" + next.name();
        }
        shapes.put(out, outShape);
        Im2col geometry = new Im2col(inShape[0], inShape[1], inShape[2], kh, kw, c.strides()[0], p[0]);
        if (b.sparseInput && c.strides()[0] == 1 && p[0] < kw && isWinners(n.inputs().get(0)) && !b.forced.containsKey(n.name())
                && !b.forced.containsKey("*")) {
            // on a k-WTA output: visit the nonzero inputs only (the masked weights are zeros of the packed list)
            if (mask != null) for (int i = 0; i < values.length; i++) if (mask[i] == 0f) values[i] = 0f;
            weighted.add(n.name());
            SparseInputConvStep sparse = new SparseInputConvStep(n.name(), values, rows, bias, relu, bnFolded, geometry, pool);
            // the channels-last layout vectorised over blocks of output channels, timed against the scalar scatter
            SparseInputConvStep blocks = new SparseInputConvStep(n.name(), values, rows, bias, relu, bnFolded, geometry, pool,
                    ScatterKernels.of(dev.sparrow.kernel.Backend.get()));
            String layout = System.getProperty(CONV_LAYOUT_PROPERTY, "scatter");
            SparseInputConvStep packed = SparseInputConvStep.complementary(n.name(), values, rows, bias, relu, bnFolded,
                    geometry, pool);
            Step chosen = layout.equals("blocks") ? blocks : layout.equals("complementary") && packed != null ? packed : sparse;
            if (b.tuning) {
                // time it against the weight-sparse im2col step, on inputs as sparse as the winners
                int columns = geometry.cols() * ConvStep.group(geometry.cols(), b.batchSize);
                FormatChooser.Choice choice = formats.choose(n.name(), mask, values, rows, cols, bias, relu, columns);
                // the weight-sparse step on its faster path (im2col or direct), as it would run without the k-WTA
                ConvStep conv = weightSparseConv(n, choice, bias, relu, bnFolded, geometry);
                // and, where the masks are complementary, the packed layout (fixed-length passes, products routed)
                List<SparseInputConvStep> candidates = packed == null ? List.of(sparse, blocks) : List.of(sparse, blocks, packed);
                List<String> names = packed == null ? List.of("scatter", "channel blocks")
                        : List.of("scatter", "channel blocks", "complementary packed");
                int columnFloats = conv.columnFloats();
                for (SparseInputConvStep s : candidates) columnFloats = Math.max(columnFloats, s.columnFloats());
                SparseInputChooser.Result r = SparseInputChooser.choose(List.copyOf(candidates), names, conv,
                        winnerDensity(n.inputs().get(0)), false, b.batchSize, columnFloats, conv.stagingFloats(), pool, timer());
                SparseInputConvStep best = candidates.get(r.sparseChoice());
                formats.keepSparseInputConv(n.name(), r, best.nnz, best.format());
                if (r.sparseInputWins()) best.timing = r;
                else conv.sparseTiming = r;
                chosen = r.sparseInputWins() ? best : conv;
            }
            add(n, chosen, n.inputs(), out, label);
            return;
        }
        int columns = geometry.cols() * ConvStep.group(geometry.cols(), b.batchSize);
        FormatChooser.Choice choice = formats.choose(n.name(), mask, values, rows, cols, bias, relu, columns);
        weighted.add(n.name());
        add(n, weightSparseConv(n, choice, bias, relu, bnFolded, geometry), n.inputs(), out, label);
    }

    /** The convolution on its chosen format, by im2col or, where timed faster, direct over padded planes. */
    private ConvStep weightSparseConv(GraphNode n, FormatChooser.Choice choice, float[] bias, boolean relu, boolean bnFolded,
                                      Im2col geometry) {
        ConvStep step = new ConvStep(n.name(), choice.matrix(), bias, relu, bnFolded, geometry, b.batchSize, b.sparseKernels,
                pool, choice.tuning(), choice.detected());
        boolean forced = b.forced.containsKey(n.name()) || b.forced.containsKey("*");
        boolean dense = choice.matrix().format().equals("dense");
        if (b.tuning && (!forced || dense) && DIRECT_CONV && (geometry.stride == 1 || dense)) {
            // a convolution may run direct over padded planes instead: timed against im2col here. A forced
            // sparse format keeps its own kernel (the direct one is a CSR walk); forced dense weights stay dense either way
            // (the direct forms multiply every weight too), so "dense everywhere" still gets the faster conv path.
            // Shifted planes need stride 1; dense weights also have the pixel-tiled kernel, for any stride
            List<String> names = new ArrayList<>(List.of("im2col"));
            List<ConvStep> steps = new ArrayList<>(List.of(step));
            if (geometry.stride == 1) {
                names.add("direct");
                steps.add(new ConvStep(n.name(), choice.matrix(), bias, relu, bnFolded, geometry, b.batchSize,
                        b.sparseKernels, pool, choice.tuning(), choice.detected(), ConvStep.Path.SHIFTED));
            }
            if (dense && TILED_CONV) {
                names.add("tiled");
                steps.add(new ConvStep(n.name(), choice.matrix(), bias, relu, bnFolded, geometry, b.batchSize,
                        b.sparseKernels, pool, choice.tuning(), choice.detected(), ConvStep.Path.TILED));
            }
            if (steps.size() > 1) step = ConvPathChooser.fastest(names, steps, b.batchSize, pool.threads(), b.tuningTimer());
        }
        return step;
    }

    private void binary(GraphNode n, Op.Binary bin, int[] a, int[] out) {
        if (bin.constant() == null) {
            int[] c = g.sampleShape(n.inputs().get(1));
            int[] left = IndexMaps.broadcast(a, out), right = IndexMaps.broadcast(c, out);
            add(n, new BinaryStep(bin, size(out), left, size(a), right, size(c)), n.inputs(), n.output(), null);
            return;
        }
        int[] cs = constantAsSample(bin.constant().shape(), a.length);
        add(n, new BinaryStep(bin, size(out), IndexMaps.broadcast(a, out), size(a), IndexMaps.broadcast(cs, out), size(cs)),
                n.inputs(), n.output(), null);
    }

    /** A constant's shape right-aligned against [N, sample...] (its batch position, if any, is 1). */
    private static int[] constantAsSample(int[] constant, int rank) {
        int[] s = new int[rank];
        Arrays.fill(s, 1);
        int skip = Math.max(0, constant.length - rank);
        System.arraycopy(constant, skip, s, rank - (constant.length - skip), constant.length - skip);
        return s;
    }

    private void concat(GraphNode n, Op.Concat c, int[] outShape) {
        int axis = c.axis() - 1;
        int inner = product(outShape, axis + 1, outShape.length);
        int[] chunks = new int[n.inputs().size()];
        for (int k = 0; k < chunks.length; k++) chunks[k] = g.sampleShape(n.inputs().get(k))[axis] * inner;
        add(n, new ConcatStep(product(outShape, 0, axis), chunks, size(outShape)), n.inputs(), n.output(), null);
    }

    /**
     * The 0/1 mask of a weight: the one the model's layer carries, or, for an imported graph, its nonzeros (null
     * when it has no zeros: dense).
     */
    private float[] mask(String node, float[] values) {
        if (masks != null) return masks.get(node);
        float[] m = new float[values.length];
        int zeros = 0;
        for (int i = 0; i < values.length; i++) {
            boolean keep = values[i] != 0f;
            m[i] = keep ? 1f : 0f;
            zeros += keep ? 0 : 1;
        }
        return zeros == 0 ? null : m;
    }

    /** Whether {@code value} (or the value it renames) was written by a k-WTA. */
    private boolean isWinners(String value) {
        return winners.containsKey(root(value));
    }

    /** The fraction of each sample that wins in {@code value}, a k-WTA output. */
    private double winnerDensity(String value) {
        return winners.get(root(value));
    }

    /** The tuning timer, as the format chooser's. */
    private SideBySideTimer timer() {
        return b.clock == SideBySideTimer.SYSTEM ? SideBySideTimer.system(SideBySideTimer.Plan.forTuning(b.budgetMillis))
                : new SideBySideTimer(b.clock, SideBySideTimer.Plan.forTuning(b.budgetMillis));
    }

    private GraphNode soleConsumer(String value) {
        List<GraphNode> c = consumers.get(value);
        return c != null && c.size() == 1 && !g.outputs().contains(value) ? c.get(0) : null;
    }

    /** An op that moves no data in either layout: its output shares its input's buffer. */
    private void rename(GraphNode n) {
        String in = n.inputs().get(0);
        alias.put(n.output(), in);
        transposed.put(n.output(), transposed.get(in));
    }

    /** Adds a step reading {@code inputs} (converted to the layout it reads) and writing {@code out}. */
    private void add(GraphNode n, Step step, List<String> inputs, String out, String label) {
        Boolean wants = step.readsTransposed();
        List<String> ins = new ArrayList<>(inputs);
        if (wants == null) wants = transposed.get(ins.get(0)); // a step of several inputs reads them in one layout
        for (int i = 0; i < ins.size(); i++) {
            if (ins.size() > 1 || step.readsTransposed() != null) ins.set(i, inLayout(ins.get(i), wants));
        }
        boolean writes = step.writesTransposed(transposed.get(ins.get(0)));
        transposed.put(out, writes);
        record(step, ins, out, new PlanNode(label == null ? n.name() : label, n.op().opName(), ins, out, g.sampleShape(out),
                writes ? "CN" : "NCHW", step.format()));
    }

    /** The value in the wanted layout: itself, or a transposed copy (made once per value and layout). */
    private String inLayout(String value, boolean wantsTransposed) {
        if (transposed.get(value) == wantsTransposed) return value;
        String key = value + (wantsTransposed ? "^T" : "^N");
        if (converted.putIfAbsent(key, key) == null) {
            int[] shape = shapes.containsKey(value) ? shapes.get(value) : g.sampleShape(value);
            shapes.put(key, shape);
            transposed.put(key, wantsTransposed);
            record(new TransposeStep(size(shape), wantsTransposed), List.of(value), key,
                    new PlanNode(key, "Transpose(layout)", List.of(value), key, shape, wantsTransposed ? "CN" : "NCHW", null));
        }
        return key;
    }

    private void record(Step step, List<String> ins, String out, PlanNode node) {
        steps.add(step);
        stepInputs.add(ins);
        stepOutputs.add(out);
        described.add(node);
    }

    private String root(String value) {
        String v = value;
        while (alias.containsKey(v)) v = alias.get(v);
        return v;
    }

    private int floats(String value) {
        int[] s = shapes.containsKey(value) ? shapes.get(value) : g.sampleShape(value);
        return size(s);
    }

    /** Buffers by liveness: a step's output takes a free buffer; a value's buffer is freed after its last reader. */
    private CpuPlan allocate(String output) {
        Map<String, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) for (String in : stepInputs.get(i)) lastUse.put(root(in), i);
        String outRoot = root(output);
        lastUse.put(outRoot, Integer.MAX_VALUE);
        List<Integer> slotFloats = new ArrayList<>();
        Deque<Integer> free = new ArrayDeque<>();
        Map<String, Integer> slotOf = new HashMap<>();
        slotOf.put(g.inputName(), 0);
        slotFloats.add(floats(g.inputName()));
        int maxFeatures = floats(g.inputName());
        int columnFloats = 0, stagingFloats = 0;
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            String out = stepOutputs.get(i);
            int need = floats(out);
            maxFeatures = Math.max(maxFeatures, need);
            int slot = free.isEmpty() ? slotFloats.size() : free.pop();
            if (slot == slotFloats.size()) slotFloats.add(need);
            else slotFloats.set(slot, Math.max(slotFloats.get(slot), need));
            slotOf.put(out, slot);
            int[] ins = new int[stepInputs.get(i).size()];
            for (int k = 0; k < ins.length; k++) ins[k] = slotOf.get(root(stepInputs.get(i).get(k)));
            s.bind(ins, slot);
            for (String in : stepInputs.get(i)) {
                String r = root(in);
                if (lastUse.get(r) == i && slotOf.containsKey(r) && !free.contains(slotOf.get(r))) free.push(slotOf.get(r));
            }
            if (!lastUse.containsKey(out)) free.push(slot); // never read
            if (s instanceof SparseInputConvStep c) columnFloats = Math.max(columnFloats, c.columnFloats());
            if (s instanceof ConvStep c) {
                columnFloats = Math.max(columnFloats, c.columnFloats());
                stagingFloats = Math.max(stagingFloats, c.stagingFloats());
            }
        }
        int[] sizes = new int[slotFloats.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = slotFloats.get(i);
        return new CpuPlan(steps.toArray(new Step[0]), List.copyOf(described), slotOf.get(g.inputName()), slotOf.get(outRoot),
                transposed.get(output), g.sampleSize(output), sizes, maxFeatures, columnFloats, stagingFloats);
    }

    private static int size(int[] shape) { return Tensor.checkedSize(shape); }

    private static int product(int[] s, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= s[i];
        return p;
    }
}
