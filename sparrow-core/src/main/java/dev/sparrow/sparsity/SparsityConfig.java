package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.LrSchedule;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.util.ArgumentException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The sparse-training part of a run config. Errors name the command-line option at fault.
 *
 * @param method         "dense" (no sparsity), "static", "set", "rigl", "srigl", "gmp", "nm:N:M" (N:M
 *                       with SR-STE; then {@code sparsity} and {@code distribution} are not used, only
 *                       dense first/last, and the run needs its learning-rate schedule), or
 *                       "balanced:BANK" (gradual magnitude pruning, bank-balanced with bank width BANK);
 *                       "block:R" is accepted and stored as "gmp" with {@code block} R
 * @param sparsity       global sparsity of the sparsifiable weights, in [0, 1)
 * @param distribution   "uniform" or "erk"
 * @param denseFirst     keep the first sparsifiable layer dense
 * @param denseLast      keep the last sparsifiable layer dense
 * @param updateInterval ΔT in optimizer steps: mask updates (set, rigl, srigl) or pruning steps (gmp)
 * @param updateEnd      T_end as a fraction of training: the last update (rigl, srigl, set) or the end
 *                       of pruning (gmp)
 * @param dropFraction   alpha for rigl and srigl, zeta for set
 * @param ablation       srigl: whether neurons may be ablated
 * @param gammaSal       srigl: the saliency threshold as a fraction of the fan-in
 * @param sparseInit     rescale the initial weights to He init over each neuron's sparse fan-in (see
 *                       {@link SparseInit}); not for gmp, which starts dense
 * @param block          r of r x 1 blocks along the output dimension (4 or 16) for static, gmp or rigl,
 *                       or 0 for unstructured masks; method "block:R" is read as gmp with block R (see
 *                       {@link BlockMasks}); each sparse layer keeps round(density x blocks) blocks
 * @param complementary  n of complementary groups (see {@link ComplementaryGroups}) for static or rigl,
 *                       or 0 for none; every sparse layer is then at density 1/n, so {@code sparsity}
 *                       must be 1 - 1/n and {@code distribution} is not used
 */
