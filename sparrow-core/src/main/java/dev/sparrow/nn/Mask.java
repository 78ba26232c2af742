package dev.sparrow.nn;

import java.util.Arrays;

/**
 * Which weights of a parameter are active. Stored as 1/0 floats so that applying it is one
 * multiply per weight (and vectorises). Sparse training methods edit it; optimizers read it so that
 * a masked weight stays exactly zero through every step.
 */
public final class Mask {
    private final float[] keep; // (size,) 1 = active, 0 = pruned

    private Mask(float[] keep) {
        this.keep = keep;
    }

    /** A mask with every weight active. */
    public static Mask dense(int size) {
        float[] k = new float[size];
        Arrays.fill(k, 1f);
        return new Mask(k);
    }

    /** A mask from 0/1 values (copied); any other value is rejected. */
    public static Mask of(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0f && values[i] != 1f) {
                throw new IllegalArgumentException("mask value at " + i + " is " + values[i] + "; expected 0 or 1");
            }
        }
        return new Mask(values.clone());
    }

    public int size() { return keep.length; }

    public boolean isActive(int i) { return keep[i] != 0f; }

    public void set(int i, boolean active) { keep[i] = active ? 1f : 0f; }

    public int activeCount() {
        int n = 0;
        for (float v : keep) if (v != 0f) n++;
        return n;
    }

    public double sparsity() {
        return keep.length == 0 ? 0.0 : 1.0 - (double) activeCount() / keep.length;
    }

    /** values[i] = +0.0 wherever the mask is inactive; set, not multiplied, since NaN x 0 is NaN. */
    public void apply(float[] values) {
        if (values.length != keep.length) {
            throw new IllegalArgumentException("mask of size " + keep.length + " applied to " + values.length + " values");
        }
        for (int i = 0; i < keep.length; i++) if (keep[i] == 0f) values[i] = 0f;
    }

    /** The 0/1 array itself (not a copy), for kernels and serialisation. */
    public float[] values() { return keep; }

    public Mask copy() { return new Mask(keep.clone()); }
}
