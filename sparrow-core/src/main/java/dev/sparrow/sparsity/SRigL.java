package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.sparse.Structure;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Structured RigL (Lasby et al. 2024): RigL under a constant fan-in constraint, with neuron ablation.
 * Every active neuron (row of the weight viewed as [rows, fanIn]) has exactly k active weights, where
 * k = budget div (active neurons), capped at the dense fan-in; the budget is the layer's active count
 * from {@link SparsityBudget}. One update of a layer, with n_drop = floor(n_active · f(t)):
 * <ol>
 *   <li>Ablation (not for the output layer, and only when enabled): the salient set is the top
 *       n_active - n_drop active weights by |w| together with the top n_drop positions of the layer
 *       by |gradient|. A neuron survives when it holds at least max(1, floor(gamma_sal · k0))
 *       salient positions, k0 = budget div (all neurons) being the constant fan-in before any
 *       ablation; if fewer than m = ceil(budget / fanIn) would survive, the threshold falls to the
 *       m-th largest count. Ablation is decided afresh each time, so a neuron can come back.</li>
 *   <li>k' = min(fanIn, budget div survivors).</li>
 *   <li>Drop: keep the layer-wide top n_active - n_drop by |w| among active weights of survivors, then
 *       trim any neuron above k' to its k' largest |w|.</li>
 *   <li>Grow: each survivor grows its missing k' - kept positions with the largest |gradient|.</li>
 * </ol>
 * Every surviving neuron ends with exactly k' active weights and every ablated one with none. New
 * weights start at zero with zeroed optimizer state; ties go to the lower index.
 *
 * <p>Two choices where the reference text is loose, both as in the authors' code (calgaryml/
 * condensed-sparsity, {@code use_sparse_const_fan_in_for_ablation}): the threshold uses the fan-in
 * before ablation k0, not the current fan-in (with the current one, each ablation raises the
 * threshold and the layer collapses to m neurons: at 90%, gamma_sal 0.95, the MLP's 300 hidden neurons
 * fell to 30 within one epoch); and m is rounded up, so k' never exceeds the dense fan-in.
 */
public final class SRigL extends AbstractSparsityMethod {
    private final UpdateSchedule schedule;
    private final boolean ablation;
    private final double gammaSal;

    /**
     * @param ablation whether neurons may be ablated
     * @param gammaSal the saliency threshold as a fraction of the fan-in, in [0, 1] (0.3 for CNNs and MLPs)
     */
    public SRigL(UpdateSchedule schedule, boolean ablation, double gammaSal) {
        super(1, true);
        if (schedule == null) throw new IllegalArgumentException("schedule must not be null");
        if (!(gammaSal >= 0 && gammaSal <= 1)) throw new IllegalArgumentException("gamma_sal is " + gammaSal + "; expected in [0, 1]");
        this.schedule = schedule;
        this.ablation = ablation;
        this.gammaSal = gammaSal;
    }

    /** RigL's schedule with ablation at gamma_sal = 0.3. */
    public static SRigL defaults() { return new SRigL(UpdateSchedule.rigl(), true, 0.3); }

    public UpdateSchedule schedule() { return schedule; }

    public double gammaSal() { return gammaSal; }

    /** The constant fan-in a layer gets when {@code neurons} neurons share its budget. */
    static int fanInFor(LayerBudget layer, int neurons) {
        return Math.max(1, Math.min(layer.fanIn(), layer.active() / Math.max(1, neurons)));
    }

    @Override
    protected Mask initialMask(LayerBudget layer, SplittableRandom rng) {
        return MaskInit.constantFanIn(layer.rows(), layer.fanIn(), fanInFor(layer, layer.rows()), rng);
    }

    @Override
    protected boolean isUpdateStep(long step, long totalSteps) { return schedule.isUpdateStep(step, totalSteps); }

    @Override
    protected void update(LayerBudget layer, long step, long totalSteps) {
        int rows = layer.rows();
        int fanIn = layer.fanIn();
        float[] w = layer.parameter().value().data();
        float[] grad = layer.parameter().grad().data();
        int[] active = activePositions(layer);
        int nDrop = (int) Math.floor(active.length * schedule.dropFraction(step, totalSteps));
        int nKeep = active.length - nDrop;

        boolean[] alive = new boolean[rows];
        if (ablation && !layer.output()) {
            alive = survivors(layer, w, grad, active, nKeep, nDrop);
        } else {
            Arrays.fill(alive, true);
        }
        int nAlive = 0;
        for (boolean a : alive) if (a) nAlive++;
        int k = fanInFor(layer, nAlive);

        // Drop: layer-wide top n_keep by |w| among the survivors' active weights.
        int[] candidates = new int[active.length];
        int count = 0;
        for (int i : active) if (alive[i / fanIn]) candidates[count++] = i;
        boolean[] next = new boolean[w.length];
        Ranking.markLargestAbs(w, candidates, count, Math.min(nKeep, count), next);

        for (int r = 0; r < rows; r++) {
            if (!alive[r]) continue;
            int from = r * fanIn;
            int to = from + fanIn;
            int[] kept = Ranking.where(next, from, to, true);
            if (kept.length > k) {
                // trim to the k largest |w|
                for (int i : kept) next[i] = false;
                Ranking.markLargestAbs(w, kept, kept.length, k, next);
            } else if (kept.length < k) {
                int[] free = Ranking.where(next, from, to, false);
                Ranking.markLargestAbs(grad, free, free.length, k - kept.length, next);
            }
        }
        commit(layer, next);
    }

    /** Which neurons survive ablation this update. */
    private boolean[] survivors(LayerBudget layer, float[] w, float[] grad, int[] active, int nKeep, int nDrop) {
        int rows = layer.rows();
        int fanIn = layer.fanIn();
        boolean[] salient = new boolean[w.length];
        Ranking.markLargestAbs(w, active, active.length, nKeep, salient);
        Ranking.markLargestAbs(grad, null, w.length, Math.min(nDrop, w.length), salient);
        int[] counts = new int[rows];
        for (int r = 0; r < rows; r++) {
            int c = 0;
            for (int i = r * fanIn; i < (r + 1) * fanIn; i++) if (salient[i]) c++;
            counts[r] = c;
        }
        int threshold = Math.max(1, (int) Math.floor(gammaSal * fanInFor(layer, rows)));
        int minSurvivors = minSurvivors(layer);
        int surviving = 0;
        for (int c : counts) if (c >= threshold) surviving++;
        if (surviving < minSurvivors) {
            int[] sorted = counts.clone();
            Arrays.sort(sorted);
            threshold = sorted[rows - minSurvivors]; // the m-th largest count
        }
        boolean[] alive = new boolean[rows];
        for (int r = 0; r < rows; r++) alive[r] = counts[r] >= threshold;
        return alive;
    }

    /** m = ceil(budget / dense fan-in): fewer neurons could not hold the budget. */
    static int minSurvivors(LayerBudget layer) {
        return Math.min(layer.rows(), Math.max(1, (layer.active() + layer.fanIn() - 1) / layer.fanIn()));
    }

    /** Neurons of a layer with at least one active weight. */
    public static int activeNeurons(LayerBudget layer) {
        if (!layer.parameter().hasMask()) return layer.rows();
        int n = 0;
        for (int c : MaskInit.rowCounts(layer.parameter().mask(), layer.rows())) if (c > 0) n++;
        return n;
    }

    @Override
    public Structure structure() { return new Structure.ConstantFanIn(); }

    @Override
    public String describe() {
        return "srigl(" + schedule.describe() + ",ablation=" + ablation + ",gamma_sal=" + gammaSal + ")";
    }
}
