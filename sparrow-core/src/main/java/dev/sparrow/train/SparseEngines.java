package dev.sparrow.train;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Which training engine runs each masked Linear layer (issue 13). The sparse engine (packed weights, see
 * {@code Linear.useSparseEngine}) is used where a layer is at least {@value #MIN_SPARSITY} sparse and
 * measured faster than the masked dense engine at the run's batch size, SparseProp's rule: both are timed
 * once, forward + backward of a copy of the layer with the same mask, side by side. Conv2d layers stay
 * on the masked engine (not yet ported).
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

    /** Every masked Linear layer of the model with its qualified name ("0", "2.1", ...). */
    public static Map<String, Linear> maskedLinears(Layer root) {
        Map<String, Linear> out = new LinkedHashMap<>();
        collect(root, "", out);
        return out;
    }

    private static void collect(Layer l, String prefix, Map<String, Linear> out) {
        if (l instanceof Linear lin && lin.weight().hasMask()) out.put(prefix.isEmpty() ? "model" : prefix, lin);
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
        for (Map.Entry<String, Linear> e : maskedLinears(model).entrySet()) {
            boolean sparse = "sparse".equals(saved.get(e.getKey()));
            e.getValue().useSparseEngine(sparse);
            out.add(new Choice(e.getKey(), e.getValue().weight().mask().sparsity(), sparse ? "sparse" : "masked",
                    Double.NaN, Double.NaN, "as in the checkpoint resumed from"));
        }
        return out;
    }

    /** Puts every masked Linear on the sparse engine, untimed (benchmarks, tests). */
    public static List<Choice> forceSparse(Layer model) {
        List<Choice> out = new ArrayList<>();
        for (Map.Entry<String, Linear> e : maskedLinears(model).entrySet()) {
            e.getValue().useSparseEngine(true);
            out.add(new Choice(e.getKey(), e.getValue().weight().mask().sparsity(), "sparse", Double.NaN, Double.NaN, "forced"));
        }
        return out;
    }

    /**
     * Chooses per layer by sparsity and a measurement at {@code batch} (about {@code budgetMillis} per layer
     * after warm-up), and switches the chosen layers to the sparse engine.
     */
    public static List<Choice> choose(Layer model, int batch, ComputePool pool, ExecutionContext base, long budgetMillis) {
        List<Choice> out = new ArrayList<>();
        for (Map.Entry<String, Linear> e : maskedLinears(model).entrySet()) {
            Linear l = e.getValue();
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
            double[] ms = time(l, batch, pool, base, budgetMillis);
            boolean sparse = ms[1] < ms[0];
            l.useSparseEngine(sparse);
            out.add(new Choice(e.getKey(), sparsity, sparse ? "sparse" : "masked", ms[0], ms[1],
                    sparse ? "measured faster" : "measured slower"));
        }
        return out;
    }

    /** Forward + backward of copies of the layer (same shape and mask) on both engines: {masked, sparse} ms. */
    static double[] time(Linear l, int batch, ComputePool pool, ExecutionContext base, long budgetMillis) {
        int in = l.inFeatures(), out = l.outFeatures();
        boolean bias = l.bias() != null;
        Linear masked = new Linear(in, out, bias, 1L);
        Linear sparse = new Linear(in, out, bias, 1L);
        Mask mask = l.weight().mask();
        masked.weight().setMask(mask.copy());
        sparse.weight().setMask(mask.copy());
        sparse.useSparseEngine(true);
        SplittableRandom rng = new SplittableRandom(7);
        Tensor x = random(rng, batch, in);
        Tensor g = random(rng, batch, out);
        ExecutionContext ctx = new ExecutionContext(base.kernels(), pool, 0L).training(true).denseWeightGradients(false);
        Runnable a = () -> {
            masked.forward(x, ctx);
            masked.backward(g, ctx);
        };
        Runnable b = () -> {
            sparse.forward(x, ctx);
            sparse.backward(g, ctx);
        };
        SideBySideTimer.Timing t = SideBySideTimer.system(SideBySideTimer.Plan.forTuning(budgetMillis)).time(List.of(a, b));
        return new double[] {t.medianNanos()[0] / 1e6, t.medianNanos()[1] / 1e6};
    }

    private static Tensor random(SplittableRandom rng, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
        return t;
    }
}
