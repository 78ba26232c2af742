package dev.sparrow.tensor;

import java.util.Arrays;

/**
 * A float32 tensor: a flat array plus a row-major shape. Views made by {@link #reshape} share the
 * array. Batches are always the first dimension (NCHW for images, [batch, features] for vectors).
 */
public final class Tensor {
    private final float[] data;
    private final int[] shape;

    private Tensor(float[] data, int[] shape) {
        this.data = data;
        this.shape = shape;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(int... shape) {
        return new Tensor(new float[checkedSize(shape)], shape.clone());
    }

    /** Wraps {@code data} (not copied); its length must equal the product of {@code shape}. */
    public static Tensor wrap(float[] data, int... shape) {
        int size = checkedSize(shape);
        if (data.length != size) {
            throw new IllegalArgumentException("data has " + data.length + " elements but shape "
                    + Arrays.toString(shape) + " needs " + size);
        }
        return new Tensor(data, shape.clone());
    }

    /** Product of the dimensions, rejecting negative dimensions and overflow. */
    public static int checkedSize(int... shape) {
        long size = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            size *= d;
            if (size > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has too many elements");
            }
        }
        return (int) size;
    }

    public float[] data() { return data; }

    public int[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public int dim(int axis) { return shape[axis]; }

    public int size() { return data.length; }

    /** Elements per item of the first dimension (e.g. features per sample). */
    public int rowSize() { return shape.length == 0 ? 1 : (shape[0] == 0 ? 0 : data.length / shape[0]); }

    public float get(int flatIndex) { return data[flatIndex]; }

    public void set(int flatIndex, float v) { data[flatIndex] = v; }

    /** A view with another shape over the same data. */
    public Tensor reshape(int... newShape) {
        return wrap(data, newShape);
    }

    public boolean hasShape(int... s) { return Arrays.equals(shape, s); }

    public Tensor copy() { return new Tensor(data.clone(), shape.clone()); }

    public void fill(float v) { Arrays.fill(data, v); }

    public void copyFrom(Tensor other) {
        if (other.data.length != data.length) {
            throw new IllegalArgumentException("cannot copy " + other.shapeString() + " into " + shapeString());
        }
        System.arraycopy(other.data, 0, data, 0, data.length);
    }

    public String shapeString() { return Arrays.toString(shape); }

    @Override
    public String toString() {
        return "Tensor" + shapeString();
    }
}
