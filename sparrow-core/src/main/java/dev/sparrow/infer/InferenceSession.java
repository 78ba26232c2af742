package dev.sparrow.infer;

import dev.sparrow.graph.ModelGraph;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.sparse.FormatRegistry;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.Structure;
import dev.sparrow.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * Runs a model for inference: a Sparrow model (lowered into a {@link ModelGraph}, each weight's mask kept) or a
 * graph read from a model file ({@link #load(Path)}, e.g. {@code .onnx} through sparrow-onnx, each weight's zeros
 * taken as its mask). Every Dense and Conv node's weights are packed into one format (dense or a sparse format
 * from {@link FormatRegistry}) chosen by timing the candidates at the session's batch size on this machine
 * (cached per layer shape, mask, batch and threads), with the ReLU after it fused into the kernel's output pass.
 * A convolution runs as the same kernels over each image's im2col columns (see {@link ConvStep}), with a batch
 * norm after it folded into its weights; that includes the convolutions inside residual blocks. Other ops
 * (pooling, adds, standalone batch norm, ...) run plain loops over preallocated buffers. Activations stay
 * transposed ([features][batch]) between Dense layers, so each layer's kernel reads its input directly;
 * convolutions read and write NCHW. {@link #plan()} describes the plan (shapes, layouts, formats).
 *
 * <p>{@code predict} is thread-safe: each call borrows one of {@link Builder#contexts(int)} preallocated
 * workspaces (waiting when all are busy), so the overloads that take an output array allocate nothing
 * in steady state. The session copies the weights it packs: the model may be trained on afterwards.
 */
public final class InferenceSession implements Predictor {
    private final int[] sampleShape;
    private final int sampleSize;
    private final int outputSize;
    private final int maxBatch;
    private final Step[] steps;
    private final List<PlanNode> nodes;
    private final int inputSlot;
    private final int outputSlot;
    private final boolean outputTransposed;
    private final AtomicReferenceArray<Workspace> workspaces;
    private final ComputePool pool;
    private final boolean ownsPool;
    private final List<LayerChoice> choices;
    private final ModelSpec spec; // null when built from a bare model

    /**
     * The format chosen for one Linear or Conv2d layer (in = cin·kh·kw for a convolution), with the
     * measured time per call (NaN when not measured).
     */
    public record LayerChoice(String layer, int in, int out, long nnz, String format, double micros,
                              Map<String, Double> candidateMicros, boolean cached) {}

    InferenceSession(Builder b, CpuPlan plan, List<LayerChoice> choices, ComputePool pool) {
        this.sampleShape = b.sampleShape.clone();
        this.sampleSize = Tensor.checkedSize(sampleShape);
        this.outputSize = plan.outputSize();
        this.maxBatch = b.batchSize;
        this.steps = plan.steps();
        this.nodes = plan.nodes();
        this.inputSlot = plan.inputSlot();
        this.outputSlot = plan.outputSlot();
        this.outputTransposed = plan.outputTransposed();
        this.pool = pool;
        this.ownsPool = b.pool == null;
        this.choices = List.copyOf(choices);
        this.spec = b.spec;
        this.workspaces = new AtomicReferenceArray<>(b.contexts);
        for (int i = 0; i < b.contexts; i++) {
            workspaces.set(i, new Workspace(i, plan.slotFloats(), maxBatch, plan.maxFeatures(), plan.columnFloats(),
                    plan.stagingFloats(), pool.threads()));
        }
    }

    /** A builder for {@code model} fed samples of {@code sampleShape} (batch excluded). */
    public static Builder builder(Layer model, int... sampleShape) {
        return new Builder(model, null, sampleShape);
    }

    /**
     * A builder for a model graph (e.g. imported from ONNX): each weight's zeros are its mask, so the formats that
     * can hold them are tried beside dense.
     */
    public static Builder builder(ModelGraph graph) {
        if (graph == null) throw new IllegalArgumentException("graph is null");
        return new Builder(null, graph, graph.inputShape());
    }

    /**
     * A session with default settings (batch 1, one thread, tuned formats) for a model file: a checkpoint written
     * by training, which describes itself (see {@link #loadModel(Path)}), or a file in a format a
     * {@link ModelFormat} on the class path reads (e.g. {@code .onnx} with sparrow-onnx): nothing else is needed.
     *
     * @param model a checkpoint or another model file
     * @return the session; for a checkpoint {@link #spec()} holds the class names and input normalisation
     * @throws IOException when the file cannot be read
     */
    public static InferenceSession load(Path model) throws IOException {
        return builder(model).build();
    }

    /**
     * A builder for a model file (see {@link #load(Path)}): a {@link ModelFormat}'s graph, or the self-describing
     * model in a checkpoint, carrying its {@link ModelSpec}.
     *
     * @param model a checkpoint or another model file
     * @return a builder to adjust batch size, threads or formats before {@link Builder#build()}
     * @throws IOException when the file cannot be read
     */
    public static Builder builder(Path model) throws IOException {
        // a checkpoint is a .safetensors file; any other file goes to the model formats, which name what they read
        if (!isCheckpointName(model)) return builder(ModelFormat.readAny(model));
        SavedModel m = loadModel(model);
        return new Builder(m.model(), null, m.spec().sampleShape()).spec(m.spec());
    }

    private static boolean isCheckpointName(Path path) {
        return path != null && path.getFileName() != null
                && path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".safetensors");
    }

    /**
     * The model saved in {@code checkpoint} with its {@link ModelSpec}: architecture, sample shape, class
     * names and input normalisation come from the checkpoint. A checkpoint written before checkpoints
     * carried a spec gets the Fashion-MNIST defaults and a {@link SavedModel#note()} that says so.
     * A {@code .onnx} file is not a checkpoint: it loads through the ONNX model format.
     *
     * @param checkpoint a checkpoint written by training
     * @return the restored model and its spec
     * @throws IOException when the file cannot be read
     */
    public static SavedModel loadModel(Path checkpoint) throws IOException {
        if (checkpoint != null && checkpoint.getFileName() != null
                && checkpoint.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            // a .onnx file is a graph, not a checkpoint of a zoo model
            throw new IllegalArgumentException(checkpoint + ": an .onnx model is not a checkpoint; load it with"
                    + " InferenceSession.load (sparrow-onnx on the class path)");
        }
        return ModelLoader.load(checkpoint);
    }

    /**
     * A builder for the model saved in {@code checkpoint}: its config names the model, which is rebuilt
     * with {@link dev.sparrow.nn.models.ModelZoo} for samples of {@code sampleShape} and {@code classes} outputs, then restored.
     */
    public static Builder builder(Path checkpoint, int[] sampleShape, int classes) throws IOException {
        return new Builder(loadModel(checkpoint, sampleShape, classes), null, sampleShape);
    }

    /**
     * The model saved in {@code checkpoint} (weights, masks, BatchNorm statistics), rebuilt with
     * {@link dev.sparrow.nn.models.ModelZoo} from the model name in its config, for samples of {@code sampleShape} and
     * {@code classes} outputs. Several sessions (e.g. dense and sparse) can be built from it.
     */
    public static Sequential loadModel(Path checkpoint, int[] sampleShape, int classes) throws IOException {
        return ModelLoader.load(checkpoint, sampleShape, classes);
    }

    public int[] sampleShape() { return sampleShape.clone(); }

    /**
     * What the model says about itself (class names, input normalisation) when the session was built
     * from a checkpoint or given one with {@link Builder#spec}; empty for a bare model.
     *
     * @return the spec, if known
     */
    public Optional<ModelSpec> spec() { return Optional.ofNullable(spec); }

    /**
     * {@inheritDoc} An image file becomes such a sample with {@code ImageFiles.sample(ImageFiles.read(file),
     * spec.sampleShape())} (package {@code data}: resized and turned to gray or RGB as the model takes it).
     */
    @Override
    public List<Prediction> classify(float[] rawSample, int k) {
        return Predictor.super.classify(rawSample, k);
    }

    /** {@link Device#CPU}. */
    @Override
    public Device device() { return Device.CPU; }

    public int sampleSize() { return sampleSize; }

    public int outputSize() { return outputSize; }

    /** The largest batch one call accepts (the batch size the formats were tuned for). */
    public int maxBatch() { return maxBatch; }

    /** The format chosen for each Linear layer, in model order. */
    public List<LayerChoice> choices() { return choices; }

    /** The plan: one description per step, in execution order (shapes, layouts, the format chosen per node). */
    public List<PlanNode> plan() { return nodes; }

    /** One line per step of the plan, with each Linear layer's format and measured times. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("InferenceSession: sample ").append(Arrays.toString(sampleShape)).append(" -> ").append(outputSize)
                .append(", max batch ").append(maxBatch).append(", threads ").append(pool.threads()).append('\n');
        for (Step s : steps) sb.append("  ").append(s.describe()).append('\n');
        return sb.toString();
    }

    /**
     * Per-step profile: the median time of each step (in plan order, described as {@link #describe()} lists them)
     * over {@code rounds} runs on {@code input} (a batch of {@code batch} samples). Allocates; not for serving.
     */
    public double[] stepMedianNanos(float[] input, int batch, int rounds) {
        if (input == null || batch < 1 || batch > maxBatch || input.length < (long) batch * sampleSize) {
            throw new IllegalArgumentException("batch " + batch + " with " + (input == null ? "no" : input.length)
                    + " input values: need a batch of 1.." + maxBatch + " samples of " + sampleSize + " values");
        }
        Workspace ws = acquire();
        try {
            return StepProfiler.medianNanos(steps, ws, inputSlot, input, batch * sampleSize, batch, rounds);
        } finally {
            workspaces.set(ws.slot, ws);
        }
    }

    /** One line per step, in the order of {@link #stepMedianNanos}. */
    public List<String> stepDescriptions() {
        List<String> d = new java.util.ArrayList<>(steps.length);
        for (Step s : steps) d.add(s.describe());
        return d;
    }

    /**
     * The per-step profile as text for {@code bench model --explain}: each step's median time ({@link
     * #stepMedianNanos}) and its share of the summed medians. Allocates; not for serving.
     */
    public String profile(float[] input, int batch, int rounds) {
        double[] nanos = stepMedianNanos(input, batch, rounds);
        double total = 0;
        for (double n : nanos) total += n / 1e3;
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "per-step medians over %d calls at batch %d: %.1f us in all%n", rounds, batch, total));
        for (int i = 0; i < nanos.length; i++) {
            String line = steps[i].describe();
            int cut = line.indexOf(" candidates");
            double us = nanos[i] / 1e3;
            sb.append(String.format(java.util.Locale.ROOT, "  %10.1f us %5.1f%%  %s%n", us, 100 * us / total,
                    cut < 0 ? line : line.substring(0, cut)));
        }
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
        System.arraycopy(input, 0, ws.buffers[inputSlot], 0, batch * sampleSize);
        for (Step s : steps) s.execute(ws, batch);
        float[] cur = ws.buffers[outputSlot];
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
        // read by the Planner and the FormatChooser
        final Layer model;      // a Sparrow model, lowered into a graph at build time; or
        final ModelGraph graph; // a graph as given
        final int[] sampleShape;
        int batchSize = 1;
        private int threads = 1;
        ComputePool pool;
        int contexts = 4;
        boolean tuning = true;
        long budgetMillis = 100;
        List<String> candidates = defaultCandidates();
        Structure structure = Structure.UNSTRUCTURED;
        SideBySideTimer.Clock clock = SideBySideTimer.SYSTEM;
        final Map<String, String> forced = new HashMap<>();
        Kernels kernels = Backend.get().kernels();
        SparseKernels sparseKernels = SparseKernels.of(Backend.get());
        ModelSpec spec;
        WinnerSelection winnerSelection = WinnerSelection.EXACT;
        boolean sparseInput = true;
        private Device device = Device.CPU;
        private Consumer<String> fallback = Builder::noteOnce;
        Iterable<DeviceProvider> providers; // null: ServiceLoader (tests give their own)
        private static final Set<String> NOTED = ConcurrentHashMap.newKeySet();

        private Builder(Layer model, ModelGraph graph, int[] sampleShape) {
            if (model == null && graph == null) throw new IllegalArgumentException("model is null");
            if (sampleShape == null || sampleShape.length == 0) {
                throw new IllegalArgumentException("sampleShape must be a non-empty sample shape, got "
                        + Arrays.toString(sampleShape));
            }
            for (int d : sampleShape) {
                if (d < 1) throw new IllegalArgumentException("sampleShape has a dimension < 1: " + Arrays.toString(sampleShape));
            }
            this.model = model;
            this.graph = graph;
            this.sampleShape = sampleShape.clone();
        }

        /** Dense plus every sparse format spec tried by default ({@link FormatRegistry#tunedByDefault()}). */
        public static List<String> defaultCandidates() {
            List<String> c = new ArrayList<>();
            c.add("dense");
            c.addAll(FormatRegistry.tunedByDefault());
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
         * The format specs tried per layer ("dense" and {@link FormatRegistry} specs); "dense" is always
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

        /**
         * The structure the model's masks are known to have (e.g. the training method's
         * {@code SparsityMethod.structure()}): candidates whose format cannot hold every mask of it are
         * skipped without reading the mask. Default {@link Structure#UNSTRUCTURED}: each candidate is
         * checked against each layer's mask.
         */
        public Builder structure(Structure structure) {
            if (structure == null) throw new IllegalArgumentException("structure is null");
            this.structure = structure;
            return this;
        }

        /**
         * What the model is (class names, input normalisation), for {@link InferenceSession#classify};
         * its sample shape must be the builder's.
         *
         * @param spec the model's spec
         * @return this builder
         */
        public Builder spec(ModelSpec spec) {
            if (spec == null) throw new IllegalArgumentException("spec is null");
            if (!Arrays.equals(spec.sampleShape(), sampleShape)) {
                throw new IllegalArgumentException("spec's sample shape " + Arrays.toString(spec.sampleShape())
                        + " is not the session's " + Arrays.toString(sampleShape));
            }
            this.spec = spec;
            return this;
        }

        /**
         * The timer of the tuning measurements, about budgetMillis per layer. On the system clock it also waits after
         * the warm-ups until the JIT has stopped compiling: on a busy two-core machine the first layer of an MLP was
         * timed before C2 had compiled its candidates (36-170 ms per call for kernels of 0.2-0.5 ms) and csc won by
         * accident over condensed.
         */
        SideBySideTimer tuningTimer() {
            SideBySideTimer.Plan p = SideBySideTimer.Plan.forTuning(budgetMillis);
            if (clock != SideBySideTimer.SYSTEM) return new SideBySideTimer(clock, p);
            return SideBySideTimer.system(new SideBySideTimer.Plan(p.warmupCalls(), p.warmupMinNanos(), p.warmupMaxNanos(),
                    p.minRounds(), p.maxRounds(), p.budgetNanos(), p.minSampleNanos(), p.pruneAfter(), true));
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

        /**
         * How k-WTA winners are chosen: {@link WinnerSelection#EXACT} top-k (the default; equals the model's forward
         * pass) or the sort-free {@link WinnerSelection#THRESHOLD} (mean + z·std, faster, approximate).
         */
        public Builder winnerSelection(WinnerSelection selection) {
            if (selection == null) throw new IllegalArgumentException("selection is null");
            this.winnerSelection = selection;
            return this;
        }

        /**
         * Whether a Linear or stride-1 convolution whose input is a k-WTA output visits only the winners (default
         * true); off, it runs as on any input (to measure what the activation sparsity buys).
         */
        public Builder sparseInput(boolean on) {
            this.sparseInput = on;
            return this;
        }

        public Builder kernels(Kernels kernels, SparseKernels sparseKernels) {
            if (kernels == null || sparseKernels == null) throw new IllegalArgumentException("kernels must be non-null");
            this.kernels = kernels;
            this.sparseKernels = sparseKernels;
            return this;
        }

        /**
         * The device {@link #open()} builds on (default {@link Device#CPU}). A device other than the CPU is found
         * through its {@link DeviceProvider} (e.g. sparrow-cuda for {@link Device#CUDA}); the batch size, tuning and
         * spec apply there too, the CPU's threads, formats and kernels only to the CPU session.
         */
        public Builder device(Device device) {
            if (device == null) throw new IllegalArgumentException("device is null");
            this.device = device;
            return this;
        }

        /**
         * Who hears the one line said when {@link #open()} falls back to the CPU (default: standard error, each
         * distinct line once per JVM).
         */
        public Builder onFallback(Consumer<String> listener) {
            if (listener == null) throw new IllegalArgumentException("listener is null");
            this.fallback = listener;
            return this;
        }

        /**
         * The session on the builder's {@link #device}: the CPU session for {@link Device#CPU}; otherwise the
         * device's provider builds it, and where there is no provider on the class path, the provider says the
         * device is unsupported here (no driver, no GPU, ...) or refuses the model (an op it cannot run), the CPU
         * session is built instead and one line says why ({@link #onFallback}).
         *
         * @return the session; {@link Predictor#device()} says where it runs
         */
        public Predictor open() {
            if (device == Device.CPU) return buildCpu();
            String why;
            Optional<DeviceProvider> provider = providers != null ? DeviceProvider.find(device, providers)
                    : DeviceProvider.find(device);
            if (provider.isEmpty()) {
                why = DeviceProvider.missing(device);
            } else {
                Optional<String> unsupported = provider.get().unsupportedReason();
                if (unsupported.isPresent()) {
                    why = unsupported.get();
                } else {
                    LoweredModel lowered = graph != null ? new LoweredModel(graph, Map.of()) : LoweredModel.of(model, sampleShape);
                    try {
                        return provider.get().open(new DeviceRequest(lowered, batchSize, tuning, spec));
                    } catch (UnsupportedOperationException e) {
                        why = String.valueOf(e.getMessage());
                    }
                }
            }
            fallback.accept(fallbackLine(device, why));
            return buildCpu();
        }

        /** The line said when a session for {@code device} runs on the CPU instead, for {@code reason}. */
        public static String fallbackLine(Device device, String reason) {
            String oneLine = reason == null ? "unknown reason" : reason.strip().replaceAll("\\s*\\R\\s*", "; ");
            return "device " + device + " unavailable: " + oneLine + "; the session runs on the CPU";
        }

        private static void noteOnce(String line) {
            if (NOTED.add(line)) System.err.println("sparrow: " + line);
        }

        /**
         * The CPU session. Where {@link #device} is not the CPU, use {@link #open()}, which builds on it (or falls
         * back here, saying why).
         */
        public InferenceSession build() {
            if (device != Device.CPU) {
                throw new IllegalStateException("device is " + device + ": open() builds the session there; build() only"
                        + " builds the CPU session");
            }
            return buildCpu();
        }

        private InferenceSession buildCpu() {
            ComputePool p = pool != null ? pool : ComputePool.ofThreads(threads);
            try {
                if (graph != null) return new Planner(this, graph, null, p).plan();
                ModelLowering.Lowered lowered = ModelLowering.lower(model, sampleShape);
                return new Planner(this, lowered.graph(), lowered.masks(), p).plan();
            } catch (RuntimeException e) {
                if (pool == null) p.close();
                throw e;
            }
        }
    }
}
