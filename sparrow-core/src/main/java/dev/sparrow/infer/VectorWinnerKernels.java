package dev.sparrow.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link WinnerKernels} on the Vector API: the bracket pass compares a vector at a time and counts with mask
 * popcounts; the few values inside the bracket (about 8% of a group, so about half the vectors hold one) are
 * copied lane by lane from the mask's bits. Width as the sparse kernels choose it ({@code -Dsparrow.sparse.vectorBits}).
 * Vectors stay inside each method (NoVectorCrossesAMethodTest).
 */
final class VectorWinnerKernels implements WinnerKernels {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = F.length();

    private VectorWinnerKernels() {}

    /** Called reflectively by the backend; null where vectors are narrower than 256 bits. */
    static WinnerKernels createIfUseful() {
        return VectorWidth.useful() ? new VectorWinnerKernels() : null;
    }

    @Override
    public String name() { return "vector-" + VectorWidth.BITS; }

    @Override
    public long bracket(float[] x, int off, int n, float lo, float hi, float[] inside, int insideOff) {
        int above = 0, m = insideOff, e = 0;
        VectorMask<Float> nan = F.maskAll(false);
        for (; e + L <= n; e += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + e);
            above += v.compare(VectorOperators.GT, hi).trueCount();
            nan = nan.or(v.test(VectorOperators.IS_NAN));
            VectorMask<Float> in = v.compare(VectorOperators.GE, lo).and(v.compare(VectorOperators.LE, hi));
            for (long bits = in.toLong(); bits != 0; bits &= bits - 1) {
                inside[m++] = x[off + e + Long.numberOfTrailingZeros(bits)];
            }
        }
        int nanTail = 0;
        for (; e < n; e++) {
            float v = x[off + e];
            inside[m] = v;
            m += v >= lo & v <= hi ? 1 : 0;
            above += v > hi ? 1 : 0;
            nanTail |= v != v ? 1 : 0;
        }
        return (m - insideOff) | (long) above << 31 | (nanTail != 0 || nan.anyTrue() ? NAN_SEEN : 0);
    }

    @Override
    public void keepAtLeast(float[] x, float[] out, int off, int n, float t) {
        int e = off, end = off + n;
        for (; e + L <= end; e += L) {
            FloatVector v = FloatVector.fromArray(F, x, e);
            v.blend(0f, v.compare(VectorOperators.GE, t).not()).intoArray(out, e);
        }
        for (; e < end; e++) {
            float v = x[e];
            out[e] = v >= t ? v : 0f;
        }
    }
}
