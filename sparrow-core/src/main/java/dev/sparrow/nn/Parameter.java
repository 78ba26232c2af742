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

    public Tensor value() { return value; }

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
        if (mask != null) mask.apply(value.data());
    }

    public void zeroGrad() { grad.fill(0f); }

    public int size() { return value.size(); }
}
