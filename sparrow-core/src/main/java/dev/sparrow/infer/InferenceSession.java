package dev.sparrow.infer;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelProvider;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.BatchNorm2d;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Dropout;
import dev.sparrow.nn.layers.Im2col;
import dev.sparrow.nn.layers.KWinners;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.SparseFormats;
import dev.sparrow.sparse.SparseKernelProvider;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.PackedWeights;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Runs a trained model for inference. Built once from a model (or a checkpoint): every Linear layer's
 * and Conv2d layer's weights are packed into one format (dense or a sparse format from {@link SparseFormats}) chosen by
 * timing the candidates at the session's batch size on this machine (cached per layer shape, mask, batch
 * and threads), with the ReLU after it fused into the kernel's output pass. A convolution runs as the
 * same kernels over each image's im2col columns (see {@link ConvStep}), with a BatchNorm2d after it
 * folded into its weights. Other layers (pooling, residual blocks, standalone batch norm) run their own
 * eval-mode forward. Activations stay transposed ([features][batch]) between Linear layers, so each
 * layer's kernel reads its input directly; convolutions read and write NCHW.
 *
 * <p>{@code predict} is thread-safe: each call borrows one of {@link Builder#contexts(int)} preallocated
 * workspaces (waiting when all are busy), so the overloads that take an output array allocate nothing
 * in steady state. Layers run through their own forward are serialized (they keep state per call).
 * The session does not copy the model's fallback layers: don't train the model while a session uses it.
 */
public final class InferenceSession implements AutoCloseable {
    private final int[] sampleShape;
    private final int sampleSize;
    private final int outputSize;
    private final int maxBatch;
    private final Step[] steps;
    private final boolean outputTransposed;
    private final AtomicReferenceArray<Workspace> workspaces;
    private final ComputePool pool;
    private final boolean ownsPool;
    private final List<LayerChoice> choices;

    /**
     * The format chosen for one Linear or Conv2d layer (in = cin·kh·kw for a convolution), with the
     * measured time per call (NaN when not measured).
     */
    public record LayerChoice(String layer, int in, int out, long nnz, String format, double micros,
                              Map<String, Double> candidateMicros, boolean cached) {}

    private InferenceSession(Builder b, List<Step> plan, boolean outputTransposed, int outputSize,
                             List<LayerChoice> choices, ComputePool pool, int fallbackSteps) {
        this.sampleShape = b.sampleShape.clone();
        this.sampleSize = Tensor.checkedSize(sampleShape);
        this.outputSize = outputSize;
        this.maxBatch = b.batchSize;
        this.steps = plan.toArray(new Step[0]);
        this.outputTransposed = outputTransposed;
        this.pool = pool;
        this.ownsPool = b.pool == null;
        this.choices = List.copyOf(choices);
        int maxFeatures = sampleSize;
        int columnFloats = 0;
        int stagingFloats = 0;
        for (Step s : steps) {
            maxFeatures = Math.max(maxFeatures, Math.max(s.inFeatures, s.outFeatures));
            if (s instanceof ConvStep c) {
                columnFloats = Math.max(columnFloats, c.columnFloats());
                stagingFloats = Math.max(stagingFloats, c.stagingFloats());
            }
        }
        this.workspaces = new AtomicReferenceArray<>(b.contexts);
        for (int i = 0; i < b.contexts; i++) {
            workspaces.set(i, new Workspace(i, maxFeatures, maxBatch, columnFloats, stagingFloats, fallbackSteps, b.kernels, pool));
        }
    }

    /** A builder for {@code model} fed samples of {@code sampleShape} (batch excluded). */
    public static Builder builder(Layer model, int... sampleShape) {
        return new Builder(model, sampleShape);
    }

    /**
     * A builder for the model saved in {@code checkpoint}: its config names the model, which is rebuilt
     * with {@link ModelZoo} for samples of {@code sampleShape} and {@code classes} outputs, then restored.
     */
    public static Builder builder(Path checkpoint, int[] sampleShape, int classes) throws IOException {
        return new Builder(loadModel(checkpoint, sampleShape, classes), sampleShape);
    }

    /**
     * The model saved in {@code checkpoint} (weights, masks, BatchNorm statistics), rebuilt with
     * {@link ModelZoo} from the model name in its config, for samples of {@code sampleShape} and
     * {@code classes} outputs. Several sessions (e.g. dense and sparse) can be built from it.
     */
    public static Sequential loadModel(Path checkpoint, int[] sampleShape, int classes) throws IOException {
        if (checkpoint == null) throw new IllegalArgumentException("checkpoint path is null");
        CheckpointData data = Checkpoint.read(checkpoint);
        String config = data.config().orElseThrow(() -> new IllegalArgumentException(
                checkpoint + ": checkpoint has no '" + Checkpoint.CONFIG_KEY + "' metadata naming the model"));
        TrainConfig tc = TrainConfig.fromJson(Json.parseObject(config, Json.Limits.of(1 << 20)));
        Sequential model = ModelZoo.create(tc.model(), sampleShape, classes, tc.seed());
        data.restoreInto(model);
        return model;
    }

    public int[] sampleShape() { return sampleShape.clone(); }

    public int sampleSize() { return sampleSize; }

    public int outputSize() { return outputSize; }

    /** The largest batch one call accepts (the batch size the formats were tuned for). */
    public int maxBatch() { return maxBatch; }

    /** The format chosen for each Linear layer, in model order. */
    public List<LayerChoice> choices() { return choices; }

    /** One line per step of the plan, with each Linear layer's format and measured times. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("InferenceSession: sample ").append(Arrays.toString(sampleShape)).append(" -> ").append(outputSize)
                .append(", max batch ").append(maxBatch).append(", threads ").append(pool.threads()).append('\n');
        for (Step s : steps) sb.append("  ").append(s.describe()).append('\n');
        return sb.toString();
    }

    /** Outputs (logits) for one sample; allocates the result. */
    public float[] predict(float[] sample) {
        float[] out = new float[outputSize];
        predict(sample, out);
        return out;
    }

    /** Writes the outputs for one sample into {@code out} (length >= outputSize); allocates nothing. */
    public void predict(float[] sample, float[] out) {
        if (sample == null) throw new IllegalArgumentException("sample is null");
        if (sample.length != sampleSize) {
            throw new IllegalArgumentException("sample has " + sample.length + " values but the session expects "
                    + sampleSize + " (shape " + Arrays.toString(sampleShape) + ")");
        }
        predictBatch(sample, 1, out);
    }

    /** Outputs [batch, outputSize] for a batch [batch, sample shape...]; allocates the result. */
    public Tensor predict(Tensor batch) {
        checkBatch(batch);
        Tensor out = Tensor.zeros(batch.dim(0), outputSize);
        predictBatch(batch.data(), batch.dim(0), out.data());
        return out;
    }

    /** Writes the outputs for {@code batch} into {@code out} ([batch, outputSize]); allocates nothing. */
    public void predict(Tensor batch, Tensor out) {
        checkBatch(batch);
        if (out == null || out.rank() != 2 || out.dim(0) != batch.dim(0) || out.dim(1) != outputSize) {
            throw new IllegalArgumentException("out must be [" + batch.dim(0) + ", " + outputSize + "], got "
                    + (out == null ? "null" : out.shapeString()));
        }
        predictBatch(batch.data(), batch.dim(0), out.data());
    }

    /**
     * Outputs for {@code batch} samples stored batch-major in {@code input} (batch * sampleSize values)
     * into {@code out} (batch * outputSize values, batch-major); allocates nothing.
     */
    public void predictBatch(float[] input, int batch, float[] out) {
        if (input == null) throw new IllegalArgumentException("input is null");
        if (out == null) throw new IllegalArgumentException("out is null");
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("batch " + batch + " is outside [1, " + maxBatch
                    + "], the session's batch size; build the session with a larger batchSize");
        }
        if (input.length < (long) batch * sampleSize) {
            throw new IllegalArgumentException("input has " + input.length + " values but a batch of " + batch
                    + " samples of " + sampleSize + " needs " + (long) batch * sampleSize);
        }
        if (out.length < (long) batch * outputSize) {
            throw new IllegalArgumentException("out has " + out.length + " values but a batch of " + batch
                    + " needs " + (long) batch * outputSize);
        }
        Workspace ws = acquire();
        try {
            run(ws, input, batch, out);
        } finally {
            workspaces.set(ws.slot, ws);
        }
    }

    private void run(Workspace ws, float[] input, int batch, float[] out) {
        System.arraycopy(input, 0, ws.a, 0, batch * sampleSize);
        float[] cur = ws.a;
        float[] next = ws.b;
        for (Step s : steps) {
            s.run(ws, cur, next, batch);
            float[] t = cur;
            cur = next;
            next = t;
        }
        if (outputTransposed) TransposeStep.transpose(cur, out, batch, outputSize, false);
        else System.arraycopy(cur, 0, out, 0, batch * outputSize);
    }

    /** Takes a free workspace out of its slot, spinning (then yielding) while all are busy. */
    private Workspace acquire() {
        int n = workspaces.length();
        for (int spins = 0; ; spins++) {
            for (int i = 0; i < n; i++) {
                Workspace w = workspaces.get(i);
                if (w != null && workspaces.compareAndSet(i, w, null)) return w;
            }
            if (spins < 64) Thread.onSpinWait();
            else Thread.yield();
        }
    }

    private void checkBatch(Tensor batch) {
        if (batch == null) throw new IllegalArgumentException("batch is null");
        boolean ok = batch.rank() == sampleShape.length + 1;
        for (int i = 0; ok && i < sampleShape.length; i++) ok = batch.dim(i + 1) == sampleShape[i];
        if (!ok) {
            throw new IllegalArgumentException("batch has shape " + batch.shapeString() + " but the session expects [batch, "
                    + Arrays.toString(sampleShape).replace("[", "").replace("]", "") + "]");
        }
    }

    /** Closes the thread pool if the session created it. */
    @Override
    public void close() {
        if (ownsPool) pool.close();
    }

    /** Configures and builds an {@link InferenceSession}. */
    public static final class Builder {
        private final Layer model;
        private final int[] sampleShape;
        private int batchSize = 1;
        private int threads = 1;
        private ComputePool pool;
        private int contexts = 4;
        private boolean tuning = true;
        private long budgetMillis = 100;
        private List<String> candidates = defaultCandidates();
        private SideBySideTimer.Clock clock = SideBySideTimer.SYSTEM;
        private final Map<String, String> forced = new HashMap<>();
        private Kernels kernels = KernelProvider.get();
        private SparseKernels sparseKernels = SparseKernelProvider.get();

        private Builder(Layer model, int[] sampleShape) {
            if (model == null) throw new IllegalArgumentException("model is null");
            if (sampleShape == null || sampleShape.length == 0) {
                throw new IllegalArgumentException("sampleShape must be a non-empty sample shape, got "
                        + Arrays.toString(sampleShape));
            }
            for (int d : sampleShape) {
                if (d < 1) throw new IllegalArgumentException("sampleShape has a dimension < 1: " + Arrays.toString(sampleShape));
            }
            this.model = model;
            this.sampleShape = sampleShape.clone();
        }

        /** Dense plus every sparse format spec tried by default. */
        public static List<String> defaultCandidates() {
            List<String> c = new ArrayList<>();
            c.add("dense");
            c.addAll(List.of("csr", "condensed", "block4", "block16", "nm1:8", "nm2:16", "nm2:4", "bank16", "csc"));
            return c;
        }

        /** The largest batch per call, and the batch size formats are tuned for (default 1). */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /** Threads for the kernels; the session creates (and closes) its pool. Default 1. */
        public Builder threads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            this.threads = threads;
            this.pool = null;
            return this;
        }

        /** Runs the kernels on the caller's pool (not closed by the session). */
        public Builder pool(ComputePool pool) {
            if (pool == null) throw new IllegalArgumentException("pool is null");
            this.pool = pool;
            return this;
        }

        /** Preallocated workspaces, i.e. calls that can run at once (default 4). */
        public Builder contexts(int contexts) {
            if (contexts < 1) throw new IllegalArgumentException("contexts must be >= 1, got " + contexts);
            this.contexts = contexts;
            return this;
        }

        /** Measure the candidates (default on); when off, layers use dense, or csr below 30% density. */
        public Builder tuning(boolean on) {
            this.tuning = on;
            return this;
        }

        /** Time spent measuring one layer's candidates after their warm-up (default 100 ms). */
        public Builder tuningBudgetMillis(long millis) {
            if (millis < 0) throw new IllegalArgumentException("tuning budget must be >= 0 ms, got " + millis);
            this.budgetMillis = millis;
            return this;
        }

        /**
         * The format specs tried per layer ("dense" and {@link SparseFormats} specs); "dense" is always
         * tried as well (added first when missing), so a sparse format is chosen only where it is faster.
         */
        public Builder candidates(List<String> specs) {
            if (specs == null || specs.isEmpty()) throw new IllegalArgumentException("candidates must be non-empty, got " + specs);
            List<String> c = new ArrayList<>(specs.size() + 1);
            if (!specs.contains("dense")) c.add("dense");
            for (String s : specs) if (!c.contains(s)) c.add(s);
            this.candidates = List.copyOf(c);
            return this;
        }

        /** The clock the tuning measurements read (tests drive a fake one); default System.nanoTime. */
        Builder clock(SideBySideTimer.Clock clock) {
            if (clock == null) throw new IllegalArgumentException("clock is null");
            this.clock = clock;
            return this;
        }

        /**
         * Forces the format of the Linear layer named {@code layer} (its parameter path without
         * ".weight", e.g. "1" or "3"; see {@link InferenceSession#choices()}); the build fails if the
         * layer's mask does not fit it.
         */
        public Builder format(String layer, String spec) {
            if (layer == null || spec == null) throw new IllegalArgumentException("layer and spec must be non-null");
            forced.put(layer, spec);
            return this;
        }

        /** Forces {@code spec} for every Linear layer (see {@link #format}). */
        public Builder formatAll(String spec) {
            if (spec == null) throw new IllegalArgumentException("spec is null");
            forced.put("*", spec);
            return this;
        }

        public Builder kernels(Kernels kernels, SparseKernels sparseKernels) {
            if (kernels == null || sparseKernels == null) throw new IllegalArgumentException("kernels must be non-null");
            this.kernels = kernels;
            this.sparseKernels = sparseKernels;
            return this;
        }

        public InferenceSession build() {
            ComputePool p = pool != null ? pool : ComputePool.ofThreads(threads);
            try {
                return new Planner(this, p).plan();
            } catch (RuntimeException e) {
                if (pool == null) p.close();
                throw e;
            }
        }
    }

    /** Turns the model into steps, choosing each Linear layer's format. */
    private static final class Planner {
        private final Builder b;
        private final ComputePool pool;
        private final Map<Layer, String> names = new IdentityHashMap<>();
        private final List<Layer> flat = new ArrayList<>();
        private final List<Step> steps = new ArrayList<>();
        private final List<LayerChoice> choices = new ArrayList<>();
        private final Map<String, Boolean> forcedUsed = new LinkedHashMap<>();
        private int fallbackSteps;

        Planner(Builder b, ComputePool pool) {
            this.b = b;
            this.pool = pool;
            Map<Parameter, String> byParam = new IdentityHashMap<>();
            for (Map.Entry<String, Parameter> e : Modules.namedParameters(b.model).entrySet()) {
                byParam.put(e.getValue(), e.getKey());
            }
            flatten(b.model, byParam);
            for (String k : b.forced.keySet()) forcedUsed.put(k, k.equals("*"));
        }

        private void flatten(Layer layer, Map<Parameter, String> byParam) {
            if (layer instanceof Sequential s) {
                for (int i = 0; i < s.size(); i++) flatten(s.get(i), byParam);
                return;
            }
            Parameter weight = layer instanceof Linear lin ? lin.weight() : layer instanceof Conv2d conv ? conv.weight() : null;
            if (weight != null) {
                String n = byParam.get(weight);
                String kind = layer instanceof Linear ? "linear" : "conv";
                names.put(layer, n == null ? kind + flat.size() : n.substring(0, n.length() - ".weight".length()));
            }
            flat.add(layer);
        }

        InferenceSession plan() {
            int[] shape = b.sampleShape.clone();
            boolean transposed = false;
            for (int i = 0; i < flat.size(); i++) {
                Layer layer = flat.get(i);
                int[] outShape = layer.outputShape(shape);
                int size = Tensor.checkedSize(shape);
                if (layer instanceof Flatten || layer instanceof Dropout) {
                    shape = outShape; // no data movement in either layout
                    continue;
                }
                Step step;
                if (layer instanceof Linear lin) {
                    Layer next = i + 1 < flat.size() ? flat.get(i + 1) : null;
                    boolean relu = next instanceof ReLU;
                    int winners = next instanceof KWinners kw ? kw.kInference() : -1;
                    step = linear(lin, relu, winners);
                    if (relu || winners >= 0) i++;
                } else if (layer instanceof Conv2d conv) {
                    BatchNorm2d bn = i + 1 < flat.size() && flat.get(i + 1) instanceof BatchNorm2d n ? n : null;
                    int after = i + (bn != null ? 2 : 1);
                    boolean relu = after < flat.size() && flat.get(after) instanceof ReLU;
                    step = conv(conv, bn, relu, shape);
                    if (bn != null) outShape = bn.outputShape(outShape);
                    i = after - (relu ? 0 : 1);
                } else if (layer instanceof ReLU) {
                    step = new ReluStep(size);
                } else {
                    step = new LayerStep(fallbackSteps++, layer, shape, outShape);
                }
                Boolean wants = step.readsTransposed();
                if (wants != null && wants != transposed) {
                    steps.add(new TransposeStep(size, wants));
                    transposed = wants;
                }
                steps.add(step);
                transposed = step.writesTransposed(transposed);
                shape = outShape;
            }
            for (Map.Entry<String, Boolean> e : forcedUsed.entrySet()) {
                if (!e.getValue()) {
                    throw new IllegalArgumentException("a format was forced for layer '" + e.getKey()
                            + "' but the model has no such Linear or Conv2d layer; its layers with weights are "
                            + names.values());
                }
            }
            return new InferenceSession(b, steps, transposed, Tensor.checkedSize(shape), choices, pool, fallbackSteps);
        }

        private Step linear(Linear lin, boolean relu, int winners) {
            String name = names.get(lin);
            float[] values = lin.weight().value().data().clone();
            float[] bias = lin.bias() == null ? null : lin.bias().value().data().clone();
            Choice c = choose(name, lin.weight(), values, lin.outFeatures(), lin.inFeatures(), bias, relu, b.batchSize);
            return new LinearStep(name, c.matrix, bias, relu, winners, b.sparseKernels, pool, c.tuning);
        }

        /**
         * A convolution as a matrix [cout][cin·kh·kw] times each image's columns; a BatchNorm2d after it
         * is folded in (each output channel's weights and bias scaled by gamma / sqrt(var + eps), which
         * keeps the mask), so conv, batch norm and ReLU run as one kernel pass.
         */
        private Step conv(Conv2d conv, BatchNorm2d bn, boolean relu, int[] inShape) {
            String name = names.get(conv);
            int rows = conv.outChannels();
            int cols = conv.inChannels() * conv.kernelHeight() * conv.kernelWidth();
            float[] values = conv.weight().value().data().clone();
            float[] bias = conv.bias() == null ? null : conv.bias().value().data().clone();
            if (bn != null) {
                bias = bias == null ? new float[rows] : bias;
                float[] gamma = bn.weight().value().data();
                float[] beta = bn.bias().value().data();
                float[] mean = bn.runningMean().data();
                float[] var = bn.runningVar().data();
                for (int o = 0; o < rows; o++) {
                    double scale = gamma[o] / Math.sqrt(var[o] + bn.eps());
                    for (int k = 0; k < cols; k++) values[o * cols + k] = (float) (values[o * cols + k] * scale);
                    bias[o] = (float) ((bias[o] - mean[o]) * scale + beta[o]);
                }
            }
            Im2col geometry = conv.geometry(inShape[1], inShape[2]);
            int columns = geometry.cols() * ConvStep.group(geometry.cols(), b.batchSize);
            Choice c = choose(name, conv.weight(), values, rows, cols, bias, relu, columns);
            return new ConvStep(name, c.matrix, bias, relu, bn != null, geometry, b.batchSize, b.sparseKernels, pool,
                    c.tuning);
        }

        private record Choice(PackedWeights matrix, Autotuner.Result tuning) {}

        /**
         * Packs one layer's weights (values already copied, in the layer's parameter order) into the
         * forced format, or the one measured fastest at {@code tuneBatch} columns per kernel call.
         */
        private Choice choose(String name, Parameter w, float[] values, int rows, int cols, float[] bias, boolean relu,
                              int tuneBatch) {
            MaskedWeights masked;
            long maskHash = 1;
            if (w.hasMask()) {
                w.mask().apply(values);
                float[] m = w.mask().values();
                masked = MaskedWeights.of(values, m, rows, cols, name);
                for (float v : m) maskHash = maskHash * 31 + (v != 0f ? 1 : 0);
            } else {
                masked = MaskedWeights.dense(values, rows, cols, name);
            }

            String spec = b.forced.get(name);
            if (spec != null) forcedUsed.put(name, true);
            else spec = b.forced.get("*");
            if (spec != null) {
                PackedWeights m = build(spec, masked, values, rows, cols, name, true);
                choices.add(new LayerChoice(name, cols, rows, m.nnz(), spec, Double.NaN, Map.of(), false));
                return new Choice(m, null);
            }
            if (!b.tuning) {
                spec = w.hasMask() && w.mask().activeCount() < 0.3 * rows * cols ? "csr" : "dense";
                PackedWeights m = build(spec, masked, values, rows, cols, name, true);
                choices.add(new LayerChoice(name, cols, rows, m.nnz(), spec, Double.NaN, Map.of(), false));
                return new Choice(m, null);
            }
            String key = Autotuner.key(rows, cols, maskHash, tuneBatch, pool.threads(),
                    b.sparseKernels.name() + "+" + b.kernels.name() + (relu ? "+relu" : ""), b.candidates);
            Autotuner.Result r = Autotuner.cached(key);
            PackedWeights chosen;
            if (r != null) {
                chosen = build(r.chosen(), masked, values, rows, cols, name, true);
            } else {
                List<String> specs = new ArrayList<>();
                List<PackedWeights> built = new ArrayList<>();
                for (String s : b.candidates) {
                    PackedWeights m = build(s, masked, values, rows, cols, name, false);
                    if (m != null) {
                        specs.add(s);
                        built.add(m);
                    }
                }
                r = Autotuner.tune(key, specs, built, bias, relu, tuneBatch, b.sparseKernels, pool,
                        b.clock == SideBySideTimer.SYSTEM ? SideBySideTimer.system(SideBySideTimer.Plan.forTuning(b.budgetMillis))
                                : new SideBySideTimer(b.clock, SideBySideTimer.Plan.forTuning(b.budgetMillis)));
                chosen = built.get(specs.indexOf(r.chosen()));
            }
            choices.add(new LayerChoice(name, cols, rows, chosen.nnz(), r.chosen(), r.chosenMicros(), r.micros(), r.cached()));
            return new Choice(chosen, r);
        }

        private PackedWeights build(String spec, MaskedWeights masked, float[] values, int rows, int cols, String name,
                                   boolean required) {
            if (spec.equals("dense")) return new DenseWeights(name, values, rows, cols, b.kernels);
            if (required) {
                try {
                    return SparseFormats.build(spec, masked);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("layer '" + name + "': cannot use format '" + spec + "': "
                            + e.getMessage(), e);
                }
            }
            try {
                return SparseFormats.tryBuild(spec, masked);
            } catch (IllegalArgumentException e) {
                return null; // e.g. nm1:8 on a layer whose width is not a multiple of 8
            }
        }
    }
}
