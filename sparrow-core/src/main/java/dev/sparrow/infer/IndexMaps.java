package dev.sparrow.infer;

import dev.sparrow.tensor.Tensor;

/**
 * Index maps computed once at plan time, so that broadcasts, transposes and reductions run per call as plain
 * gathers over flat arrays, allocating nothing: map[i] is the element of one sample of the operand that element
 * i of one sample of the output reads (or, for a reduction, adds into).
 */
final class IndexMaps {
    private IndexMaps() {}

    /** For an operand of {@code shape} broadcast to {@code out} (same rank); null when the shapes are equal. */
    static int[] broadcast(int[] shape, int[] out) {
        if (java.util.Arrays.equals(shape, out)) return null;
        int[] strides = new int[shape.length];
        for (int d = shape.length - 1, s = 1; d >= 0; s *= shape[d], d--) strides[d] = shape[d] == 1 ? 0 : s;
        return gather(strides, out);
    }

    /** Output element → input element of a transpose; perm is full-rank with the batch first. */
    static int[] transpose(int[] inShape, int[] perm) {
        int rank = inShape.length;
        int[] inStrides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; s *= inShape[d], d--) inStrides[d] = s;
        int[] out = new int[rank];
        int[] read = new int[rank];
        for (int d = 0; d < rank; d++) {
            out[d] = inShape[perm[d + 1] - 1];
            read[d] = inStrides[perm[d + 1] - 1];
        }
        return gather(read, out);
    }

    /** Output element → input element of a slice: along axis d, index starts[d] + i * steps[d] (steps may be negative). */
    static int[] slice(int[] inShape, int[] starts, int[] steps, int[] outShape) {
        int rank = inShape.length;
        int[] read = new int[rank];
        int base = 0;
        for (int d = rank - 1, s = 1; d >= 0; s *= inShape[d], d--) {
            read[d] = steps[d] * s;
            base += starts[d] * s;
        }
        int[] map = gather(read, outShape);
        for (int i = 0; i < map.length; i++) map[i] += base;
        return map;
    }

    /** Input element → output element of a mean over the (full-rank) axes. */
    static int[] reduction(int[] inShape, int[] axes) {
        int[] kept = inShape.clone();
        for (int a : axes) kept[a - 1] = 1;
        int[] strides = new int[inShape.length];
        for (int d = inShape.length - 1, s = 1; d >= 0; s *= kept[d], d--) strides[d] = kept[d] == 1 ? 0 : s;
        return gather(strides, inShape);
    }

    /** For each element of {@code shape} in row-major order, the sum of its coordinates times {@code strides}. */
    private static int[] gather(int[] strides, int[] shape) {
        int n = Tensor.checkedSize(shape);
        int[] map = new int[n];
        int[] index = new int[shape.length];
        for (int i = 0; i < n; i++) {
            int src = 0;
            for (int d = 0; d < shape.length; d++) src += index[d] * strides[d];
            map[i] = src;
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        return map;
    }
}
