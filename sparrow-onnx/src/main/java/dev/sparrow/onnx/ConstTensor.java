package dev.sparrow.onnx;

import dev.sparrow.tensor.Tensor;

import java.util.Arrays;

/**
 * A constant known at load (an initializer, a Constant node, or a folded result): float data or int64 data and
 * a shape. Int64 data may hold {@link #BATCH}, the symbolic batch size, as Shape of a batched value gives it, so
 * that shape arithmetic like x.reshape(x.shape[0], -1) folds without knowing the batch.
 */
record ConstTensor(int[] shape, float[] floats, long[] longs) {
    /** The batch size, unknown at load. */
    static final long BATCH = Long.MIN_VALUE;

    static ConstTensor ofFloats(int[] shape, float[] data) { return new ConstTensor(shape.clone(), data, null); }

    static ConstTensor ofLongs(int[] shape, long[] data) { return new ConstTensor(shape.clone(), null, data); }

    boolean isFloat() { return floats != null; }

    int size() { return isFloat() ? floats.length : longs.length; }

    int rank() { return shape.length; }

    boolean hasBatch() {
        if (isFloat()) return false;
        for (long v : longs) if (v == BATCH) return true;
        return false;
    }

    /** The data as floats; int64 data converted, unless it holds the symbolic batch. */
    float[] asFloats() {
        if (isFloat()) return floats;
        if (hasBatch()) throw new ImportProblem("a value depending on the batch size is used as a number");
        float[] out = new float[longs.length];
        for (int i = 0; i < out.length; i++) out[i] = longs[i];
        return out;
    }

    /** The data as int64 (floats truncated toward zero, as Cast does). */
    long[] asLongs() {
        if (!isFloat()) return longs;
        long[] out = new long[floats.length];
        for (int i = 0; i < out.length; i++) out[i] = (long) floats[i];
        return out;
    }

    Tensor toTensor() { return Tensor.wrap(asFloats().clone(), shape); }

    /** One number, for scalar attributes given as inputs (Clip's min and max). */
    float scalar(String what) {
        if (size() != 1) throw new ImportProblem(what + " must be one number, got shape " + Arrays.toString(shape));
        return asFloats()[0];
    }

    @Override
    public String toString() {
        return (isFloat() ? "float" : "int64") + Arrays.toString(shape);
    }
}
