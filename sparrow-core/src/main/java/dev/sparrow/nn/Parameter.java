package dev.sparrow.nn;

import dev.sparrow.tensor.Tensor;

/**
 * A trainable tensor: its value, the gradient accumulated by backward passes, and an optional mask.
 * When a mask is set, the value is zero wherever the mask is; optimizers keep it so.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private final Tensor grad;
    private final boolean decayed;
    private Mask mask;
    // Packed mode (the sparse training engine): the active weights in ascending flat order, their values
    // and gradients. While packed, packedValues is the truth and the dense value is zero elsewhere. The dense
    // value is brought up to date when read (value()), not after every optimizer step: the write touches every
    // cache line of the dense tensor (at 90% sparsity a line of 16 floats holds 1.6 active weights), so it cost
    // as much memory traffic as a dense optimizer step.
    private int[] packedPositions;
    private float[] packedValues;
    private float[] packedGrads;
    private boolean denseGradDirty = true;
    private boolean denseValueStale;

    /**
     * @param name    local name within its layer, e.g. "weight" or "bias"
     * @param decayed whether weight decay applies (true for weights, false for biases and norm scales)
     */
    public Parameter(String name, Tensor value, boolean decayed) {
        this.name = name;
        this.value = value;
        this.grad = Tensor.zeros(value.shape());
        this.decayed = decayed;
    }

    public String name() { return name; }

    /** The value (dense); when packed, first brought up to date with the packed values if an optimizer step changed them. */
    public Tensor value() {
        if (denseValueStale) syncValues();
        return value;
    }

    public Tensor grad() { return grad; }

    public boolean decayed() { return decayed; }

    /** The mask, or null when every weight is active. */
    public Mask mask() { return mask; }

    public boolean hasMask() { return mask != null; }

    /** Sets the mask (null removes it) and zeroes the masked weights. */
    public void setMask(Mask mask) {
        if (mask != null && mask.size() != value.size()) {
            throw new IllegalArgumentException("mask of size " + mask.size() + " does not fit parameter '"
                    + name + "' of shape " + value.shapeString());
        }
        this.mask = mask;
        if (mask != null) mask.apply(value().data());
        if (packedPositions != null) {
            if (mask == null) unpack(); else pack();
        }
    }

    /**
     * Zeroes the gradient: the packed one when packed (and the dense one only if a backward pass wrote it
     * since the last zeroing, so a sparse step never touches the dense size).
     */
    public void zeroGrad() {
        if (packedPositions == null) {
            grad.fill(0f);
            return;
        }
        java.util.Arrays.fill(packedGrads, 0f);
        if (denseGradDirty) {
            grad.fill(0f);
            denseGradDirty = false;
        }
    }

    // ---- packed mode ----

    /** Whether the active weights are held packed (the sparse training engine). */
    public boolean isPacked() { return packedPositions != null; }

    /**
     * Packs (or repacks, after the mask changed) the active weights: positions from the mask, values
     * gathered from the dense value, gradients zero. A new positions array each time, so holders of the
     * old one (the optimizer's packed state, a layer's index structure) see by identity that it changed.
     */
    public void pack() {
        if (mask == null) throw new IllegalStateException("parameter '" + name + "' has no mask to pack");
        float[] keep = mask.values();
        float[] v = value().data();
        int n = 0;
        for (float k : keep) if (k != 0f) n++;
        int[] pos = new int[n];
        float[] vals = new float[n];
        int j = 0;
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] == 0f) continue;
            pos[j] = i;
            vals[j++] = v[i];
        }
        packedPositions = pos;
        packedValues = vals;
        packedGrads = new float[n];
        denseGradDirty = true;
    }

    /** Leaves packed mode, the dense value brought up to date first. */
    public void unpack() {
        if (packedPositions == null) return;
        syncValues();
        packedPositions = null;
        packedValues = null;
        packedGrads = null;
        denseGradDirty = true;
    }

    /** Ascending flat indices of the active weights (live; replaced on repack), or null when not packed. */
    public int[] packedPositions() { return packedPositions; }

    /** The active weights' values, aligned with {@link #packedPositions()} (live). */
    public float[] packedValues() { return packedValues; }

    /** The active weights' gradients, aligned with {@link #packedPositions()} (live). */
    public float[] packedGrads() { return packedGrads; }

    /** Writes the packed values into the dense value (O(nnz) writes, touching most lines of the dense tensor). */
    public void syncValues() {
        denseValueStale = false;
        if (packedPositions == null) return;
        float[] v = value.data();
        int[] pos = packedPositions;
        float[] pv = packedValues;
        for (int j = 0; j < pos.length; j++) v[pos[j]] = pv[j];
    }

    /** The packed values changed (an optimizer step): the dense value is brought up to date when next read. */
    public void packedValuesChanged() {
        if (packedPositions != null) denseValueStale = true;
    }

    /** Reloads the packed values from the dense value (after something wrote it, e.g. a restore). */
    public void reloadPackedValues() {
        denseValueStale = false;
        if (packedPositions == null) return;
        float[] v = value.data();
        int[] pos = packedPositions;
        float[] pv = packedValues;
        for (int j = 0; j < pos.length; j++) pv[j] = v[pos[j]];
    }

    /** A backward pass wrote the dense gradient too, so the next zeroGrad must clear it. */
    public void denseGradWritten() { denseGradDirty = true; }

    public int size() { return value.size(); }
}
