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
