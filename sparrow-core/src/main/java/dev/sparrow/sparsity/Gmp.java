package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.sparse.Structure;

import java.util.SplittableRandom;

/**
 * Gradual magnitude pruning (Zhu and Gupta 2017), dense to sparse. Each sparse layer starts dense and
 * is pruned at steps t = t0, t0 + dt, ..., t0 + n·dt to sparsity
 * s_t = s_f + (s_i - s_f)(1 - (t - t0) / (n·dt))³, where s_f is the layer's budgeted sparsity, by
 * masking its smallest |w| (ties to the higher index); pruned weights never come back. The last
 * pruning step reaches exactly the layer's budget. t0 = round(startFraction · total steps) and
 * n = max(1, floor((endFraction - startFraction) · total steps / dt)).
 *
 * <p>With a bank width B > 0 the pruning is bank-balanced (Yao et al. 2019): each row is split into
 * banks of B consecutive weights and every bank keeps the same count, round(B·(1 - s_t)), of its
 * largest |w|; the final count per layer is then rows·(fanIn / B)·round(B·(1 - s_f)), which can differ
 * from the budget by the rounding.
 *
 * <p>With a block height r > 1 (and no banks) whole r x 1 blocks are pruned (see {@link BlockMasks}):
 * a block's score is the sum of its |w|, the target is round((1 - s_t) · blocks) blocks, and the last
 * step reaches the layer's budget, a whole number of blocks.
 */
public final class Gmp extends AbstractSparsityMethod {
    private final double initialSparsity;
    private final double startFraction;
    private final double endFraction;
    private final long interval;
    private final int bankWidth;

    /**
     * @param initialSparsity s_i in [0, 1)
     * @param startFraction   t0 as a fraction of training, in [0, endFraction)
     * @param endFraction     the last pruning step as a fraction of training, in (startFraction, 1]
     * @param interval        dt, steps between pruning steps, >= 1
     */
    public Gmp(double initialSparsity, double startFraction, double endFraction, long interval) {
        this(initialSparsity, startFraction, endFraction, interval, 0);
    }

    /** @param bankWidth B for bank-balanced pruning (must divide every sparse layer's fan-in), or 0 for none */
    public Gmp(double initialSparsity, double startFraction, double endFraction, long interval, int bankWidth) {
        this(initialSparsity, startFraction, endFraction, interval, bankWidth, 1);
    }

    /**
     * @param bankWidth   B for bank-balanced pruning, or 0 for none
     * @param blockHeight 4 or 16 to prune whole r x 1 blocks, 1 for none (not together with banks)
     */
    public Gmp(double initialSparsity, double startFraction, double endFraction, long interval, int bankWidth, int blockHeight) {
        super(blockHeight, false);
        if (bankWidth > 0 && blockHeight > 1) throw new IllegalArgumentException("bank-balanced and block pruning do not combine");
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
        if (bankWidth < 0) throw new IllegalArgumentException("bank width is " + bankWidth + "; expected >= 0 (0 for none)");
        this.interval = interval;
        this.bankWidth = bankWidth;
    }

    @Override
    protected void afterInitialMask(LayerBudget layer) {
        if (bankWidth > 0 && layer.fanIn() % bankWidth != 0) {
            throw new IllegalArgumentException("layer '" + layer.name() + "': bank width " + bankWidth
                    + " does not divide its fan-in " + layer.fanIn());
        }
    }

    /** From dense, every 100 steps, over the first half of training. */
    public static Gmp defaults() { return new Gmp(0.0, 0.0, 0.5, 100); }

    @Override
    protected Mask initialMask(LayerBudget layer, SplittableRandom rng) {
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
    protected void update(LayerBudget layer, long step, long totalSteps) {
        if (bankWidth > 0) {
            pruneBanks(layer, sparsityAt(step, totalSteps, layer.sparsity()));
            return;
        }
        long t0 = startStep(totalSteps);
        boolean last = (step - t0) / interval == pruningSteps(totalSteps);
        if (blockHeight() > 1) {
            pruneBlocks(layer, last, sparsityAt(step, totalSteps, layer.sparsity()));
            return;
        }
        int target = last ? layer.active()
                : (int) Math.max(layer.active(), Math.round((1 - sparsityAt(step, totalSteps, layer.sparsity())) * layer.size()));
        int[] active = activePositions(layer);
        if (active.length <= target) return;
        boolean[] next = new boolean[layer.size()];
        for (int i : Ranking.largestAbs(layer.parameter().value().data(), active, active.length, target)) next[i] = true;
        commit(layer, next);
    }

    private void pruneBlocks(LayerBudget layer, boolean last, double sparsity) {
        int r = blockHeight();
        int rows = layer.rows();
        int fanIn = layer.fanIn();
        int budget = BlockMasks.keptBlocks(layer, r);
        int target = last ? budget
                : (int) Math.max(budget, Math.round((1 - sparsity) * BlockMasks.blocks(layer, r)));
        boolean[] blocks = BlockMasks.activeBlocks(layer.parameter().mask().values(), rows, fanIn, r);
        int[] active = Ranking.where(blocks, 0, blocks.length, true);
        if (active.length <= target) return;
        float[] score = BlockMasks.sumAbs(layer.parameter().value().data(), rows, fanIn, r);
        boolean[] next = new boolean[blocks.length];
        for (int b : Ranking.largestAbs(score, active, active.length, target)) next[b] = true;
        commit(layer, BlockMasks.expand(next, rows, fanIn, r));
    }

    /** Every bank keeps its round(B·(1 - s)) largest |w| among those still active. */
    private void pruneBanks(LayerBudget layer, double sparsity) {
        int keepPerBank = (int) Math.max(1, Math.round(bankWidth * (1 - sparsity)));
        float[] keep = layer.parameter().mask().values();
        float[] w = layer.parameter().value().data();
        boolean[] next = new boolean[keep.length];
        int[] bank = new int[bankWidth];
        for (int b = 0; b < keep.length; b += bankWidth) {
            int count = 0;
            for (int j = b; j < b + bankWidth; j++) if (keep[j] != 0f) bank[count++] = j;
            if (count <= keepPerBank) {
                for (int j = 0; j < count; j++) next[bank[j]] = true;
            } else {
                for (int i : Ranking.largestAbs(w, bank, count, keepPerBank)) next[i] = true;
            }
        }
        commit(layer, next);
    }

    @Override
    public Structure structure() {
        return bankWidth > 0 ? new Structure.Banks(bankWidth) : super.structure(); // from dense: every bank full
    }

    @Override
    public String describe() {
        return "gmp(si=" + initialSparsity + ",start=" + startFraction + ",end=" + endFraction + ",dt=" + interval
                + (bankWidth > 0 ? ",bank=" + bankWidth : "") + (blockHeight() > 1 ? ",block=" + blockHeight() : "") + ")";
    }
}
