package dev.sparrow.sparsity;

import dev.sparrow.optim.LrSchedule;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.sparse.Structure;
import dev.sparrow.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * N:M sparsity trained with SR-STE (Zhou et al. 2021). The method keeps a dense copy W of each sparse
 * layer's weight; the parameter holds W̃ = W ⊙ m(W), m keeping the N largest |w| of every M
 * consecutive inputs, recomputed after every step, so the pattern keeps moving until the end.
 *
 * <p>The parameter has no {@code Mask}: the optimizer updates every position with the dense
 * gradient ∂L/∂W̃ that the layers compute (the straight-through estimator). After each optimizer step
 * the change of W̃ is added to W, then the pruned entries decay: W ← W - lr·λ·(1 - m) ⊙ W (the SR-STE
 * term, λ default 2e-4, lr from the run's schedule), and W̃ is recomputed. Weight decay of the
 * optimizer acts on W̃, so it reaches only the kept entries; pruned ones decay through λ.
 *
 * <p>Layers whose budget is dense stay dense; the budget's counts are otherwise ignored (sparsity is
 * 1 - N/M). The dense copy is the method's {@link #state()} ("{@code <layer>.dense}" per sparse layer),
 * saved in checkpoints: a run resumes with {@link #resume} then {@link #loadState}, and the pattern and
 * W̃ are recomputed from it, so the resumed run is bit-for-bit the uninterrupted one.
 */
public final class NmSrSte implements SparsityMethod {
    private final int n;
    private final int m;
    private final double lambda;
    private final LrSchedule learningRate;
    private List<LayerBudget> layers = List.of();
    private float[][] dense = new float[0][];   // (layers, size) W
    private float[][] applied = new float[0][]; // (layers, size) W̃ as set before the step
    private float[][] keep = new float[0][];    // (layers, size) m of the last forward

    /**
     * @param lambda       the SR-STE decay of pruned weights, >= 0
     * @param learningRate the run's schedule, for the lr that scales the decay
     */
    public NmSrSte(int n, int m, double lambda, LrSchedule learningRate) {
        StructuredMasks.checkNm(n, m);
        if (!(lambda >= 0) || Double.isInfinite(lambda)) throw new IllegalArgumentException("lambda is " + lambda + "; expected >= 0");
        if (learningRate == null) throw new IllegalArgumentException("learningRate schedule must not be null");
        this.n = n;
        this.m = m;
        this.lambda = lambda;
        this.learningRate = learningRate;
    }

    @Override
    public void initialize(List<LayerBudget> layers, Optimizer optimizer, SplittableRandom rng) {
        bind(layers);
        for (int i = 0; i < layers.size(); i++) {
            LayerBudget l = layers.get(i);
            if (l.dense()) continue;
            l.parameter().setMask(null);
            dense[i] = l.parameter().value().data().clone();
            keep[i] = new float[dense[i].length];
            project(i);
        }
    }

    private void bind(List<LayerBudget> layers) {
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("layers must not be null or empty");
        for (LayerBudget l : layers) {
            if (!l.dense() && l.fanIn() % m != 0) {
                throw new IllegalArgumentException("layer '" + l.name() + "': fan-in " + l.fanIn() + " is not a multiple of M = "
                        + m + "; keep it dense (dense first/last) or pick another M");
            }
        }
        this.layers = List.copyOf(layers);
        dense = new float[layers.size()][];
        applied = new float[layers.size()][];
        keep = new float[layers.size()][];
    }

    /** Binds to the layers; their dense weights must then come from {@link #loadState}. */
    @Override
    public void resume(List<LayerBudget> layers, Optimizer optimizer, SplittableRandom rng) {
        bind(layers);
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            if (dense[i] != null) out.put(layers.get(i).name() + ".dense", Tensor.wrap(dense[i], layers.get(i).parameter().value().shape()));
        }
        return out;
    }

    /**
     * Takes the dense weights W of every sparse layer and recomputes the pattern and W̃ from them.
     *
     * @throws IllegalArgumentException naming the missing, extra or mis-shaped entry
     */
    @Override
    public void loadState(Map<String, Tensor> state) {
        if (layers.isEmpty()) throw new IllegalStateException(describe() + ": loadState before resume");
        if (state == null) throw new IllegalArgumentException("state is null");
        java.util.Set<String> expected = new java.util.HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerBudget l = layers.get(i);
            if (l.dense()) continue;
            String key = l.name() + ".dense";
            expected.add(key);
            Tensor t = state.get(key);
            if (t == null) {
                throw new IllegalArgumentException(describe() + ": the checkpoint has no dense weights '" + key
                        + "' (written before N:M runs could resume?); it cannot be resumed");
            }
            if (!Arrays.equals(t.shape(), l.parameter().value().shape())) {
                throw new IllegalArgumentException(describe() + ": dense weights '" + key + "' have shape " + t.shapeString()
                        + "; expected " + l.parameter().value().shapeString());
            }
        }
        for (String key : state.keySet()) {
            if (!expected.contains(key)) throw new IllegalArgumentException(describe() + ": unexpected state '" + key + "'");
        }
        for (int i = 0; i < layers.size(); i++) {
            LayerBudget l = layers.get(i);
            if (l.dense()) continue;
            l.parameter().setMask(null);
            dense[i] = state.get(l.name() + ".dense").data().clone();
            keep[i] = new float[dense[i].length];
            project(i);
        }
    }

    /** W̃ = W ⊙ m(W) into the parameter, remembered for the next step. */
    private void project(int i) {
        LayerBudget l = layers.get(i);
        float[] w = dense[i];
        float[] k = keep[i];
        StructuredMasks.fillGroups(w, k, m, n);
        float[] value = l.parameter().value().data();
        for (int j = 0; j < w.length; j++) value[j] = w[j] * k[j] + 0f;
        if (applied[i] == null) applied[i] = new float[value.length];
        System.arraycopy(value, 0, applied[i], 0, value.length);
    }

    @Override
    public void afterStep(long step, long totalSteps) {
        if (layers.isEmpty()) throw new IllegalStateException(describe() + ": afterStep before initialize");
        float decay = (float) (learningRate.at(step - 1, totalSteps) * lambda);
        for (int i = 0; i < layers.size(); i++) {
            if (dense[i] == null) {
                if (!layers.get(i).dense()) throw new IllegalStateException(describe() + ": resumed without loadState");
                continue;
            }
            float[] w = dense[i];
            float[] before = applied[i];
            float[] k = keep[i];
            float[] after = layers.get(i).parameter().value().data();
            for (int j = 0; j < w.length; j++) {
                w[j] = w[j] + (after[j] - before[j]) - decay * (1f - k[j]) * w[j];
            }
            project(i);
        }
    }

    @Override
    public List<LayerBudget> layers() { return layers; }

    /** The 0/1 pattern of the last projection of a layer (a copy), or null for a dense layer. */
    public float[] pattern(int layer) { return keep[layer] == null ? null : keep[layer].clone(); }

    /** The dense weights W of a layer (a copy), or null for a dense layer. */
    public float[] denseWeights(int layer) { return dense[layer] == null ? null : dense[layer].clone(); }

    @Override
    public Structure structure() { return new Structure.NOfM(n, m); }

    @Override
    public String describe() { return "nm(" + n + ":" + m + ",sr-ste lambda=" + lambda + ")"; }
}
