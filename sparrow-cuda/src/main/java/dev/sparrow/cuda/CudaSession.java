package dev.sparrow.cuda;

import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.infer.BatchNormFolding;
import dev.sparrow.infer.Device;
import dev.sparrow.infer.LoweredModel;
import dev.sparrow.infer.PlanNode;
import dev.sparrow.infer.Predictor;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.nn.Layer;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A whole {@link ModelGraph} run on the GPU (the counterpart of {@code InferenceSession}'s CPU plan): every Dense
 * node's weights are uploaded once, in the format that ran fastest on this device at the session's batch among
 * the GPU candidates ({@code dense}, {@code condensed}, {@code csr}, {@code block4}, {@code nmN:M} when named,
 * and {@code cublas} where libcublas is found), with a ReLU that is the Dense's only consumer fused; activations
 * stay on the device between nodes, laid out [features][batch]; one call is one copy in (pinned), a transpose
 * into [features][batch] (none at batch 1), the nodes' kernels, a transpose back and one copy out, all on one
 * stream. Flatten, Reshape and Identity rename a buffer; ReLU, Softmax (over the features of a flat sample) and
 * Add (two values of one shape, or a per-feature constant) have small kernels of their own. Other ops (Conv,
 * pooling, ...) are refused at build time with the node named, so the caller can keep the CPU session.
 *
 * <p>Calls are serialised (one stream, one set of device buffers per session). Where there is no GPU,
 * {@link Builder#build()} throws {@link UnsupportedOperationException} with {@link CudaBackend#reason()}'s line;
 * {@link #unsupportedReason()} asks first without building.
 */
public final class CudaSession implements Predictor {
    /** Default GPU formats tried per Dense layer (plus {@code cublas} when libcublas is found). */
    public static final List<String> DEFAULT_CANDIDATES = List.of("dense", "condensed", "csr", "block4");
    /** Floats per chunk (at least) of the input's pinned staging: the host copy of one overlaps the upload of the last. */
    static final int COPY_CHUNK = 16384;

    /** The format chosen for one Dense node, its time per launch at the session's batch, and every candidate's. */
    public record LayerChoice(String layer, int in, int out, long nnz, String format, double micros,
                              Map<String, Double> candidateMicros) {}

    private final CudaDevice device;
    private final ModelSpec spec;
    private final Cublas cublas;
    private final CudaStream stream;
    private final int[] sampleShape;
    private final int sampleSize;
    private final int outputSize;
    private final int maxBatch;
    private final List<Step> steps;
    private final List<PlanNode> nodes;
    private final List<LayerChoice> choices;
    private final long[] addr;          // device address of each value's buffer
    private final int inputValue;       // the graph input's [features][batch] value
    private final int outputValue;
    private final DeviceMemory rawIn, inT, rawOut;
    private final PinnedBuffer pinIn, pinOut;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final KernelArgs args = new KernelArgs();
    /** The captured per-call chain (CUgraphExec) per batch size; null until captured. */
    private final MemorySegment[] graphs;
    /** Batch sizes that ran once without a graph (the first call at a batch warms cuBLAS and the kernels). */
    private final boolean[] ranOnce;
    private boolean useGraphs;
    private String graphsOff;
    private boolean closed;

    private CudaSession(Builder b, CudaDevice device, Cublas cublas) {
        this.device = device;
        this.spec = b.spec;
        this.cublas = cublas;
        this.sampleShape = b.graph.inputShape();
        this.sampleSize = Tensor.checkedSize(sampleShape);
        this.maxBatch = b.batchSize;
        this.stream = device.stream();
        owned.add(stream);
        if (cublas != null) owned.add(cublas);
        Lowering l = new Lowering(b);
        try {
            l.run();
        } catch (RuntimeException e) {
            closeOwned(l.buffers, l.matrices);
            throw e;
        }
        owned.addAll(l.matrices);
        owned.addAll(l.buffers);
        this.steps = List.copyOf(l.steps);
        this.nodes = List.copyOf(l.described);
        this.choices = List.copyOf(l.choices);
        this.addr = l.addresses();
        this.inputValue = l.valueIndex(b.graph.inputName());
        this.outputValue = l.valueIndex(l.root(b.graph.outputs().get(0)));
        this.outputSize = b.graph.sampleSize(b.graph.outputs().get(0));
        this.rawIn = keep(device.allocate(4L * sampleSize * maxBatch));
        this.inT = keep(device.allocate(4L * sampleSize * maxBatch));
        this.rawOut = keep(device.allocate(4L * outputSize * maxBatch));
        this.pinIn = keep(device.pinned(4L * sampleSize * maxBatch));
        this.pinOut = keep(device.pinned(4L * outputSize * maxBatch));
        this.graphs = new MemorySegment[maxBatch + 1];
        this.ranOnce = new boolean[maxBatch + 1];
        this.useGraphs = b.graphs;
        this.graphsOff = b.graphs ? null : "off (builder or -Dsparrow.cuda.graphs=off)";
    }

    private <T extends AutoCloseable> T keep(T t) {
        owned.add(t);
        return t;
    }

    /** A builder for a graph (e.g. imported from ONNX): each Dense weight's zeros are its mask. */
    public static Builder builder(ModelGraph graph) {
        if (graph == null) throw new IllegalArgumentException("graph is null");
        return new Builder(graph, Map.of());
    }

    /** A builder for a Sparrow model fed samples of {@code sampleShape}: lowered as the CPU session lowers it, masks kept. */
    public static Builder builder(Layer model, int... sampleShape) {
        LoweredModel l = LoweredModel.of(model, sampleShape);
        return new Builder(l.graph(), l.masks());
    }

    /** A builder for a lowered model: its graph, and its masks (a weight without one: its zeros are its mask). */
    public static Builder builder(LoweredModel model) {
        if (model == null) throw new IllegalArgumentException("model is null");
        return new Builder(model.graph(), model.masks());
    }

    /** Null where a GPU session can be built here, else the one-line reason (no driver, no device, ...). */
    public static String unsupportedReason() {
        CudaBackend b = CudaBackend.load();
        return b.isSupported() ? null : b.reason();
    }

    public int[] sampleShape() { return sampleShape.clone(); }
    public int sampleSize() { return sampleSize; }
    public int outputSize() { return outputSize; }
    public int maxBatch() { return maxBatch; }
    /** The GPU this session runs on. */
    public CudaDevice cudaDevice() { return device; }
    /** {@link Device#CUDA}. */
    @Override
    public Device device() { return Device.CUDA; }
    /** The spec given to the builder (class names, input normalisation), if any. */
    @Override
    public Optional<ModelSpec> spec() { return Optional.ofNullable(spec); }
    /** One description per step, in execution order (layout "CN" = [features][batch]). */
    public List<PlanNode> plan() { return nodes; }
    /** The format chosen for each Dense node, in graph order. */
    public List<LayerChoice> choices() { return choices; }

    /** One line per step with each Dense node's format and measured time. */
    public String describe() {
        StringBuilder sb = new StringBuilder("CudaSession on ").append(device.describe()).append(": sample ")
                .append(Arrays.toString(sampleShape)).append(" -> ").append(outputSize).append(", max batch ").append(maxBatch)
                .append('\n');
        for (Step s : steps) sb.append("  ").append(s.describe()).append('\n');
        return sb.toString();
    }

    /** Outputs for one sample; allocates the result. */
    public float[] predict(float[] sample) {
        float[] out = new float[outputSize];
        predictBatch(sample, 1, out);
        return out;
    }

    /** Outputs [batch, outputSize] for a batch [batch, sample shape...]; allocates the result. */
    public Tensor predict(Tensor batch) {
        if (batch == null || batch.rank() != sampleShape.length + 1 || batch.size() != (long) batch.dim(0) * sampleSize) {
            throw new IllegalArgumentException("batch must be [batch, " + Arrays.toString(sampleShape).replaceAll("[\\[\\]]", "")
                    + "], got " + (batch == null ? "null" : batch.shapeString()));
        }
        Tensor out = Tensor.zeros(batch.dim(0), outputSize);
        predictBatch(batch.data(), batch.dim(0), out.data());
        return out;
    }

    /**
     * Outputs for {@code batch} samples stored batch-major in {@code input} into {@code out} (batch-major):
     * one asynchronous copy in, the plan's kernels, one copy out, then waits. Calls are serialised.
     */
    public synchronized void predictBatch(float[] input, int batch, float[] out) {
        if (closed) throw new IllegalStateException("session closed");
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("batch " + batch + " is outside [1, " + maxBatch + "], the session's batch size");
        }
        if (input == null || input.length < (long) batch * sampleSize) {
            throw new IllegalArgumentException("input must hold batch * " + sampleSize + " values");
        }
        if (out == null || out.length < (long) batch * outputSize) {
            throw new IllegalArgumentException("out must hold batch * " + outputSize + " values");
        }
        int n = batch * sampleSize;
        int m = batch * outputSize;
        device.makeCurrent();
        // the host copy into pinned memory and the upload overlap, chunk by chunk
        int chunk = Math.max(COPY_CHUNK, ceil(n, 8)); // at most 8 uploads: each is an FFM call of a few us
        for (int off = 0; off < n; off += chunk) {
            int len = Math.min(chunk, n - off);
            MemorySegment.copy(input, off, pinIn.segment(), ValueLayout.JAVA_FLOAT, 4L * off, len);
            device.driver.memcpyHtoDAsync(rawIn.address() + 4L * off, pinIn.segment().asSlice(4L * off, 4L * len),
                    4L * len, stream.handle());
        }
        MemorySegment exec = useGraphs ? graphFor(batch) : null;
        if (exec != null) device.driver.graphLaunch(exec, stream.handle());
        else enqueue(batch);
        stream.synchronize();
        pinOut.get(out, 0, m);
    }

    /**
     * The device side of one call on the stream after the input's upload: the transpose into [features][batch] (none
     * at batch 1), the steps, the transpose back, the copy into pinned memory.
     */
    private void enqueue(int batch) {
        enqueue(batch, null);
    }

    /** As {@link #enqueue(int)}, recording {@code marks} (when not null) before, after the transpose in, after each step, at the end. */
    private void enqueue(int batch, CudaEvent[] marks) {
        int k = 0;
        if (marks != null) marks[k++].record(stream);
        if (batch == 1) {
            addr[inputValue] = rawIn.address();
        } else {
            addr[inputValue] = inT.address();
            transpose(rawIn.address(), inT.address(), batch, sampleSize);
        }
        if (marks != null) marks[k++].record(stream);
        for (Step s : steps) {
            s.run(batch);
            if (marks != null) marks[k++].record(stream);
        }
        long y = addr[outputValue];
        if (batch > 1) {
            transpose(y, rawOut.address(), outputSize, batch);
            y = rawOut.address();
        }
        device.driver.memcpyDtoHAsync(pinOut.segment(), y, 4L * batch * outputSize, stream.handle());
        if (marks != null) marks[k].record(stream);
    }

    /**
     * Device time of each stage of a call at {@code batch}, us (median of 5 runs; CUDA events between the stages,
     * kernels launched one by one on the input last uploaded): "transpose in", each step by its label (a convolution
     * includes its im2col), "transpose out + copy out". For benchmarks: what a call spends where.
     */
    public synchronized Map<String, Double> profile(int batch) {
        if (closed) throw new IllegalStateException("session closed");
        if (batch < 1 || batch > maxBatch) throw new IllegalArgumentException("batch " + batch + " is outside [1, " + maxBatch + "]");
        device.makeCurrent();
        CudaEvent[] marks = new CudaEvent[steps.size() + 3];
        double[][] us = new double[marks.length - 1][5];
        try {
            for (int i = 0; i < marks.length; i++) marks[i] = device.event();
            enqueue(batch);
            for (int r = 0; r < 5; r++) {
                enqueue(batch, marks);
                marks[marks.length - 1].synchronize();
                for (int i = 0; i + 1 < marks.length; i++) us[i][r] = marks[i + 1].millisSince(marks[i]) * 1000.0;
            }
        } finally {
            for (CudaEvent e : marks) if (e != null) e.close();
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < us.length; i++) {
            Arrays.sort(us[i]);
            String name = i == 0 ? "transpose in" : i == us.length - 1 ? "transpose out + copy out" : steps.get(i - 1).label;
            out.merge(name, us[i][2], Double::sum);
        }
        return out;
    }

    /**
     * The chain for {@code batch} as a CUDA graph: captured on the second call at that batch (the first runs plainly, so
     * lazy allocations of cuBLAS and the driver happen outside a capture), then replayed by one cuGraphLaunch per call
     * instead of a launch per kernel. Null (and graphs off for the session, the reason kept) if a capture fails.
     */
    private MemorySegment graphFor(int batch) {
        if (graphs[batch] != null) return graphs[batch];
        if (!ranOnce[batch]) {
            ranOnce[batch] = true;
            return null;
        }
        MemorySegment graph = null;
        try {
            device.driver.streamBeginCapture(stream.handle());
            try {
                enqueue(batch);
            } finally {
                graph = device.driver.streamEndCapture(stream.handle());
            }
            graphs[batch] = device.driver.graphInstantiate(graph);
            return graphs[batch];
        } catch (RuntimeException e) {
            useGraphs = false;
            graphsOff = "capture failed: " + e.getMessage();
            return null;
        } finally {
            if (graph != null && !graph.equals(MemorySegment.NULL)) device.driver.graphDestroy(graph);
        }
    }

    /** Whether calls replay CUDA graphs (default on); off runs each kernel launch per call (for A/B benchmarks). */
    public synchronized void graphs(boolean on) {
        if (on && graphsOff != null && graphsOff.startsWith("capture failed")) return; // it would fail again
        useGraphs = on;
        graphsOff = on ? null : "off";
    }

    /** Null while calls replay CUDA graphs, else why not ("off", or the capture's failure). */
    public synchronized String graphsOff() { return graphsOff; }

    /** out [cols][rows] = in [rows][cols]^T on the session's stream. */
    private void transpose(long in, long out, int rows, int cols) {
        args.reset().i64(in).i64(out).i32(rows).i32(cols);
        device.launch("transpose_f32", ceil(cols, 32), ceil(rows, 32), 256, 0, stream, args);
    }

    private void biasAct(long x, long y, long bias, int features, int batch, boolean relu) {
        args.reset().i64(x).i64(y).i64(bias).i32(features).i32(batch).i32(relu ? 1 : 0);
        device.launch("bias_act_cn", grid((long) features * batch), 1, 256, 0, stream, args);
    }

    private int grid(long n) {
        return (int) Math.max(1, Math.min(ceil(n, 256), 8L * device.multiprocessors()));
    }

    private static int ceil(int a, int b) { return (a + b - 1) / b; }
    private static long ceil(long a, long b) { return (a + b - 1) / b; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (MemorySegment g : graphs) {
            if (g == null) continue;
            try {
                device.driver.graphExecDestroy(g);
            } catch (RuntimeException ignored) {
                // best effort on the way out
            }
        }
        List<AutoCloseable> all = new ArrayList<>(owned);
        java.util.Collections.reverse(all);
        closeOwned(all, List.of());
        args.close();
    }

    private static void closeOwned(List<? extends AutoCloseable> a, List<? extends AutoCloseable> b) {
        for (List<? extends AutoCloseable> list : List.of(a, b)) {
            for (AutoCloseable c : list) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort on the way out
                }
            }
        }
    }

    /** One executable step over value indices (addresses looked up per call: the input's depends on the batch). */
    private abstract static class Step {
        final String label;
        Step(String label) { this.label = label; }
        abstract void run(int batch);
        abstract String describe();
    }

    /** Walks the graph once: one rule per op kind, as the CPU planner does. */
    private final class Lowering {
        final Builder b;
        final ModelGraph g;
        final Map<String, List<GraphNode>> consumers = new HashMap<>();
        final Map<String, String> alias = new HashMap<>();
        final Map<String, Integer> valueIndex = new LinkedHashMap<>();
        final List<Integer> valueFloats = new ArrayList<>();
        final Set<String> fused = new HashSet<>();
        final List<Step> steps = new ArrayList<>();
        final List<PlanNode> described = new ArrayList<>();
        final List<LayerChoice> choices = new ArrayList<>();
        final List<CudaMatrix> matrices = new ArrayList<>();
        final List<DeviceMemory> buffers = new ArrayList<>();
        long[] addr;
        /** The im2col buffer every convolution shares (the largest [cin*kh*kw][ho*wo*batch]), and its size. */
        long scratchAddr;
        long scratchFloats;
        boolean warmed;

        Lowering(Builder b) {
            this.b = b;
            this.g = b.graph;
        }

        void run() {
            for (GraphNode n : g.nodes()) for (String in : n.inputs()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            value(g.inputName());
            for (GraphNode n : g.nodes()) {
                if (fused.contains(n.name())) continue;
                lower(n);
            }
            // allocate a buffer per value (no liveness sharing yet); the input's address is set per call
            addr = new long[valueFloats.size()];
            if (scratchFloats > 0) {
                DeviceMemory s = device.allocate(4L * scratchFloats);
                buffers.add(s);
                scratchAddr = s.address();
            }
            int in = valueIndex.get(g.inputName());
            for (int i = 0; i < addr.length; i++) {
                if (i == in) continue;
                DeviceMemory m = device.allocate(4L * valueFloats.get(i) * b.batchSize);
                buffers.add(m);
                addr[i] = m.address();
            }
        }

        long[] addresses() { return addr; }

        int valueIndex(String v) { return valueIndex.get(root(v)); }

        String root(String v) {
            while (alias.containsKey(v)) v = alias.get(v);
            return v;
        }

        int value(String v) {
            String r = root(v);
            Integer i = valueIndex.get(r);
            if (i != null) return i;
            valueIndex.put(r, valueFloats.size());
            valueFloats.add(g.sampleSize(r));
            return valueFloats.size() - 1;
        }

        GraphNode soleConsumer(String value) {
            List<GraphNode> c = consumers.get(value);
            return c != null && c.size() == 1 && !g.outputs().contains(value) ? c.get(0) : null;
        }

        void describe(String label, GraphNode n, List<String> ins, String out, String format) {
            described.add(new PlanNode(label, n.op().opName(), ins.stream().map(this::root).toList(), root(out),
                    g.sampleShape(out), "CN", format));
        }

        void lower(GraphNode n) {
            String in = n.inputs().get(0);
            int[] inShape = g.sampleShape(in);
            switch (n.op()) {
                case Op.Dense d when inShape.length == 1 -> dense(n, d);
                case Op.Unary u when u.kind() == Op.UnaryKind.IDENTITY -> alias.put(n.output(), in);
                case Op.Flatten f -> alias.put(n.output(), in);
                case Op.Reshape r -> alias.put(n.output(), in);
                case Op.Unary u when u.kind() == Op.UnaryKind.RELU -> elementwise(n, null, true);
                case Op.Softmax s when isFeatureSoftmax(s, inShape) -> softmax(n);
                case Op.Binary bin when bin.kind() == Op.BinaryKind.ADD -> add(n, bin);
                case Op.Conv c when inShape.length == 3 -> conv(n, c, inShape);
                case Op.BatchNorm bn when inShape.length >= 1 -> batchNorm(n, bn, inShape);
                case Op.MaxPool p when inShape.length == 3 -> pool(n, true, p.kernel(), p.strides(), p.pads(), p.dilations(), false, inShape);
                case Op.AveragePool p when inShape.length == 3 ->
                        pool(n, false, p.kernel(), p.strides(), p.pads(), new int[] {1, 1}, p.countIncludePad(), inShape);
                case Op.GlobalAveragePool p when inShape.length >= 2 -> channelMean(n, inShape);
                case Op.ReduceMean r when isSpatialMean(r, inShape) -> channelMean(n, inShape);
                default -> throw new UnsupportedOperationException(n.describe() + ": not supported by the GPU session yet"
                        + " (it runs Dense, Conv, BatchNorm, MaxPool, AveragePool, GlobalAveragePool, ReduceMean over the"
                        + " spatial axes, ReLU, Softmax over features, Add, Flatten/Reshape/Identity)");
            }
        }

        boolean isFeatureSoftmax(Op.Softmax s, int[] shape) {
            int axis = s.axis() - 1;
            int outer = 1, inner = 1;
            for (int i = 0; i < axis; i++) outer *= shape[i];
            for (int i = axis + 1; i < shape.length; i++) inner *= shape[i];
            return axis >= 0 && axis < shape.length && outer == 1 && inner == 1;
        }

        void dense(GraphNode n, Op.Dense d) {
            String out = n.output();
            String label = n.name();
            GraphNode next = soleConsumer(out);
            boolean relu = next != null && next.op() instanceof Op.Unary u && u.kind() == Op.UnaryKind.RELU;
            if (relu) {
                fused.add(next.name()); // the Dense writes the ReLU's value directly
                out = next.output();
                label += "+" + next.name();
            }
            int rows = d.outFeatures(), cols = d.inFeatures();
            float[] values = d.weight().data().clone();
            float[] mask = b.masks.get(n.name());
            if (mask == null) mask = zerosAsMask(values);
            MaskedWeights w = mask == null ? MaskedWeights.dense(values, rows, cols, n.name())
                    : MaskedWeights.of(values, mask, rows, cols, n.name());
            DeviceMemory bias = null;
            if (d.bias() != null) {
                bias = device.upload(d.bias().data().clone());
                buffers.add(bias);
            }
            int x = value(n.inputs().get(0));
            int y = value(out);
            Chosen c = choose(n.name(), w, bias, relu, b.batchSize);
            matrices.add(c.matrix);
            final long biasAddr = bias == null ? 0 : bias.address();
            final boolean viaCublas = c.cublas;
            final CudaMatrix m = c.matrix;
            final boolean act = relu;
            final String lbl = label;
            steps.add(new Step(lbl) {
                @Override void run(int batch) {
                    if (viaCublas) {
                        cublas.sgemm(m, addr[x], addr[y], batch, stream);
                        if (biasAddr != 0 || act) biasAct(addr[y], addr[y], biasAddr, m.rows(), batch, act);
                    } else {
                        m.run(addr[x], batch, addr[y], biasAddr, act, stream);
                    }
                }
                @Override String describe() {
                    return lbl + ": Dense " + m.cols() + "->" + m.rows() + (act ? " +ReLU" : "") + " "
                            + (viaCublas ? "cublas" : m.format()) + String.format(" %.2f us", c.micros);
                }
            });
            choices.add(new LayerChoice(n.name(), cols, rows, w.activeCount(), viaCublas ? "cublas" : m.format(), c.micros, c.all));
            describe(label, n, n.inputs(), out, viaCublas ? "cublas" : m.format());
        }

        void elementwise(GraphNode n, DeviceMemory bias, boolean relu) {
            int x = value(n.inputs().get(0)), y = value(n.output());
            int features = g.sampleSize(n.output());
            long bAddr = bias == null ? 0 : bias.address();
            steps.add(new Step(n.name()) {
                @Override void run(int batch) { biasAct(addr[x], addr[y], bAddr, features, batch, relu); }
                @Override String describe() { return label + ": " + n.op().opName() + " (bias_act_cn)"; }
            });
            describe(n.name(), n, n.inputs(), n.output(), null);
        }

        void softmax(GraphNode n) {
            int x = value(n.inputs().get(0)), y = value(n.output());
            int features = g.sampleSize(n.output());
            steps.add(new Step(n.name()) {
                @Override void run(int batch) {
                    args.reset().i64(addr[x]).i64(addr[y]).i32(features).i32(batch);
                    device.launch("softmax_cn", ceil(batch, 8), 1, 256, 0, stream, args);
                }
                @Override String describe() { return label + ": Softmax over " + features + " features"; }
            });
            describe(n.name(), n, n.inputs(), n.output(), null);
        }

        void add(GraphNode n, Op.Binary bin) {
            int[] out = g.sampleShape(n.output());
            int features = g.sampleSize(n.output());
            if (bin.constant() != null) {
                int[] a = g.sampleShape(n.inputs().get(0));
                float[] c = bin.constant().data();
                if (out.length != 1 || !Arrays.equals(a, out) || (c.length != features && c.length != 1)) {
                    throw new UnsupportedOperationException(n.describe() + ": only a per-feature constant Add on flat"
                            + " samples runs on the GPU");
                }
                float[] per = c.length == features ? c.clone() : filled(features, c[0]);
                DeviceMemory bias = device.upload(per);
                buffers.add(bias);
                elementwise(n, bias, false);
                return;
            }
            String a = n.inputs().get(0), c = n.inputs().get(1);
            if (!Arrays.equals(g.sampleShape(a), out) || !Arrays.equals(g.sampleShape(c), out)) {
                throw new UnsupportedOperationException(n.describe() + ": broadcasting Add is not on the GPU yet");
            }
            String outName = n.output();
            String label = n.name();
            GraphNode next = soleConsumer(outName);
            boolean relu = next != null && next.op() instanceof Op.Unary u && u.kind() == Op.UnaryKind.RELU;
            if (relu) { // a residual join: the ReLU after it is fused
                fused.add(next.name());
                outName = next.output();
                label += "+" + next.name();
            }
            int xa = value(a), xb = value(c), y = value(outName);
            int act = relu ? 1 : 0;
            steps.add(new Step(label) {
                @Override void run(int batch) {
                    long total = (long) features * batch;
                    args.reset().i64(addr[xa]).i64(addr[xb]).i64(addr[y]).i64(total).i32(act);
                    device.launch("add_act_f32", grid(total), 1, 256, 0, stream, args);
                }
                @Override String describe() { return label + ": Add" + (act == 1 ? " +ReLU" : ""); }
            });
            describe(label, n, n.inputs(), outName, null);
        }

        /**
         * Conv (groups 1) as im2col + one matrix run: col [cin*kh*kw][ho*wo*batch] in the shared scratch buffer, then
         * the chosen format (any of the Dense candidates, timed at ho*wo*batch columns) writes Y^T [cout][ho*wo*batch],
         * which is the output's [C][H][W][batch] layout. A 1x1 stride-1 unpadded convolution reads its input directly.
         * A BatchNorm that is the Conv's only consumer is folded into its weights and bias (as the CPU planner does,
         * so the outputs match) and a ReLU after that is fused.
         */
        void conv(GraphNode n, Op.Conv c, int[] inShape) {
            if (c.groups() != 1) {
                throw new UnsupportedOperationException(n.describe() + ": grouped Conv (groups " + c.groups()
                        + ") is not supported by the GPU session yet");
            }
            int cout = c.outChannels(), cin = c.inChannels(), kh = c.weight().dim(2), kw = c.weight().dim(3);
            int rows = cout, cols = cin * kh * kw;
            float[] values = c.weight().data().clone();
            float[] mask = b.masks.get(n.name());
            if (mask == null) mask = zerosAsMask(values); // before folding: the zeros of the weights as given
            float[] biasValues = c.bias() == null ? null : c.bias().data().clone();
            String out = n.output();
            String label = n.name();
            GraphNode next = soleConsumer(out);
            if (next != null && next.op() instanceof Op.BatchNorm bn) {
                biasValues = BatchNormFolding.fold(bn.scale().data(), bn.shift().data(), values, biasValues, rows, cols);
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
            int[] outShape = g.sampleShape(out);
            int ho = outShape[1], wo = outShape[2], h = inShape[1], w = inShape[2];
            int[] s = c.strides(), p = c.pads(), dil = c.dilations();
            boolean direct = kh == 1 && kw == 1 && s[0] == 1 && s[1] == 1 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0;
            MaskedWeights mw = mask == null ? MaskedWeights.dense(values, rows, cols, n.name())
                    : MaskedWeights.of(values, mask, rows, cols, n.name());
            DeviceMemory bias = null;
            if (biasValues != null) {
                bias = device.upload(biasValues);
                buffers.add(bias);
            }
            int x = value(n.inputs().get(0));
            int y = value(out);
            int spatial = ho * wo;
            if ((long) spatial * b.batchSize > Integer.MAX_VALUE || (!direct && cols > 65535)) {
                throw new UnsupportedOperationException(n.describe() + ": too large for the GPU session's im2col ("
                        + cols + " rows of " + (long) spatial * b.batchSize + " columns)");
            }
            if (!direct) scratchFloats = Math.max(scratchFloats, (long) cols * spatial * b.batchSize);
            Chosen ch = choose(n.name(), mw, bias, relu, spatial * b.batchSize);
            matrices.add(ch.matrix);
            final long biasAddr = bias == null ? 0 : bias.address();
            final CudaMatrix m = ch.matrix;
            final boolean viaCublas = ch.cublas;
            final String lbl = label;
            final String geometry = cin + "x" + h + "x" + w + " -> " + cout + "x" + ho + "x" + wo + ", " + kh + "x" + kw
                    + (s[0] == 1 && s[1] == 1 ? "" : " stride " + s[0]) + (direct ? " (direct)" : " (im2col)");
            steps.add(new Step(lbl) {
                @Override void run(int batch) {
                    long col = addr[x];
                    int columns = spatial * batch;
                    if (!direct) {
                        col = scratchAddr;
                        args.reset().i64(addr[x]).i64(col).i32(cin).i32(h).i32(w).i32(kh).i32(kw).i32(s[0]).i32(s[1])
                                .i32(p[0]).i32(p[1]).i32(dil[0]).i32(dil[1]).i32(ho).i32(wo).i32(batch);
                        boolean quads = batch % 4 == 0; // float4 moves
                        device.launch(quads ? "im2col_cn4" : "im2col_cn", ceil(quads ? columns / 4 : columns, 256), cols, 256, 0,
                                stream, args);
                    }
                    if (viaCublas) {
                        cublas.sgemm(m, col, addr[y], columns, stream);
                        if (biasAddr != 0 || relu) biasAct(addr[y], addr[y], biasAddr, m.rows(), columns, relu);
                    } else {
                        m.run(col, columns, addr[y], biasAddr, relu, stream);
                    }
                }
                @Override String describe() {
                    return lbl + ": Conv " + geometry + (relu ? " +ReLU" : "") + " " + (viaCublas ? "cublas" : m.format())
                            + String.format(" %.2f us", ch.micros);
                }
            });
            choices.add(new LayerChoice(n.name(), cols, rows, mw.activeCount(), viaCublas ? "cublas" : m.format(), ch.micros, ch.all));
            describe(label, n, n.inputs(), out, viaCublas ? "cublas" : m.format());
        }

        /** A BatchNorm no convolution absorbed: y = x * scale[c] + shift[c] (a ReLU after it fused). */
        void batchNorm(GraphNode n, Op.BatchNorm bn, int[] inShape) {
            int channels = inShape[0];
            int inner = g.sampleSize(n.inputs().get(0)) / channels;
            DeviceMemory scale = device.upload(bn.scale().data().clone());
            buffers.add(scale);
            DeviceMemory shift = device.upload(bn.shift().data().clone());
            buffers.add(shift);
            String out = n.output();
            String label = n.name();
            GraphNode next = soleConsumer(out);
            boolean relu = next != null && next.op() instanceof Op.Unary u && u.kind() == Op.UnaryKind.RELU;
            if (relu) {
                fused.add(next.name());
                out = next.output();
                label += "+" + next.name();
            }
            int x = value(n.inputs().get(0)), y = value(out);
            long sc = scale.address(), sh = shift.address();
            int act = relu ? 1 : 0;
            steps.add(new Step(label) {
                @Override void run(int batch) {
                    long per = (long) inner * batch;
                    args.reset().i64(addr[x]).i64(addr[y]).i64(sc).i64(sh).i32(channels).i64(per).i32(act);
                    device.launch("channel_affine_cn", grid(per * channels), 1, 256, 0, stream, args);
                }
                @Override String describe() { return label + ": BatchNorm over " + channels + " channels" + (act == 1 ? " +ReLU" : ""); }
            });
            describe(label, n, n.inputs(), out, null);
        }

        /** MaxPool / AveragePool of [C, H, W] samples, ONNX semantics (as sparrow-core's PoolStep). */
        void pool(GraphNode n, boolean max, int[] k, int[] s, int[] p, int[] dil, boolean countIncludePad, int[] inShape) {
            int[] outShape = g.sampleShape(n.output());
            int channels = inShape[0], h = inShape[1], w = inShape[2], ho = outShape[1], wo = outShape[2];
            if ((long) ho * wo * b.batchSize > Integer.MAX_VALUE || channels > 65535) {
                throw new UnsupportedOperationException(n.describe() + ": too large for the GPU session's pooling kernel");
            }
            int x = value(n.inputs().get(0)), y = value(n.output());
            int mode = max ? 0 : 1, include = countIncludePad ? 1 : 0;
            steps.add(new Step(n.name()) {
                @Override void run(int batch) {
                    int outputs = ho * wo * batch; // per channel (< 2^31: checked at build)
                    args.reset().i64(addr[x]).i64(addr[y]).i32(channels).i32(h).i32(w).i32(ho).i32(wo).i32(batch)
                            .i32(k[0]).i32(k[1]).i32(s[0]).i32(s[1]).i32(p[0]).i32(p[1]).i32(p[2]).i32(p[3])
                            .i32(dil[0]).i32(dil[1]).i32(mode).i32(include);
                    device.launch("pool_cn", ceil(outputs, 256), channels, 256, 0, stream, args);
                }
                @Override String describe() {
                    return label + ": " + (max ? "MaxPool " : "AveragePool ") + k[0] + "x" + k[1] + " stride " + s[0]
                            + " on " + channels + "x" + h + "x" + w;
                }
            });
            describe(n.name(), n, n.inputs(), n.output(), null);
        }

        /** The mean over every axis after the channel axis (GlobalAveragePool; ReduceMean over those axes). */
        void channelMean(GraphNode n, int[] inShape) {
            int channels = inShape[0];
            int spatial = g.sampleSize(n.inputs().get(0)) / channels;
            int x = value(n.inputs().get(0)), y = value(n.output());
            steps.add(new Step(n.name()) {
                @Override void run(int batch) {
                    long total = (long) channels * batch;
                    args.reset().i64(addr[x]).i64(addr[y]).i32(channels).i32(spatial).i32(batch);
                    device.launch("channel_mean_cn", grid(total), 1, 256, 0, stream, args);
                }
                @Override String describe() { return label + ": mean over " + spatial + " positions of " + channels + " channels"; }
            });
            describe(n.name(), n, n.inputs(), n.output(), null);
        }

        /** ReduceMean over exactly the axes after the channel axis (full-rank axes 2..rank), as a GlobalAveragePool. */
        boolean isSpatialMean(Op.ReduceMean r, int[] shape) {
            if (shape.length < 2 || r.axes().length != shape.length - 1) return false;
            boolean[] seen = new boolean[shape.length + 1];
            for (int a : r.axes()) {
                if (a < 2 || a > shape.length) return false;
                seen[a] = true;
            }
            for (int a = 2; a <= shape.length; a++) if (!seen[a]) return false;
            return true;
        }

        record Chosen(CudaMatrix matrix, boolean cublas, double micros, Map<String, Double> all) {}

        /** Uploads each candidate format that holds the mask, times it at the session's batch, keeps the fastest. */
        Chosen choose(String layer, MaskedWeights w, DeviceMemory bias, boolean relu, int batch) {
            List<String> specs = new ArrayList<>();
            String forced = b.forced.getOrDefault(layer, b.forced.get("*"));
            if (forced != null) specs.add(forced);
            else {
                specs.addAll(b.candidates);
                if (cublas != null && !specs.contains("cublas")) specs.add("cublas");
            }
            Map<String, Double> times = new LinkedHashMap<>();
            CudaMatrix best = null;
            boolean bestCublas = false;
            double bestUs = Double.POSITIVE_INFINITY;
            try (DeviceMemory x = device.allocate(4L * w.cols() * batch); DeviceMemory y = device.allocate(4L * w.rows() * batch)) {
                x.fill(Float.floatToRawIntBits(0.5f));
                for (String spec : specs) {
                    boolean viaCublas = spec.equals("cublas");
                    if (viaCublas && cublas == null) {
                        if (forced != null) throw new IllegalArgumentException("layer '" + layer + "': cublas forced but libcublas was not found");
                        continue;
                    }
                    CudaMatrix m;
                    try {
                        m = CudaMatrix.upload(device, viaCublas ? "dense" : spec, w);
                    } catch (IllegalArgumentException e) { // the mask does not fit the format
                        if (forced != null) throw new IllegalArgumentException("layer '" + layer + "': " + e.getMessage(), e);
                        continue;
                    }
                    double us = (!b.tuning && forced == null) ? Double.NaN
                            : time(m, viaCublas, x.address(), y.address(), bias == null ? 0 : bias.address(), relu, batch);
                    times.put(spec, us);
                    boolean better = best == null || (!Double.isNaN(us) && us < bestUs);
                    if (!b.tuning && forced == null) better = best == null && spec.equals("dense");
                    if (better) {
                        if (best != null) best.close();
                        best = m;
                        bestCublas = viaCublas;
                        bestUs = us;
                    } else {
                        m.close();
                    }
                }
            }
            if (best == null) throw new IllegalArgumentException("layer '" + layer + "': no GPU format holds its mask of " + specs);
            return new Chosen(best, bestCublas, bestUs, times);
        }

        /**
         * Median over 5 rounds of up to 10 back-to-back launches (as many as fit in about 2 ms; CUDA events, queued behind
         * a 0.3 ms spin so the host's launch cost stays out), after as many warm-up launches (and, once per session, 3 ms of spin to raise the clocks); us per launch.
         */
        double time(CudaMatrix m, boolean viaCublas, long x, long y, long bias, boolean relu, int batch) {
            Runnable once = () -> {
                if (viaCublas) {
                    cublas.sgemm(m, x, y, batch, stream);
                    if (bias != 0 || relu) biasAct(y, y, bias, m.rows(), batch, relu);
                } else {
                    m.run(x, batch, y, bias, relu, stream);
                }
            };
            if (!warmed) { // idle clocks ramp up under load: the first layer's candidates would be timed slow
                device.spin(3_000_000, stream);
                warmed = true;
            }
            double[] r = new double[5];
            try (CudaEvent start = device.event(); CudaEvent end = device.event()) {
                once.run();
                start.record(stream);
                once.run();
                end.record(stream);
                end.synchronize();
                // launches per round: 10 for small layers, fewer for a convolution at a large batch (ms per launch),
                // so tuning a CNN stays within seconds
                int reps = (int) Math.max(1, Math.min(10, Math.round(2.0 / Math.max(1e-6, end.millisSince(start)))));
                for (int i = 0; i < reps; i++) once.run();
                for (int k = 0; k < r.length; k++) {
                    device.spin(300_000, stream); // queues the launches behind it: host launch cost stays out
                    start.record(stream);
                    for (int i = 0; i < reps; i++) once.run();
                    end.record(stream);
                    end.synchronize();
                    r[k] = end.millisSince(start) * 1000.0 / reps;
                }
            }
            Arrays.sort(r);
            return r[r.length / 2];
        }
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Zeros as the mask (null when there are none: dense), as the CPU planner reads an imported graph. */
    static float[] zerosAsMask(float[] values) {
        float[] m = new float[values.length];
        int zeros = 0;
        for (int i = 0; i < values.length; i++) {
            boolean keep = values[i] != 0f;
            m[i] = keep ? 1f : 0f;
            zeros += keep ? 0 : 1;
        }
        return zeros == 0 ? null : m;
    }

    /** Configures and builds a {@link CudaSession}. */
    public static final class Builder {
        final ModelGraph graph;
        final Map<String, float[]> masks;
        int batchSize = 1;
        boolean tuning = true;
        List<String> candidates = DEFAULT_CANDIDATES;
        final Map<String, String> forced = new HashMap<>();
        CudaBackend backend;
        boolean useCublas = true;
        boolean graphs = !"off".equals(System.getProperty("sparrow.cuda.graphs"));
        ModelSpec spec;

        private Builder(ModelGraph graph, Map<String, float[]> masks) {
            this.graph = graph;
            this.masks = masks;
        }

        /** The largest batch per call, and the batch the formats are timed at (default 1). */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /** Time the candidates (default on); off: dense for every layer unless forced. */
        public Builder tuning(boolean on) {
            this.tuning = on;
            return this;
        }

        /** GPU format specs tried per Dense layer (see {@link CudaMatrix#upload}; "cublas" too). */
        public Builder candidates(List<String> specs) {
            if (specs == null || specs.isEmpty()) throw new IllegalArgumentException("candidates must be non-empty");
            this.candidates = List.copyOf(specs);
            return this;
        }

        /** Forces the format of one Dense node ("dense", "condensed", "csr", "block4", "nmN:M", "cublas"). */
        public Builder format(String layer, String spec) {
            forced.put(layer, spec);
            return this;
        }

        /** Forces {@code spec} for every Dense node. */
        public Builder formatAll(String spec) {
            forced.put("*", spec);
            return this;
        }

        /** Whether cuBLAS (if found) is a candidate (default true). */
        public Builder cublas(boolean on) {
            this.useCublas = on;
            return this;
        }

        /** Whether calls replay a CUDA graph of the whole chain per batch size (default on; -Dsparrow.cuda.graphs=off). */
        public Builder graphs(boolean on) {
            this.graphs = on;
            return this;
        }

        /** What the model is (class names, input normalisation), for {@link #classify}; its sample shape must be the graph's. */
        public Builder spec(ModelSpec spec) {
            if (spec != null && !Arrays.equals(spec.sampleShape(), graph.inputShape())) {
                throw new IllegalArgumentException("spec's sample shape " + Arrays.toString(spec.sampleShape())
                        + " is not the graph's " + Arrays.toString(graph.inputShape()));
            }
            this.spec = spec;
            return this;
        }

        /** The backend (default {@link CudaBackend#load()}). */
        public Builder backend(CudaBackend backend) {
            this.backend = backend;
            return this;
        }

        /**
         * Plans, uploads and tunes. {@link UnsupportedOperationException} with the backend's one-line reason where
         * there is no usable GPU, or naming the first node the GPU session cannot run.
         */
        public CudaSession build() {
            CudaBackend be = backend != null ? backend : CudaBackend.load();
            if (!be.isSupported()) throw new UnsupportedOperationException("cuda: " + be.reason());
            CudaDevice d = be.device();
            boolean wantCublas = useCublas && (candidates.contains("cublas") || forced.containsValue("cublas")
                    || candidates == DEFAULT_CANDIDATES);
            Cublas c = wantCublas ? Cublas.load(d, new ArrayList<>()) : null;
            try {
                return new CudaSession(this, d, c);
            } catch (RuntimeException e) {
                if (c != null) c.close();
                throw e;
            }
        }
    }
}
