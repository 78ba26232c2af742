package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits a global sparsity target over the sparsifiable weights of a model: parameters named
 * "weight" of rank 2 (linear) or 4 (convolution). Biases and normalisation scales stay dense and are
 * not counted.
 *
 * <p>The global budget is (1 - S)·N active weights, N the number of sparsifiable weights. Layers kept
 * dense (first and/or last on request, and under ERK any layer whose density would exceed 1) count
 * fully against it, and the other layers share the rest: uniformly, or by ERK density
 * ε·(Σ dims / Π dims) with ε solved so the budget holds, repeated until no density exceeds 1. Each
 * layer then keeps exactly round(density·N_l) weights (at least one), so a layer at 90% of 235,200
 * weights keeps 23,520; the per-layer rounding can move the total by at most half a weight per layer.
 */
public final class SparsityBudget {
    private SparsityBudget() {}

    /** The sparsifiable weights in the map's order, all dense; the last one is marked as the output. */
    public static List<LayerBudget> sparsifiable(Map<String, Parameter> parameters) {
        if (parameters == null) throw new IllegalArgumentException("parameters must not be null");
        List<Map.Entry<String, Parameter>> found = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            int rank = p.value().rank();
            if ((name.equals("weight") || name.endsWith(".weight")) && (rank == 2 || rank == 4)) found.add(e);
        }
        List<LayerBudget> out = new ArrayList<>(found.size());
        for (int i = 0; i < found.size(); i++) {
            Parameter p = found.get(i).getValue();
            out.add(new LayerBudget(found.get(i).getKey(), p, p.size(), i == found.size() - 1));
        }
        return out;
    }

    /** {@link #allocate(List, double, Distribution, boolean, boolean)} over {@link #sparsifiable}. */
    public static List<LayerBudget> allocate(Map<String, Parameter> parameters, double sparsity, Distribution distribution,
                                             boolean denseFirst, boolean denseLast) {
        return allocate(sparsifiable(parameters), sparsity, distribution, denseFirst, denseLast);
    }

    /**
     * The layers with their active counts set for global sparsity {@code sparsity} in [0, 1).
     *
     * @throws IllegalArgumentException if the target cannot be met (e.g. the layers kept dense already
     *                                  exceed the budget), naming the option at fault
     */
    public static List<LayerBudget> allocate(List<LayerBudget> layers, double sparsity, Distribution distribution,
                                             boolean denseFirst, boolean denseLast) {
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("no sparsifiable layers (weights of rank 2 or 4)");
        if (!(sparsity >= 0.0 && sparsity < 1.0)) {
            throw new IllegalArgumentException("sparsity is " + sparsity + "; expected a value in [0, 1)");
        }
        if (distribution == null) throw new IllegalArgumentException("distribution must not be null; expected uniform or erk");
        int n = layers.size();
        long total = 0;
        for (LayerBudget l : layers) total += l.size();
        double budget = (1.0 - sparsity) * total;
        boolean[] dense = new boolean[n];
        if (denseFirst) dense[0] = true;
        if (denseLast) dense[n - 1] = true;
        double[] raw = new double[n];
        for (int i = 0; i < n; i++) raw[i] = distribution == Distribution.ERK ? erkRaw(layers.get(i)) : 1.0;
        double[] density = new double[n];
        while (true) {
            double remaining = budget;
            double weighted = 0;
            for (int i = 0; i < n; i++) {
                if (dense[i]) remaining -= layers.get(i).size();
                else weighted += raw[i] * layers.get(i).size();
            }
            if (remaining < -0.5) {
                throw new IllegalArgumentException("sparsity " + sparsity + " cannot hold: the layers kept dense ("
                        + (denseFirst || denseLast ? "dense first/last option and " : "") + "those forced dense) already exceed "
                        + Math.round(budget) + " active weights");
            }
            if (weighted == 0) break; // every layer dense: only possible at (near) zero sparsity
            double eps = Math.max(0.0, remaining) / weighted;
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                if (dense[i]) continue;
                density[i] = eps * raw[i];
                if (density[i] > 1.0) {
                    dense[i] = true;
                    changed = true;
                }
            }
            if (!changed) break;
        }
        List<LayerBudget> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            LayerBudget l = layers.get(i);
            int active = dense[i] ? l.size() : (int) Math.max(1, Math.min(l.size(), Math.round(density[i] * l.size())));
            out.add(l.withActive(active));
        }
        return out;
    }

    /** ERK's unnormalised density: (sum of the weight's dims) / (product of its dims). */
    static double erkRaw(LayerBudget layer) {
        int[] shape = layer.parameter().value().shape();
        double sum = 0;
        double product = 1;
        for (int d : shape) {
            sum += d;
            product *= d;
        }
        return sum / product;
    }

    /** Active weights over all layers. */
    public static long totalActive(List<LayerBudget> layers) {
        long n = 0;
        for (LayerBudget l : layers) n += l.active();
        return n;
    }

    /** Sparsifiable weights over all layers. */
    public static long totalSize(List<LayerBudget> layers) {
        long n = 0;
        for (LayerBudget l : layers) n += l.size();
        return n;
    }
}
