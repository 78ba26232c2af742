package dev.sparrow.sparsity;

/**
 * Rigging the Lottery (Evci et al. 2020). At each update (every ΔT steps while t &lt; T_end), each sparse
 * layer drops n_drop = floor(n_active · f(t)) weights: it keeps the top n_active - n_drop by |w| and
 * grows the n_drop positions not kept with the largest |dense gradient| of the step just taken. New
 * weights start at zero with zeroed optimizer state; a position dropped and regrown in the same update
 * keeps its value. Ties go to the lower index. The active count never changes.
 *
 * <p>With a block height r > 1 the same happens to whole r x 1 blocks (see {@link BlockMasks}):
 * n_drop = floor(active blocks · f(t)) blocks are dropped by the smallest sum of |w| over the block
 * and as many grown where the sum of |dense gradient| over the block is largest.
 */
public final class RigL extends AbstractSparsityMethod {
    private final UpdateSchedule schedule;

    public RigL(UpdateSchedule schedule) {
        this(schedule, 1);
    }

    /** @param blockHeight 4 or 16 for whole r x 1 blocks, 1 for none */
    public RigL(UpdateSchedule schedule, int blockHeight) {
        super(blockHeight, true);
        if (schedule == null) throw new IllegalArgumentException("schedule must not be null");
        this.schedule = schedule;
    }

    /** RigL's defaults: ΔT = 100, T_end = 0.75 of training, alpha = 0.3. */
    public static RigL defaults() { return new RigL(UpdateSchedule.rigl()); }

    public UpdateSchedule schedule() { return schedule; }

    @Override
    protected boolean isUpdateStep(long step, long totalSteps) { return schedule.isUpdateStep(step, totalSteps); }

    @Override
    protected void update(LayerBudget layer, long step, long totalSteps) {
        if (blockHeight() > 1) {
            updateBlocks(layer, schedule.dropFraction(step, totalSteps));
            return;
        }
        int[] active = activePositions(layer);
        int nDrop = (int) Math.floor(active.length * schedule.dropFraction(step, totalSteps));
        if (nDrop == 0) return;
        float[] w = layer.parameter().value().data();
        float[] grad = layer.parameter().grad().data();
        boolean[] next = new boolean[w.length];
        Ranking.markLargestAbs(w, active, active.length, active.length - nDrop, next);
        int[] candidates = Ranking.where(next, 0, next.length, false);
        Ranking.markLargestAbs(grad, candidates, candidates.length, nDrop, next);
        commit(layer, next);
    }

    private void updateBlocks(LayerBudget layer, double dropFraction) {
        int r = blockHeight();
        int rows = layer.rows();
        int fanIn = layer.fanIn();
        boolean[] blocks = BlockMasks.activeBlocks(layer.parameter().mask().values(), rows, fanIn, r);
        int[] active = Ranking.where(blocks, 0, blocks.length, true);
        int nDrop = (int) Math.floor(active.length * dropFraction);
        if (nDrop == 0) return;
        float[] weightScore = BlockMasks.sumAbs(layer.parameter().value().data(), rows, fanIn, r);
        float[] gradScore = BlockMasks.sumAbs(layer.parameter().grad().data(), rows, fanIn, r);
        boolean[] next = new boolean[blocks.length];
        Ranking.markLargestAbs(weightScore, active, active.length, active.length - nDrop, next);
        int[] candidates = Ranking.where(next, 0, next.length, false);
        Ranking.markLargestAbs(gradScore, candidates, candidates.length, nDrop, next);
        commit(layer, BlockMasks.expand(next, rows, fanIn, r));
    }

    @Override
    public String describe() { return "rigl(" + schedule.describe() + (blockHeight() > 1 ? ",block=" + blockHeight() : "") + ")"; }
}
