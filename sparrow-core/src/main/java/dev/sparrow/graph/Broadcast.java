package dev.sparrow.graph;

import java.util.Arrays;

/** NumPy broadcasting over sample shapes (the batch axis aside). */
final class Broadcast {
    private Broadcast() {}

    /** The broadcast of two sample shapes of equal rank. */
    static int[] shape(int[] a, int[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cannot broadcast [N, " + str(a) + "] with [N, " + str(b) + "] (ranks differ)");
        }
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i] || b[i] == 1) out[i] = a[i];
            else if (a[i] == 1) out[i] = b[i];
            else throw new IllegalArgumentException("cannot broadcast [N, " + str(a) + "] with [N, " + str(b) + "]");
        }
        dev.sparrow.tensor.Tensor.checkedSize(out);
        return out;
    }

    /**
     * A constant's shape seen as a sample shape of the given rank: right-aligned against [N, sample...], so a
     * constant of full rank must have 1 in its batch position, and a shorter one is padded with leading 1s.
     */
    static int[] constantAsSample(int[] constant, int sampleRank) {
        if (constant.length > sampleRank + 1 || (constant.length == sampleRank + 1 && constant[0] != 1)) {
            throw new IllegalArgumentException("constant " + Arrays.toString(constant) + " does not broadcast against a value of rank "
                    + (sampleRank + 1) + " without touching the batch");
        }
        int[] out = new int[sampleRank];
        Arrays.fill(out, 1);
        int skip = Math.max(0, constant.length - sampleRank);
        System.arraycopy(constant, skip, out, sampleRank - (constant.length - skip), constant.length - skip);
        return out;
    }

    /** Row-major strides of shape, with 0 where the dimension is 1 but the output's is not (a broadcast axis). */
    static int[] strides(int[] shape, int[] outShape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = (shape[i] == 1 && outShape[i] != 1) ? 0 : stride;
            stride *= shape[i];
        }
        return strides;
    }

    private static String str(int[] s) { return Arrays.toString(s).replaceAll("[\\[\\]]", ""); }
}
