package dev.sparrow.sparsity;

/**
 * Sparse Evolutionary Training (Mocanu et al. 2018): at each update, each sparse layer drops the
 * fraction zeta of its active weights closest to zero (smallest |w|) and regrows as many at random
 * positions among those not kept. New weights start at zero with zeroed optimizer state; a position
 * dropped and drawn again in the same update keeps its value. The active count never changes.
 */
public final class SetSparsity extends AbstractSparsityMethod {
    private final UpdateSchedule schedule;

    /** @param schedule a constant-fraction schedule (see {@link UpdateSchedule#constantFraction}) */
    public SetSparsity(UpdateSchedule schedule) {
        super(1, false);
        if (schedule == null) throw new IllegalArgumentException("schedule must not be null");
        this.schedule = schedule;
    }

    /** zeta = 0.3 every {@code interval} steps until the end of training. */
    public static SetSparsity every(long interval) {
        return new SetSparsity(UpdateSchedule.constantFraction(interval, 1.0, 0.3));
    }

    public UpdateSchedule schedule() { return schedule; }

    @Override
    protected boolean isUpdateStep(long step, long totalSteps) { return schedule.isUpdateStep(step, totalSteps); }

    @Override
    protected void update(LayerBudget layer, long step, long totalSteps) {
        int[] active = activePositions(layer);
        int nDrop = (int) Math.floor(active.length * schedule.dropFraction(step, totalSteps));
        if (nDrop == 0) return;
        float[] w = layer.parameter().value().data();
        boolean[] next = new boolean[w.length];
        Ranking.markLargestAbs(w, active, active.length, active.length - nDrop, next);
        int[] candidates = Ranking.where(next, 0, next.length, false);
        for (int i : Ranking.random(candidates, candidates.length, nDrop, updateRandom(step))) next[i] = true;
        commit(layer, next);
    }

    @Override
    public String describe() { return "set(" + schedule.describe() + ")"; }
}
