package dev.sparrow.io;

import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * One line of {@code sparrow inspect}: a checkpoint tensor's name, role, dtype and shape, and for
 * masked parameters (and their masks) the fraction of pruned weights.
 */
public record TensorSummary(String name, Kind kind, DType dtype, int[] shape, long elements, OptionalDouble sparsity) {
    /** SPARSITY: a sparse training method's own state ({@link Checkpoint#SPARSITY_PREFIX}). */
    public enum Kind { PARAMETER, MASK, BUFFER, OPTIMIZER, SPARSITY }

    public TensorSummary {
        shape = shape.clone();
    }

    @Override
    public int[] shape() { return shape.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSummary t && t.name.equals(name) && t.kind == kind && t.dtype == dtype
                && Arrays.equals(t.shape, shape) && t.elements == elements && t.sparsity.equals(sparsity);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + kind + " " + dtype + Arrays.toString(shape)
                + (sparsity.isPresent() ? String.format(" sparsity=%.4f", sparsity.getAsDouble()) : "");
    }
}
