package dev.sparrow.io;

import dev.sparrow.tensor.Tensor;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Something {@link SafetensorsWriter} can write as one tensor: a dtype, a shape and a way to put the
 * little-endian bytes into a buffer. Sources made by {@link #of(Tensor)} read the live array when
 * the file is written, so saving a model does not first copy every parameter.
 */
public interface TensorSource {

    DType dtype();

    /** The shape (a copy); {@code []} is a scalar. */
    int[] shape();

    /**
     * Puts exactly {@link #byteSize()} bytes into {@code out}, whose byte order is little-endian and
     * whose remaining space is exactly that size.
     */
    void writeTo(ByteBuffer out);

    default long elementCount() { return elementCount(shape()); }

    default long byteSize() { return elementCount() * dtype().byteSize(); }

    /** A float32 source over the tensor's live data. */
    static TensorSource of(Tensor tensor) {
        if (tensor == null) throw new IllegalArgumentException("tensor is null");
        return f32(tensor.data(), tensor.shape());
    }

    /** A float32 source over {@code values} (not copied); its length must match the shape. */
    static TensorSource f32(float[] values, int... shape) {
        if (values == null) throw new IllegalArgumentException("values is null");
        checkLength(values.length, shape);
        int[] s = shape.clone();
        return new TensorSource() {
            @Override public DType dtype() { return DType.F32; }
            @Override public int[] shape() { return s.clone(); }
            @Override public void writeTo(ByteBuffer out) { out.asFloatBuffer().put(values); out.position(out.position() + values.length * 4); }
        };
    }

    /**
     * A U8 source of 0/1 flags from a float array that holds only 0 and 1 (e.g. a mask): 1 for every
     * non-zero value.
     */
    static TensorSource u8Flags(float[] values, int... shape) {
        if (values == null) throw new IllegalArgumentException("values is null");
        checkLength(values.length, shape);
        int[] s = shape.clone();
        return new TensorSource() {
            @Override public DType dtype() { return DType.U8; }
            @Override public int[] shape() { return s.clone(); }
            @Override public void writeTo(ByteBuffer out) {
                for (float v : values) out.put(v != 0f ? (byte) 1 : (byte) 0);
            }
        };
    }

    /** Product of the dimensions, rejecting negative dimensions and overflow of a long. */
    static long elementCount(int[] shape) {
        if (shape == null) throw new IllegalArgumentException("shape is null");
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void checkLength(int length, int[] shape) {
        long n = elementCount(shape);
        if (n != length) {
            throw new IllegalArgumentException("values has " + length + " elements but shape " + Arrays.toString(shape) + " needs " + n);
        }
    }
}
