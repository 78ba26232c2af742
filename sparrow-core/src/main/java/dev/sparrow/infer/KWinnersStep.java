package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;

/**
 * k-winners-take-all on batch-major values: per sample (KWinners, KWinners2d global) or, local, per location over
 * the channels of a [C, H, W] sample (KWinners2d local). Groups are split over the pool in one contiguous range
 * per thread, each thread with its own scratch, so a batch (or a sample's locations) no longer runs on one
 * thread; the winners do not depend on the thread count.
 */
final class KWinnersStep extends Step {
    private final int k;
    private final int groupSize;
    private final int groupsPerSample;
    /** Distance between a group's values: 1 per sample, H·W for local groups. */
    private final int stride;
    private final WinnerSelection selection;
    private final float z;
    private final ComputePool pool;
    private final WinnerKernels kernels;

    /** {@code channels} > 0: local groups of that many channels at each location; 0: one group per sample. */
    KWinnersStep(int k, int features, int channels, WinnerSelection selection, ComputePool pool) {
        super(features, features);
        this.k = k;
        this.groupSize = channels > 0 ? channels : features;
        this.groupsPerSample = features / groupSize;
        this.stride = channels > 0 ? groupsPerSample : 1;
        this.selection = selection;
        this.z = WinnerSelection.z(k, groupSize);
        this.pool = pool;
        this.kernels = WinnerKernels.of(dev.sparrow.kernel.Backend.get());
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    /** Floats of scratch a call needs: one group per thread. */
    int scratchFloats() { return groupSize; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        int groups = batch * groupsPerSample;
        int slots = Math.min(pool.threads(), groups);
        KernelCall<KWinnersStep, Workspace> call = KernelCall.of(this, ws);
        call.x = in;
        call.y = out;
        call.batch = batch;
        // one range per slot, so a slot's scratch is its own
        call.evenly(pool, slots, 1, KWinnersStep::slots);
    }

    private static void slots(KernelCall<KWinnersStep, Workspace> call, int from, int to) {
        KWinnersStep s = call.target;
        int groups = call.batch * s.groupsPerSample;
        int slots = Math.min(s.pool.threads(), groups);
        float[] scratch = call.context.selection;
        for (int slot = from; slot < to; slot++) {
            int first = (int) ((long) groups * slot / slots), last = (int) ((long) groups * (slot + 1) / slots);
            for (int g = first; g < last; g++) {
                int sample = g / s.groupsPerSample, within = g - sample * s.groupsPerSample;
                int base = sample * s.inFeatures + within * (s.stride == 1 ? s.groupSize : 1);
                s.selection.select(call.x, call.y, base, s.stride, s.groupSize, s.k, s.z, scratch, slot * s.groupSize,
                        s.kernels);
            }
        }
    }

    @Override
    String describe() {
        return "kWTA(k=" + k + " of " + groupSize + (groupsPerSample > 1 && stride > 1 ? " channels per location" : "")
                + ", " + inFeatures + (selection == WinnerSelection.THRESHOLD ? ", threshold mean+" + z + "*std" : ", exact top-k") + ")";
    }
}