public record SparsityConfig(String method, double sparsity, String distribution, boolean denseFirst, boolean denseLast,
                             long updateInterval, double updateEnd, double dropFraction, boolean ablation,
                             double gammaSal, boolean sparseInit, int block, int complementary) {

    public static final List<String> METHODS = List.of("dense", "static", "set", "rigl", "srigl", "gmp", "nm:N:M", "balanced:BANK",
            "block:R");
    /** SR-STE's decay of pruned weights (Zhou et al. 2021). */
    public static final double SR_STE_LAMBDA = 2e-4;

    /** No sparsity. */
    public static final SparsityConfig DENSE = new SparsityConfig("dense", 0, "uniform", false, false, 100, 0.75, 0.3, true, 0.3, true);

    public SparsityConfig {
        if (method != null && method.startsWith("block:")) {
            int r = blockHeight(method);
            if (block != 0 && block != r) {
                throw new ArgumentException("method", method + " and block " + block + " disagree; give one of them", "block");
            }
            method = "gmp";
            block = r;
        }
        if (method == null || !(METHODS.contains(method) && !method.contains(":")
                || method.startsWith("nm:") || method.startsWith("balanced:"))) {
            throw new ArgumentException("method", "is " + method + "; expected one of " + String.join(", ", METHODS));
        }
        if (method.startsWith("nm:")) nmPair(method); // checks N and M
        if (method.startsWith("balanced:")) bankWidth(method);
        if (!(sparsity >= 0 && sparsity < 1)) throw new ArgumentException("sparsity", "is " + sparsity + "; expected in [0, 1)");
        try {
            Distribution.parse(distribution);
        } catch (IllegalArgumentException e) {
            throw new ArgumentException("distribution", "is " + distribution + "; expected uniform or erk");
        }
        distribution = distribution.toLowerCase(Locale.ROOT);
        if (updateInterval < 1) throw new ArgumentException("updateInterval", "is " + updateInterval + "; expected >= 1");
        if (!(updateEnd > 0 && updateEnd <= 1)) throw new ArgumentException("updateEnd", "is " + updateEnd + "; expected in (0, 1]");
        if (!(dropFraction > 0 && dropFraction <= 1)) {
            throw new ArgumentException("dropFraction", "is " + dropFraction + "; expected in (0, 1]");
        }
        if (!(gammaSal >= 0 && gammaSal <= 1)) throw new ArgumentException("gammaSal", "is " + gammaSal + "; expected in [0, 1]");
        if (block != 0) {
            if (block != 4 && block != 16) throw new ArgumentException("block", "is " + block + "; expected 4 or 16");
            if (!List.of("static", "gmp", "rigl").contains(method)) {
                throw new ArgumentException("block", "works with method static, gmp or rigl, not " + method, "method");
            }
        }
        if (complementary != 0) {
            if (complementary < 2 || complementary > 256) {
                throw new ArgumentException("complementary", "is " + complementary + "; expected a group size in [2, 256]");
            }
            if (!List.of("static", "rigl").contains(method)) {
                throw new ArgumentException("complementary", "works with method static or rigl, not " + method, "method");
            }
            if (block != 0) throw new ArgumentException("complementary", "and block do not combine", "block");
            double expected = 1.0 - 1.0 / complementary;
            if (Math.abs(sparsity - expected) > 1e-6) {
                throw new ArgumentException("sparsity", "is " + sparsity + " but complementary " + complementary
                        + " makes every sparse layer " + String.format(Locale.ROOT, "%.4f", expected) + " sparse (1 - 1/"
                        + complementary + "); leave sparsity out", "complementary", "sparsity");
            }
        }
    }

    /** A config without blocks or complementary groups, the common case. */
    public SparsityConfig(String method, double sparsity, String distribution, boolean denseFirst, boolean denseLast,
                          long updateInterval, double updateEnd, double dropFraction, boolean ablation,
                          double gammaSal, boolean sparseInit) {
        this(method, sparsity, distribution, denseFirst, denseLast, updateInterval, updateEnd, dropFraction, ablation,
                gammaSal, sparseInit, 0, 0);
    }

    /** This config with the first and/or last layer kept dense. */
    public SparsityConfig withDenseEnds(boolean first, boolean last) {
        return new SparsityConfig(method, sparsity, distribution, first, last, updateInterval, updateEnd, dropFraction,
                ablation, gammaSal, sparseInit, block, complementary);
    }

    /** This config with r x 1 blocks (0 for none). */
    public SparsityConfig withBlock(int r) {
        return new SparsityConfig(method, sparsity, distribution, denseFirst, denseLast, updateInterval, updateEnd, dropFraction,
                ablation, gammaSal, sparseInit, r, complementary);
    }

    /** The method with its structure, e.g. "rigl", "gmp block:4", "static complementary:10". */
    public String label() {
        return method + (block != 0 ? " block:" + block : "") + (complementary != 0 ? " complementary:" + complementary : "");
    }

    /** R of "block:R", with errors naming the option. */
    static int blockHeight(String method) {
        String r = method.substring("block:".length());
        int b;
        try {
            b = Integer.parseInt(r);
        } catch (NumberFormatException e) {
            throw new ArgumentException("method", "is " + method + "; R must be 4 or 16, e.g. block:4");
        }
        if (b != 4 && b != 16) throw new ArgumentException("method", "is " + method + "; the block height R must be 4 or 16");
        return b;
    }

    /**
     * A method at a global sparsity with the published defaults (ΔT 100, T_end 0.75, alpha 0.3,
     * gamma_sal 0.3) and He init over the sparse fan-in.
     */
    public static SparsityConfig of(String method, double sparsity, String distribution) {
        return new SparsityConfig(method, sparsity, distribution, false, false, 100, 0.75, 0.3, true, 0.3, true);
    }

    /**
     * Draws the initial masks for a fresh run (and rescales the weights when {@link #sparseInit});
     * returns the bound method, or null for "dense".
     */
    public SparsityMethod start(Map<String, Parameter> parameters, Optimizer optimizer,
                                SplittableRandom rng) {
        return start(parameters, optimizer, rng, null);
    }

    /** As {@link #start(Map, Optimizer, SplittableRandom)}, with the run's schedule (needed by nm:N:M). */
    public SparsityMethod start(Map<String, Parameter> parameters, Optimizer optimizer,
                                SplittableRandom rng, LrSchedule schedule) {
        SparsityMethod m = createMethod(schedule);
        if (m == null) return null;
        List<LayerBudget> layers = allocate(parameters);
        m.initialize(layers, optimizer, rng);
        if (sparseInit) SparseInit.rescaleToSparseFanIn(layers);
        return m;
    }

    /**
     * Binds a method to masks restored from a checkpoint; null for "dense". Not for nm:N:M, whose dense
     * weights live outside the parameters: use the overload with the method's state.
     */
    public SparsityMethod resume(Map<String, Parameter> parameters, Optimizer optimizer,
                                 SplittableRandom rng) {
        if (method.startsWith("nm:")) {
            throw new IllegalArgumentException("a run with method " + method
                    + " cannot be resumed without its dense weights (the checkpoint's sparsity state) and schedule");
        }
        return resume(parameters, optimizer, rng, null, Map.of());
    }

    /**
     * Binds a method to masks restored from a checkpoint and gives it its saved state
     * ({@link SparsityMethod#state()}, e.g. from {@code CheckpointData.sparsityState()}); null for "dense".
     *
     * @param schedule the run's learning-rate schedule (needed by nm:N:M), or null
     */
    public SparsityMethod resume(Map<String, Parameter> parameters, Optimizer optimizer, SplittableRandom rng,
                                 LrSchedule schedule, Map<String, dev.sparrow.tensor.Tensor> state) {
        SparsityMethod m = createMethod(schedule);
        if (m == null) return null;
        m.resume(allocate(parameters), optimizer, rng);
        m.loadState(state == null ? Map.of() : state);
        return m;
    }

    public boolean isDense() { return method.equals("dense"); }

    /** {N, M} of "nm:N:M", with errors naming the option. */
    static int[] nmPair(String method) {
        String[] parts = method.split(":", -1);
        if (parts.length != 3) throw new ArgumentException("method", "is " + method + "; expected nm:N:M, e.g. nm:2:4");
        int n;
        int m;
        try {
            n = Integer.parseInt(parts[1]);
            m = Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            throw new ArgumentException("method", "is " + method + "; N and M must be whole numbers, e.g. nm:2:4");
        }
        try {
            StructuredMasks.checkNm(n, m);
        } catch (IllegalArgumentException e) {
            throw new ArgumentException("method", method + ": " + e.getMessage());
        }
        return new int[] {n, m};
    }

    /** BANK of "balanced:BANK", with errors naming the option. */
    static int bankWidth(String method) {
        String w = method.substring("balanced:".length());
        int b;
        try {
            b = Integer.parseInt(w);
        } catch (NumberFormatException e) {
            throw new ArgumentException("method", "is " + method + "; BANK must be a whole number, e.g. balanced:16");
        }
        if (b < 1) throw new ArgumentException("method", "is " + method + "; the bank width must be >= 1");
        return b;
    }

    /**
     * Checks this config against a model before any training: the budget can be met and every sparse
     * layer's fan-in is a multiple of M (nm:N:M) or of the bank width (balanced:BANK). Changes nothing.
     *
     * @return the layer budgets ({@link #allocate}); empty for "dense"
     * @throws IllegalArgumentException naming the option and the layer at fault
     */
    public List<LayerBudget> check(Map<String, Parameter> parameters) {
        if (isDense()) return List.of();
        List<LayerBudget> layers;
        try {
            layers = allocate(parameters);
        } catch (IllegalArgumentException e) {
            throw optionError(e);
        }
        if (complementary != 0) {
            for (LayerBudget l : layers) {
                if (l.dense()) continue;
                try {
                    ComplementaryGroups.checkLayer(l, complementary);
                } catch (IllegalArgumentException e) {
                    throw optionError(e);
                }
            }
        }
        int multiple = method.startsWith("nm:") ? nmPair(method)[1] : method.startsWith("balanced:") ? bankWidth(method) : 1;
        for (LayerBudget l : layers) {
            if (!l.dense() && l.fanIn() % multiple != 0) {
                throw new ArgumentException("method", method + ": layer '" + l.name() + "' has fan-in " + l.fanIn()
                        + ", not a multiple of " + multiple + (method.startsWith("nm:") ? " (M)" : " (the bank width)")
                        + "; keep it dense (denseFirst/denseLast) or pick another width", "denseFirst", "denseLast");
            }
        }
        return layers;
    }

    /** A layer's problem, named by the argument that made it: block, complementary or method. */
    private ArgumentException optionError(IllegalArgumentException cause) {
        String[] related = {"denseFirst", "denseLast"};
        ArgumentException e = block != 0 ? new ArgumentException("block", block + ": " + cause.getMessage(), related)
                : complementary != 0 ? new ArgumentException("complementary", complementary + ": " + cause.getMessage(), related)
                : new ArgumentException("method", method + ": " + cause.getMessage(), related);
        e.initCause(cause);
        return e;
    }

    /**
     * The layer budgets for a model's named parameters. With blocks a sparse layer's budget is rounded
     * to whole blocks (an error names a layer whose outputs are not a multiple of r); with
     * complementary groups every layer not kept dense is at density 1/n.
     */
    public List<LayerBudget> allocate(Map<String, Parameter> parameters) {
        if (complementary != 0) return everyLayerAt(parameters, 1, complementary);
        if (block != 0) {
            List<LayerBudget> budget = SparsityBudget.allocate(parameters, sparsity, Distribution.parse(distribution), denseFirst,
                    denseLast);
            List<LayerBudget> out = new java.util.ArrayList<>(budget.size());
            for (LayerBudget l : budget) out.add(BlockMasks.roundToBlocks(l, block));
            return out;
        }
        if (method.startsWith("nm:")) {
            int[] nm = nmPair(method);
            return everyLayerAt(parameters, nm[0], nm[1]);
        }
        return SparsityBudget.allocate(parameters, sparsity, Distribution.parse(distribution), denseFirst, denseLast);
    }

    /** Every layer not kept dense at density num/den. */
    private List<LayerBudget> everyLayerAt(Map<String, Parameter> parameters, int num, int den) {
        {
            List<LayerBudget> all = SparsityBudget.sparsifiable(parameters);
            List<LayerBudget> out = new java.util.ArrayList<>(all.size());
            for (int i = 0; i < all.size(); i++) {
                LayerBudget l = all.get(i);
                boolean dense = (denseFirst && i == 0) || (denseLast && i == all.size() - 1);
                out.add(dense ? l : l.withActive((int) Math.max(1, (long) l.size() * num / den)));
            }
            return out;
        }
    }

    /** A new, unbound method; null for "dense". */
    public SparsityMethod createMethod() {
        return createMethod(null);
    }

    /** A new, unbound method; null for "dense"; nm:N:M needs the run's learning-rate schedule. */
    public SparsityMethod createMethod(LrSchedule schedule) {
        if (method.startsWith("nm:")) {
            int[] nm = nmPair(method);
            if (schedule == null) throw new ArgumentException("method", method + " needs the learning-rate schedule");
            return new NmSrSte(nm[0], nm[1], SR_STE_LAMBDA, schedule);
        }
        if (complementary != 0) {
            return new ComplementarySparsity(complementary,
                    method.equals("rigl") ? UpdateSchedule.cosine(updateInterval, updateEnd, dropFraction) : null);
        }
        int r = block == 0 ? 1 : block;
        return switch (method) {
            case "dense" -> null;
            case "static" -> new StaticSparsity(r);
            case "set" -> new SetSparsity(UpdateSchedule.constantFraction(updateInterval, updateEnd, dropFraction));
            case "rigl" -> new RigL(UpdateSchedule.cosine(updateInterval, updateEnd, dropFraction), r);
            case "srigl" -> new SRigL(UpdateSchedule.cosine(updateInterval, updateEnd, dropFraction), ablation, gammaSal);
            case "gmp" -> new Gmp(0.0, 0.0, updateEnd, updateInterval, 0, r);
            default -> method.startsWith("balanced:")
                    ? new Gmp(0.0, 0.0, updateEnd, updateInterval, bankWidth(method))
                    : throwUnknown();
        };
    }

    private SparsityMethod throwUnknown() {
        throw new AssertionError(method);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("sparsity", sparsity);
        m.put("distribution", distribution);
        m.put("dense_first", denseFirst);
        m.put("dense_last", denseLast);
        m.put("update_interval", updateInterval);
        m.put("update_end", updateEnd);
        m.put("drop_fraction", dropFraction);
        m.put("ablation", ablation);
        m.put("gamma_sal", gammaSal);
        m.put("sparse_init", sparseInit);
        // written only when set, so configs of runs without them read the same as before
        if (block != 0) m.put("block", block);
        if (complementary != 0) m.put("complementary", complementary);
        return m;
    }

    /**
     * The first key of {@link #toJson()} whose value differs from {@code other}'s (a key only one of them
     * writes counts), or null when the two configs are equal.
     */
    public String firstDifference(SparsityConfig other) {
        Map<String, Object> a = toJson();
        Map<String, Object> b = other.toJson();
        java.util.Set<String> keys = new java.util.LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String key : keys) {
            if (!java.util.Objects.equals(a.get(key), b.get(key))) return key;
        }
        return null;
    }

    /** Reads {@link #toJson()}; a missing field takes its value from {@link #DENSE}'s defaults. */
    public static SparsityConfig fromJson(Map<String, Object> m) {
        if (m == null) return DENSE;
        SparsityConfig d = DENSE;
        return new SparsityConfig(str(m, "method", d.method), num(m, "sparsity", d.sparsity),
                str(m, "distribution", d.distribution), bool(m, "dense_first", d.denseFirst),
                bool(m, "dense_last", d.denseLast), (long) num(m, "update_interval", d.updateInterval),
                num(m, "update_end", d.updateEnd), num(m, "drop_fraction", d.dropFraction), bool(m, "ablation", d.ablation),
                num(m, "gamma_sal", d.gammaSal), bool(m, "sparse_init", d.sparseInit), (int) num(m, "block", 0),
                (int) num(m, "complementary", 0));
    }

    private static String str(Map<String, Object> m, String key, String fallback) {
        Object v = m.get(key);
        if (v == null) return fallback;
        if (!(v instanceof String s)) throw new IllegalArgumentException("sparsity config '" + key + "' is not a string");
        return s;
    }

    private static double num(Map<String, Object> m, String key, double fallback) {
        Object v = m.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Number n)) throw new IllegalArgumentException("sparsity config '" + key + "' is not a number");
        return n.doubleValue();
    }

    private static boolean bool(Map<String, Object> m, String key, boolean fallback) {
        Object v = m.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Boolean b)) throw new IllegalArgumentException("sparsity config '" + key + "' is not true/false");
        return b;
    }
}
