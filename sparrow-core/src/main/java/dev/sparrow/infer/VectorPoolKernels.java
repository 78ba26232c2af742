package dev.sparrow.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PoolKernels} on the Vector API: two input rows' vectors are maxed lane by lane, then the even and odd
 * lanes of two such vectors are gathered by two-vector shuffles and maxed, giving one vector of outputs. Width as
 * the sparse kernels choose it ({@code -Dsparrow.sparse.vectorBits}); vectors stay inside the method.
 */
final class VectorPoolKernels implements PoolKernels {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = F.length();
    /** Lanes 0, 2, 4, ... of a then b (indices of b count from L), and 1, 3, 5, ... */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(F, i -> 2 * i < L ? 2 * i : 2 * i - 2 * L);
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(F, i -> 2 * i + 1 < L ? 2 * i + 1 : 2 * i + 1 - 2 * L);
    /**
     * The same with 128-bit vectors, for a row's last 4 to 7 outputs: gsc-cnn's 24-wide maps pool to rows of 12, so
     * with 8 lanes a third of every row went through the scalar tail (with 16 lanes all of it went through the
     * 128-bit steps' 256-bit sibling below).
     */
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    private static final VectorShuffle<Float> EVEN4 = VectorShuffle.fromOp(F4, i -> 2 * i < 4 ? 2 * i : 2 * i - 8);
    private static final VectorShuffle<Float> ODD4 = VectorShuffle.fromOp(F4, i -> 2 * i + 1 < 4 ? 2 * i + 1 : 2 * i + 1 - 8);
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorShuffle<Float> EVEN8 = VectorShuffle.fromOp(F8, i -> 2 * i < 8 ? 2 * i : 2 * i - 16);
    private static final VectorShuffle<Float> ODD8 = VectorShuffle.fromOp(F8, i -> 2 * i + 1 < 8 ? 2 * i + 1 : 2 * i + 1 - 16);

    private VectorPoolKernels() {}

    /** Called reflectively by the backend; null where vectors are narrower than 256 bits. */
    static PoolKernels createIfUseful() {
        return VectorWidth.useful() ? new VectorPoolKernels() : null;
    }

    @Override
    public String name() { return "vector-" + VectorWidth.BITS; }

    @Override
    public void max2x2Row(float[] x, int r0, int r1, float[] out, int o, int ow) {
        int ox = 0;
        for (; ox + L <= ow; ox += L) {
            int i = 2 * ox;
            FloatVector a = FloatVector.fromArray(F, x, r0 + i).max(FloatVector.fromArray(F, x, r1 + i));
            FloatVector b = FloatVector.fromArray(F, x, r0 + i + L).max(FloatVector.fromArray(F, x, r1 + i + L));
            a.rearrange(EVEN, b).max(a.rearrange(ODD, b)).intoArray(out, o + ox);
        }
        if (L > 8 && ox + 8 <= ow) { // 512-bit main loop: one 256-bit step
            int i = 2 * ox;
            FloatVector a = FloatVector.fromArray(F8, x, r0 + i).max(FloatVector.fromArray(F8, x, r1 + i));
            FloatVector b = FloatVector.fromArray(F8, x, r0 + i + 8).max(FloatVector.fromArray(F8, x, r1 + i + 8));
            a.rearrange(EVEN8, b).max(a.rearrange(ODD8, b)).intoArray(out, o + ox);
            ox += 8;
        }
        if (ox + 4 <= ow) {
            int i = 2 * ox;
            FloatVector a = FloatVector.fromArray(F4, x, r0 + i).max(FloatVector.fromArray(F4, x, r1 + i));
            FloatVector b = FloatVector.fromArray(F4, x, r0 + i + 4).max(FloatVector.fromArray(F4, x, r1 + i + 4));
            a.rearrange(EVEN4, b).max(a.rearrange(ODD4, b)).intoArray(out, o + ox);
            ox += 4;
        }
        for (int i = 2 * ox; ox < ow; ox++, i += 2) {
            out[o + ox] = Math.max(Math.max(x[r0 + i], x[r0 + i + 1]), Math.max(x[r1 + i], x[r1 + i + 1]));
        }
    }
}
