package dev.sparrow.io;

import dev.sparrow.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor as stored in a safetensors file: dtype, shape and its little-endian bytes (owned, never
 * exposed mutable). Factories copy their input; the {@code to...} methods return fresh arrays.
 */
public final class TensorData implements TensorSource {
    /** Largest payload one tensor may have: Java arrays are indexed by int. */
    public static final int MAX_BYTES = Integer.MAX_VALUE - 16;

    private final DType dtype;
    private final int[] shape;
    private final byte[] bytes; // little-endian, length == elementCount * dtype.byteSize

    private TensorData(DType dtype, int[] shape, byte[] bytes) {
        this.dtype = dtype;
        this.shape = shape;
        this.bytes = bytes;
    }


    /** Takes ownership of {@code bytes}, already checked by the caller (the reader). */
    static TensorData owning(DType dtype, int[] shape, byte[] bytes) {
        return new TensorData(dtype, shape, bytes);
    }

    public static TensorData f32(float[] values, int... shape) {
        ByteBuffer b = allocate(DType.F32, shape, values == null ? -1 : values.length);
        b.asFloatBuffer().put(values);
        return new TensorData(DType.F32, shape.clone(), b.array());
    }

    public static TensorData f64(double[] values, int... shape) {
        ByteBuffer b = allocate(DType.F64, shape, values == null ? -1 : values.length);
        b.asDoubleBuffer().put(values);
        return new TensorData(DType.F64, shape.clone(), b.array());
    }

    public static TensorData i64(long[] values, int... shape) {
        ByteBuffer b = allocate(DType.I64, shape, values == null ? -1 : values.length);
        b.asLongBuffer().put(values);
        return new TensorData(DType.I64, shape.clone(), b.array());
    }

    public static TensorData i32(int[] values, int... shape) {
        ByteBuffer b = allocate(DType.I32, shape, values == null ? -1 : values.length);
        b.asIntBuffer().put(values);
        return new TensorData(DType.I32, shape.clone(), b.array());
    }

    /** Unsigned bytes: each {@code byte} is stored as is and read back by {@link #toU8()} (0..255 via {@code & 0xff}). */
    public static TensorData u8(byte[] values, int... shape) {
        ByteBuffer b = allocate(DType.U8, shape, values == null ? -1 : values.length);
        b.put(values);
        return new TensorData(DType.U8, shape.clone(), b.array());
    }

    /** A float32 copy of {@code tensor}. */
    public static TensorData of(Tensor tensor) {
        if (tensor == null) throw new IllegalArgumentException("tensor is null");
        return f32(tensor.data(), tensor.shape());
    }

    @Override public DType dtype() { return dtype; }

    @Override public int[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    @Override public long elementCount() { return bytes.length / dtype.byteSize(); }

    @Override public long byteSize() { return bytes.length; }

    @Override
    public void writeTo(ByteBuffer out) {
        out.put(bytes);
    }

    /** A read-only little-endian view of the bytes. */
    public ByteBuffer bytes() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public float[] toF32() {
        require(DType.F32);
        float[] out = new float[bytes.length / 4];
        bytes().asFloatBuffer().get(out);
        return out;
    }

    /** F64 values; F32 is widened exactly. */
    public double[] toF64() {
        if (dtype == DType.F32) {
            float[] f = toF32();
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) out[i] = f[i];
            return out;
        }
        require(DType.F64);
        double[] out = new double[bytes.length / 8];
        bytes().asDoubleBuffer().get(out);
        return out;
    }

    /** I64 values; I32 and U8 are widened exactly. */
    public long[] toI64() {
        long[] out;
        switch (dtype) {
            case I64 -> {
                out = new long[bytes.length / 8];
                bytes().asLongBuffer().get(out);
            }
            case I32 -> {
                int[] v = toI32();
                out = new long[v.length];
                for (int i = 0; i < v.length; i++) out[i] = v[i];
            }
            case U8 -> {
                out = new long[bytes.length];
                for (int i = 0; i < bytes.length; i++) out[i] = bytes[i] & 0xff;
            }
            default -> throw wrongType("I64, I32 or U8");
        }
        return out;
    }

    public int[] toI32() {
        require(DType.I32);
        int[] out = new int[bytes.length / 4];
        bytes().asIntBuffer().get(out);
        return out;
    }

    /** The raw bytes of a U8 or BOOL tensor (unsigned: use {@code & 0xff}). */
    public byte[] toU8() {
        if (dtype != DType.U8 && dtype != DType.BOOL) throw wrongType("U8 or BOOL");
        return bytes.clone();
    }

    /** A float32 {@link Tensor} with this shape. */
    public Tensor toTensor() {
        return Tensor.wrap(toF32(), shape);
    }

    private void require(DType expected) {
        if (dtype != expected) throw wrongType(expected.name());
    }

    private IllegalStateException wrongType(String expected) {
        return new IllegalStateException("tensor is " + dtype + Arrays.toString(shape) + "; expected " + expected);
    }

    private static long checkedByteSize(DType dtype, int[] shape) {
        long bytes = Math.multiplyExact(TensorSource.elementCount(shape), (long) dtype.byteSize());
        if (bytes > MAX_BYTES) {
            throw new IllegalArgumentException(dtype + " tensor of shape " + Arrays.toString(shape) + " has " + bytes
                    + " bytes; at most " + MAX_BYTES + " are supported");
        }
        return bytes;
    }

    private static ByteBuffer allocate(DType dtype, int[] shape, int length) {
        if (length < 0) throw new IllegalArgumentException("values is null");
        long n = TensorSource.elementCount(shape);
        if (n != length) {
            throw new IllegalArgumentException("values has " + length + " elements but shape " + Arrays.toString(shape) + " needs " + n);
        }
        return ByteBuffer.allocate((int) checkedByteSize(dtype, shape)).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && t.dtype == dtype && Arrays.equals(t.shape, shape) && Arrays.equals(t.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
