package dev.sparrow.io;

import java.util.Arrays;

/**
 * One entry of a safetensors header: where the tensor's bytes lie in the data buffer (offsets
 * relative to the buffer's start, {@code end} exclusive).
 */
public record TensorInfo(String name, DType dtype, int[] shape, long begin, long end) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public int[] shape() { return shape.clone(); }

    public long elementCount() { return TensorSource.elementCount(shape); }

    public long byteSize() { return end - begin; }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape)
                && t.begin == begin && t.end == end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + ": " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
