package dev.sparrow.sparsity;

/**
 * When a dynamic sparse method updates masks, and how much it drops: every {@code interval} optimizer
 * steps while t &lt; T_end = floor(endFraction · total steps), dropping the fraction
 * f(t) = (alpha / 2)(1 + cos(π t / T_end)) of each layer's active weights (RigL's cosine decay). SET
 * uses a constant fraction instead (see {@link #constantFraction}).
 *
 * @param interval    ΔT, optimizer steps between updates (RigL default 100)
 * @param endFraction T_end as a fraction of the total steps, in (0, 1] (RigL default 0.75)
 * @param alpha       the initial drop fraction, in (0, 1] (RigL default 0.3)
 * @param cosine      true for the cosine decay, false to drop alpha at every update
 */
public record UpdateSchedule(long interval, double endFraction, double alpha, boolean cosine) {

    public UpdateSchedule {
        if (interval < 1) throw new IllegalArgumentException("update interval is " + interval + "; expected >= 1 step");
        if (!(endFraction > 0 && endFraction <= 1)) {
            throw new IllegalArgumentException("update end fraction is " + endFraction + "; expected in (0, 1]");
        }
        if (!(alpha > 0 && alpha <= 1)) throw new IllegalArgumentException("drop fraction alpha is " + alpha + "; expected in (0, 1]");
    }

    /** RigL's defaults: every 100 steps until 75% of training, alpha 0.3, cosine decay. */
    public static UpdateSchedule rigl() { return new UpdateSchedule(100, 0.75, 0.3, true); }

    /** Cosine decay from {@code alpha}. */
    public static UpdateSchedule cosine(long interval, double endFraction, double alpha) {
        return new UpdateSchedule(interval, endFraction, alpha, true);
    }

    /** A constant drop fraction (SET's zeta) at every update. */
    public static UpdateSchedule constantFraction(long interval, double endFraction, double zeta) {
        return new UpdateSchedule(interval, endFraction, zeta, false);
    }

    /** T_end in steps for a run of {@code totalSteps}. */
    public long endStep(long totalSteps) { return (long) Math.floor(endFraction * totalSteps); }

    /** Whether masks change after optimizer step {@code step} (1-based count of steps taken). */
    public boolean isUpdateStep(long step, long totalSteps) {
        return step > 0 && step % interval == 0 && step < endStep(totalSteps);
    }

    /** The fraction of active weights to drop at step {@code step}. */
    public double dropFraction(long step, long totalSteps) {
        if (!cosine) return alpha;
        long end = endStep(totalSteps);
        if (end <= 0) return 0;
        return alpha / 2 * (1 + Math.cos(Math.PI * Math.min(step, end) / end));
    }

    public String describe() {
        return "dt=" + interval + ",end=" + endFraction + (cosine ? ",alpha=" : ",zeta=") + alpha;
    }
}
