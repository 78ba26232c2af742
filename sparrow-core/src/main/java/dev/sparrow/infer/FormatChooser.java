package dev.sparrow.infer;

import dev.sparrow.infer.InferenceSession.LayerChoice;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.sparse.FormatRegistry;
import dev.sparrow.sparse.FormatSpec;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.PackedWeights;
import dev.sparrow.sparse.SparseFormats;
import dev.sparrow.sparse.Structure;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs each layer's weights into its format: the one forced for the layer, the untuned default, or
 * the candidate the {@link Autotuner} measured fastest. Candidates are those of the builder that can
 * hold the layer's mask: a format whose structure the declared {@link Structure} does not imply is
 * skipped without reading the mask, the others are checked against the mask, and only those that fit
 * are built and timed. Records every choice for {@link InferenceSession#choices()}.
 */
final class FormatChooser {
    /** A layer's packed weights and the measurement behind them (null when forced or untuned). */
    record Choice(PackedWeights matrix, Autotuner.Result tuning, List<Structure> detected) {}

    private final InferenceSession.Builder b;
    private final ComputePool pool;
    private final List<LayerChoice> choices = new ArrayList<>();
    private final Map<String, Boolean> forcedUsed = new LinkedHashMap<>();

    FormatChooser(InferenceSession.Builder b, ComputePool pool) {
        this.b = b;
        this.pool = pool;
        for (String k : b.forced.keySet()) forcedUsed.put(k, k.equals("*"));
    }

    List<LayerChoice> choices() { return choices; }

    /** Fails when a format was forced for a layer that is not among {@code layers}. */
    void checkForcedLayersExist(Collection<String> layers) {
        for (Map.Entry<String, Boolean> e : forcedUsed.entrySet()) {
            if (!e.getValue()) {
                throw new IllegalArgumentException("a format was forced for layer '" + e.getKey()
                        + "' but the model has no such Linear or Conv2d layer; its layers with weights are " + layers);
            }
        }
    }

    /**
     * Packs one layer's weights (values already copied, row-major [rows][cols]; {@code mask} 0/1 or null for
     * dense) into the
     * forced format, or the one measured fastest at {@code tuneBatch} columns per kernel call.
     */
    Choice choose(String name, float[] mask, float[] values, int rows, int cols, float[] bias, boolean relu, int tuneBatch) {
        MaskedWeights masked;
        long maskHash = 1;
        long active = (long) rows * cols;
        if (mask != null) {
            active = 0;
            for (int i = 0; i < values.length; i++) {
                boolean keep = mask[i] != 0f;
                if (!keep) values[i] = 0f;
                active += keep ? 1 : 0;
                maskHash = maskHash * 31 + (keep ? 1 : 0);
            }
            masked = MaskedWeights.of(values, mask, rows, cols, name);
        } else {
            masked = MaskedWeights.dense(values, rows, cols, name);
        }

        String spec = b.forced.get(name);
        if (spec != null) forcedUsed.put(name, true);
        else spec = b.forced.get("*");
        if (spec == null && !b.tuning) spec = active < 0.3 * rows * cols ? "csr" : "dense";
        if (spec != null) {
            PackedWeights m = build(spec, masked, values);
            choices.add(new LayerChoice(name, cols, rows, m.nnz(), spec, Double.NaN, Map.of(), false));
            return new Choice(m, null, List.of());
        }
        String key = Autotuner.key(rows, cols, maskHash, tuneBatch, pool.threads(),
                b.sparseKernels.name() + "+" + b.kernels.name() + (relu ? "+relu" : ""), b.candidates);
        Autotuner.Result r = Autotuner.cached(key);
        PackedWeights chosen;
        List<Structure> detected = List.of();
        if (r != null) {
            chosen = build(r.chosen(), masked, values);
        } else {
            // a declared structure says it all; otherwise find what the mask has (imported weights declare nothing)
            if (b.structure instanceof Structure.Unstructured) detected = FormatRegistry.detect(masked, b.candidates);
            List<String> specs = new ArrayList<>();
            List<PackedWeights> built = new ArrayList<>();
            for (String s : b.candidates) {
                PackedWeights m = candidate(s, masked, values, detected);
                if (m != null) {
                    specs.add(s);
                    built.add(m);
                }
            }
            r = Autotuner.tune(key, specs, built, bias, relu, tuneBatch, b.sparseKernels, pool, b.tuningTimer());
            chosen = built.get(specs.indexOf(r.chosen()));
        }
        choices.add(new LayerChoice(name, cols, rows, chosen.nnz(), r.chosen(), r.chosenMicros(), r.micros(), r.cached()));
        return new Choice(chosen, r, detected);
    }

    /**
     * Packs a layer whose input is a k-WTA output as CSC, the input-major format whose sparse-input kernels visit
     * only the winners' columns (unless a format is forced for it: then that). Not timed: the autotuner measures
     * on dense inputs, which would favour the row-major formats that cannot skip the zero inputs.
     */
    Choice sparseInput(String name, float[] mask, float[] values, int rows, int cols, float[] bias, boolean relu, int tuneBatch) {
        if (b.forced.containsKey(name) || b.forced.containsKey("*")) return choose(name, mask, values, rows, cols, bias, relu, tuneBatch);
        MaskedWeights masked;
        if (mask != null) {
            for (int i = 0; i < values.length; i++) if (mask[i] == 0f) values[i] = 0f;
            masked = MaskedWeights.of(values, mask, rows, cols, name);
        } else {
            masked = MaskedWeights.dense(values, rows, cols, name);
        }
        PackedWeights m = build("csc", masked, values);
        choices.add(new LayerChoice(name, cols, rows, m.nnz(), "csc (sparse input after k-WTA)", Double.NaN, Map.of(), false));
        return new Choice(m, null, List.of());
    }

    /**
     * A Linear layer after a k-WTA was packed twice ({@link #sparseInput}, then {@link #choose}) and timed on sparse
     * inputs: keeps the record of the one kept ({@code which} 0: the first, the winners-only one), with both times.
     */
    void keepOne(String layer, int which, SparseInputChooser.Result r) {
        int last = choices.size() - 1;
        LayerChoice first = choices.get(last - 1), second = choices.get(last);
        if (!first.layer().equals(layer) || !second.layer().equals(layer)) throw new IllegalStateException("not two choices for " + layer);
        LayerChoice kept = which == 0 ? first : second;
        choices.remove(last);
        choices.set(last - 1, new LayerChoice(layer, kept.in(), kept.out(), kept.nnz(), kept.format(),
                which == 0 ? r.sparseMicros() : r.weightSparseMicros(), Map.of("sparse-input", r.sparseMicros(),
                second.format(), r.weightSparseMicros()), false));
    }

    /** A convolution after a k-WTA, timed on sparse inputs against the format just chosen: its record says which won. */
    void keepSparseInputConv(String layer, SparseInputChooser.Result r, long nnz, String format) {
        int last = choices.size() - 1;
        LayerChoice tuned = choices.get(last);
        if (!tuned.layer().equals(layer)) throw new IllegalStateException("no choice for " + layer);
        Map<String, Double> both = Map.of("sparse-input", r.sparseMicros(), tuned.format(), r.weightSparseMicros());
        choices.set(last, r.sparseInputWins()
                ? new LayerChoice(layer, tuned.in(), tuned.out(), nnz, format, r.sparseMicros(), both, false)
                : new LayerChoice(layer, tuned.in(), tuned.out(), tuned.nnz(), tuned.format(), r.weightSparseMicros(), both, false));
    }

    /** The weights in {@code spec}; fails naming the layer and the format when the mask does not fit. */
    private PackedWeights build(String spec, MaskedWeights masked, float[] values) {
        if (spec.equals("dense")) return new DenseWeights(masked.layerName(), values, masked.rows(), masked.cols(), b.kernels);
        try {
            return SparseFormats.build(spec, masked);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("layer '" + masked.layerName() + "': cannot use format '" + spec + "': "
                    + e.getMessage(), e);
        }
    }

    /** The weights in candidate {@code spec}, or null when the format cannot hold the mask. */
    private PackedWeights candidate(String spec, MaskedWeights masked, float[] values, List<Structure> detected) {
        if (spec.equals("dense")) return new DenseWeights(masked.layerName(), values, masked.rows(), masked.cols(), b.kernels);
        FormatSpec format;
        try {
            format = FormatRegistry.parse(spec);
        } catch (IllegalArgumentException e) {
            return null; // an unknown candidate is skipped like one that does not fit, as before the registry
        }
        boolean declared = !(b.structure instanceof Structure.Unstructured);
        if (declared && !format.canRepresent(b.structure)) return null;
        if (!declared && !(format.structure() instanceof Structure.Unstructured)) {
            boolean has = false;
            for (Structure d : detected) has |= d.implies(format.structure());
            if (!has) return null; // the mask lacks what this format needs: not built
        }
        return format.canRepresent(masked) ? format.build(masked) : null;
    }
}
