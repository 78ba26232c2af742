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
    /** A sample's outputs while k-WTA selects its winners. */
    final float[] selection;
    /** Grouped convolution outputs before they are copied back to NCHW (one set per thread). */
    final float[] convOutputs;

    Workspace(int slot, int[] slotFloats, int maxBatch, int maxFeatures, int columnFloats, int stagingFloats) {
        this.slot = slot;
        this.buffers = new float[slotFloats.length][];
        for (int i = 0; i < slotFloats.length; i++) buffers[i] = new float[Math.multiplyExact(slotFloats[i], maxBatch)];
        this.columns = new float[columnFloats];
        this.selection = new float[maxFeatures];
        this.convOutputs = new float[stagingFloats];
    }
}
