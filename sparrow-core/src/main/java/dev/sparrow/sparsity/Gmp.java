package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;

import java.util.SplittableRandom;

/**
 * Gradual magnitude pruning (Zhu and Gupta 2017), dense to sparse. Each sparse layer starts dense and
 * is pruned at steps t = t0, t0 + dt, ..., t0 + n·dt to sparsity
 * s_t = s_f + (s_i - s_f)(1 - (t - t0) / (n·dt))³, where s_f is the layer's budgeted sparsity, by
 * masking its smallest |w| (ties to the higher index); pruned weights never come back. The last
 * pruning step reaches exactly the layer's budget. t0 = round(startFraction · total steps) and
 * n = max(1, floor((endFraction - startFraction) · total steps / dt)).
 */
public final class Gmp extends AbstractSparsityMethod {
    private final double initialSparsity;
    private final double startFraction;
    private final double endFraction;
    private final long interval;

    /**
     * @param initialSparsity s_i in [0, 1)
     * @param startFraction   t0 as a fraction of training, in [0, endFraction)
     * @param endFraction     the last pruning step as a fraction of training, in (startFraction, 1]
     * @param interval        dt, steps between pruning steps, >= 1
     */
    public Gmp(double initialSparsity, double startFraction, double endFraction, long interval) {
        if (!(initialSparsity >= 0 && initialSparsity < 1)) {
            throw new IllegalArgumentException("initial sparsity is " + initialSparsity + "; expected in [0, 1)");
        }
        if (!(startFraction >= 0 && startFraction < 1)) {
            throw new IllegalArgumentException("pruning start fraction is " + startFraction + "; expected in [0, 1)");
        }
        if (!(endFraction > startFraction && endFraction <= 1)) {
            throw new IllegalArgumentException("pruning end fraction is " + endFraction + "; expected in (" + startFraction + ", 1]");
        }
        if (interval < 1) throw new IllegalArgumentException("pruning interval is " + interval + "; expected >= 1 step");
        this.initialSparsity = initialSparsity;
        this.startFraction = startFraction;
        this.endFraction = endFraction;
        this.interval = interval;
    }

    /** From dense, every 100 steps, over the first half of training. */
    public static Gmp defaults() { return new Gmp(0.0, 0.0, 0.5, 100); }

    @Override
    protected Mask initialMask(SparseLayer layer, SplittableRandom rng) {
        return Mask.dense(layer.size());
    }

    long startStep(long totalSteps) { return Math.round(startFraction * totalSteps); }

    long pruningSteps(long totalSteps) {
        return Math.max(1, (long) Math.floor((endFraction - startFraction) * totalSteps / interval));
    }

    /** s_t for a layer whose final sparsity is {@code finalSparsity}. */
    public double sparsityAt(long step, long totalSteps, double finalSparsity) {
        long t0 = startStep(totalSteps);
        long n = pruningSteps(totalSteps);
        if (step < t0) return 0;
        double progress = Math.min(1.0, (double) (step - t0) / (n * interval));
        double r = 1 - progress;
        return finalSparsity + (initialSparsity - finalSparsity) * r * r * r;
    }

    @Override
    protected boolean isUpdateStep(long step, long totalSteps) {
        long t0 = startStep(totalSteps);
        return step >= t0 && (step - t0) % interval == 0 && (step - t0) / interval <= pruningSteps(totalSteps);
    }

    @Override
    protected void update(SparseLayer layer, long step, long totalSteps) {
        long t0 = startStep(totalSteps);
        boolean last = (step - t0) / interval == pruningSteps(totalSteps);
        int target = last ? layer.active()
                : (int) Math.max(layer.active(), Math.round((1 - sparsityAt(step, totalSteps, layer.sparsity())) * layer.size()));
        int[] active = activePositions(layer);
        if (active.length <= target) return;
        boolean[] next = new boolean[layer.size()];
        for (int i : Ranking.largestAbs(layer.parameter().value().data(), active, active.length, target)) next[i] = true;
        commit(layer, next);
    }

    @Override
    public String describe() {
        return "gmp(si=" + initialSparsity + ",start=" + startFraction + ",end=" + endFraction + ",dt=" + interval + ")";
    }
}
