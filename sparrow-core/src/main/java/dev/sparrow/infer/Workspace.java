package dev.sparrow.infer;

/**
 * The buffers one in-flight call uses: one per buffer slot of the plan (values whose lifetimes do not overlap
 * share a slot), plus the scratch of the convolution and k-WTA steps. Allocated once, when the session is built.
 */
final class Workspace {
    final int slot;
    /** The plan's value buffers, each [maxBatch × the largest sample of the values assigned to it]. */
    final float[][] buffers;
    /** im2col buffers of the convolution steps (one per thread). */
    final float[] columns;
    /** A group's values while k-WTA selects its winners: maxFeatures per thread, as groups run in parallel. */
    final float[] selection;
    /** The nonzero inputs (index, value) of a sample that a sparse-input step visits: maxFeatures per thread. */
    final int[] activeIndex;
    final float[] activeValues;
    /** Grouped convolution outputs before they are copied back to NCHW (one set per thread). */
    final float[] convOutputs;

    Workspace(int slot, int[] slotFloats, int maxBatch, int maxFeatures, int columnFloats, int stagingFloats, int threads) {
        this.slot = slot;
        this.buffers = new float[slotFloats.length][];
        for (int i = 0; i < slotFloats.length; i++) buffers[i] = new float[Math.multiplyExact(slotFloats[i], maxBatch)];
        this.columns = new float[columnFloats];
        this.selection = new float[Math.multiplyExact(maxFeatures, threads)];
        this.activeIndex = new int[Math.multiplyExact(maxFeatures, threads)];
        this.activeValues = new float[Math.multiplyExact(maxFeatures, threads)];
        this.convOutputs = new float[stagingFloats];
    }
}
