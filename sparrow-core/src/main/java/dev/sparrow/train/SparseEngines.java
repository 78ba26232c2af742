package dev.sparrow.train;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.SparseEngineLayer;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Which training engine runs each masked Linear and Conv2d layer (issue 13). The sparse engine (packed weights,
 * see {@link SparseEngineLayer#useSparseEngine}) is used where a layer is at least {@value #MIN_SPARSITY} sparse
 * and measured faster than the masked dense engine at the run's batch size, SparseProp's rule: both are timed
 * once, forward + backward of a copy of the layer with the same mask (for a convolution, on inputs of the size
 * it sees in the model), side by side.
 */
public final class SparseEngines {
    /** Below this sparsity a layer stays on the masked engine without being timed. */
    public static final double MIN_SPARSITY = 0.8;

    private SparseEngines() {}

    /** One layer's choice, for summary.json. */
    public record Choice(String layer, double sparsity, String engine, double maskedMs, double sparseMs, String why) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", layer);
            m.put("sparsity", sparsity);
            m.put("engine", engine);
            if (!Double.isNaN(maskedMs)) m.put("masked_ms", maskedMs);
            if (!Double.isNaN(sparseMs)) m.put("sparse_ms", sparseMs);
            m.put("why", why);
            return m;
        }
    }

    /** Every masked Linear and Conv2d layer of the model with its qualified name ("0", "2.1", ...). */
    public static Map<String, SparseEngineLayer> maskedLayers(Layer root) {
        Map<String, SparseEngineLayer> out = new LinkedHashMap<>();
        collect(root, "", out);
        return out;
    }

    private static void collect(Layer l, String prefix, Map<String, SparseEngineLayer> out) {
        if (l instanceof SparseEngineLayer s && s.weight().hasMask()) out.put(prefix.isEmpty() ? "model" : prefix, s);
        List<Layer> children = l.children();
        for (int i = 0; i < children.size(); i++) {
            collect(children.get(i), prefix.isEmpty() ? String.valueOf(i) : prefix + "." + i, out);
        }
    }

    /**
     * With this system property set to true a layer takes the sparse engine by its sparsity alone, untimed. The
     * two engines round differently, so a choice by timing can differ between two runs of the same seed; the test
     * suite (and anyone who needs two runs to agree bit for bit) sets it. A resumed run always keeps the engines
     * of its checkpoint.
     */
    public static final String UNTIMED_PROPERTY = "sparrow.train.untimedEngines";
    private static final boolean UNTIMED = Boolean.getBoolean(UNTIMED_PROPERTY);

    /** Checkpoint metadata key of the engine chosen per layer, so that a resumed run keeps them. */
    public static final String METADATA_KEY = "sparrow.engines";

    /** The choices as checkpoint metadata: a JSON object {layer: "sparse" | "masked"}; null when none. */
    public static String toMetadata(List<Choice> choices) {
        if (choices.isEmpty()) return null;
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (Choice c : choices) m.put(c.layer(), c.engine());
        return dev.sparrow.util.Json.write(m);
    }

    /** The engines saved by {@link #toMetadata}, or null when the checkpoint has none (or they are malformed). */
    public static Map<String, String> fromMetadata(String json) {
        if (json == null) return null;
        Map<String, String> out = new java.util.LinkedHashMap<>();
        try {
            for (Map.Entry<String, Object> e : dev.sparrow.util.Json.parseObject(json, dev.sparrow.util.Json.Limits.of(1 << 16)).entrySet()) {
                if (!(e.getValue() instanceof String v) || !(v.equals("sparse") || v.equals("masked"))) return null;
                out.put(e.getKey(), v);
            }
        } catch (IllegalArgumentException e) {
            return null; // then the engines are chosen again, as for a checkpoint written before they were saved
        }
        return out;
    }

    /** Applies saved engines (a layer not named, or no longer masked, stays masked). */
    public static List<Choice> apply(Layer model, Map<String, String> saved) {
        List<Choice> out = new ArrayList<>();
        for (Map.Entry<String, SparseEngineLayer> e : maskedLayers(model).entrySet()) {
            boolean sparse = "sparse".equals(saved.get(e.getKey()));
            e.getValue().useSparseEngine(sparse);
            out.add(new Choice(e.getKey(), e.getValue().weight().mask().sparsity(), sparse ? "sparse" : "masked",
                    Double.NaN, Double.NaN, "as in the checkpoint resumed from"));
        }
        return out;
    }

    /** Puts every masked Linear and Conv2d on the sparse engine, untimed (benchmarks, tests). */
    public static List<Choice> forceSparse(Layer model) {
        List<Choice> out = new ArrayList<>();
        for (Map.Entry<String, SparseEngineLayer> e : maskedLayers(model).entrySet()) {
            e.getValue().useSparseEngine(true);
            out.add(new Choice(e.getKey(), e.getValue().weight().mask().sparsity(), "sparse", Double.NaN, Double.NaN, "forced"));
        }
        return out;
    }

    /**
     * Chooses per layer by sparsity and a measurement at {@code batch} (about {@code budgetMillis} per layer
     * after warm-up), and switches the chosen layers to the sparse engine. A convolution is timed on inputs of
     * the size it sees in the model: one inference pass of a zero sample of {@code sampleShape} (the model's
     * input sample, batch excluded) tells each its input size; no statistics change in inference.
     */
    public static List<Choice> choose(Layer model, int[] sampleShape, int batch, ComputePool pool, ExecutionContext base,
                                      long budgetMillis) {
        Map<String, SparseEngineLayer> layers = maskedLayers(model);
        if (!UNTIMED) showInputSizes(model, layers, sampleShape, pool, base);
        List<Choice> out = new ArrayList<>();
        for (Map.Entry<String, SparseEngineLayer> e : layers.entrySet()) {
            SparseEngineLayer l = e.getValue();
            double sparsity = l.weight().mask().sparsity();
            if (sparsity < MIN_SPARSITY) {
                out.add(new Choice(e.getKey(), sparsity, "masked", Double.NaN, Double.NaN,
                        "sparsity below " + MIN_SPARSITY));
                continue;
            }
            if (UNTIMED) {
                l.useSparseEngine(true);
                out.add(new Choice(e.getKey(), sparsity, "sparse", Double.NaN, Double.NaN,
                        "by sparsity alone (-D" + UNTIMED_PROPERTY + ")"));
                continue;
            }
            if (l instanceof Conv2d c && c.lastInputSample() == null) {
                out.add(new Choice(e.getKey(), sparsity, "masked", Double.NaN, Double.NaN, "input size unknown"));
                continue;
            }
            double[] ms = time(l, batch, pool, base, budgetMillis);
            // the sparse engine's kernels may still be compiling on a busy machine: a loss is timed once more
            if (!(ms[1] < ms[0])) ms = time(l, batch, pool, base, budgetMillis);
            boolean sparse = ms[1] < ms[0];
            l.useSparseEngine(sparse);
            out.add(new Choice(e.getKey(), sparsity, sparse ? "sparse" : "masked", ms[0], ms[1],
                    sparse ? "measured faster" : "measured slower"));
        }
        return out;
    }

    /**
     * Runs one inference pass of a zero sample of {@code sampleShape} through the model when a convolution of
     * {@code layers} has not seen an input yet, so that each knows the input size it is timed at. Inference
     * changes no statistics (BatchNorm, k-WTA duty cycles) and draws no random numbers.
     */
    static void showInputSizes(Layer model, Map<String, SparseEngineLayer> layers, int[] sampleShape, ComputePool pool,
                               ExecutionContext base) {
        boolean unknown = false;
        for (SparseEngineLayer l : layers.values()) unknown |= l instanceof Conv2d c && c.lastInputSample() == null;
        if (unknown) model.forward(Tensor.zeros(batchShape(1, sampleShape)), new ExecutionContext(base.kernels(), pool, 0L).training(false));
    }

    /** Forward + backward of copies of the layer (same shape and mask) on both engines: {masked, sparse} ms. */
    static double[] time(SparseEngineLayer l, int batch, ComputePool pool, ExecutionContext base, long budgetMillis) {
        SparseEngineLayer masked = copy(l);
        SparseEngineLayer sparse = copy(l);
        Mask mask = l.weight().mask();
        masked.weight().setMask(mask.copy());
        sparse.weight().setMask(mask.copy());
        sparse.useSparseEngine(true);
        SplittableRandom rng = new SplittableRandom(7);
        int[] in = switch (l) {
            case Linear lin -> new int[] {lin.inFeatures()};
            case Conv2d c -> c.lastInputSample();
        };
        Tensor x = random(rng, batchShape(batch, in));
        Tensor g = random(rng, batchShape(batch, l.outputShape(in)));
        ExecutionContext ctx = new ExecutionContext(base.kernels(), pool, 0L).training(true).denseWeightGradients(false);
        Runnable a = () -> {
            masked.forward(x, ctx);
            masked.backward(g, ctx);
        };
        Runnable b = () -> {
            sparse.forward(x, ctx);
            sparse.backward(g, ctx);
        };
        SideBySideTimer.Timing t = SideBySideTimer.system(SideBySideTimer.Plan.forTuningAfterJit(budgetMillis)).time(List.of(a, b));
        return new double[] {t.medianNanos()[0] / 1e6, t.medianNanos()[1] / 1e6};
    }

    /** A layer of the same shape (weights drawn from a fixed seed). */
    private static SparseEngineLayer copy(SparseEngineLayer l) {
        return switch (l) {
            case Linear lin -> new Linear(lin.inFeatures(), lin.outFeatures(), lin.bias() != null, 1L);
            case Conv2d c -> new Conv2d(c.inChannels(), c.outChannels(), c.kernelHeight(), c.kernelWidth(), c.stride(),
                    c.padding(), c.bias() != null, 1L);
        };
    }

    private static int[] batchShape(int batch, int[] sample) {
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return shape;
    }

    private static Tensor random(SplittableRandom rng, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
        return t;
    }
}
