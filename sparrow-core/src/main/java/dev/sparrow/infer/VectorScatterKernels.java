package dev.sparrow.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ScatterKernels} on the Vector API: each weight block is one vector, so a nonzero input adds to a block of
 * output channels with one load, one multiply-add pair and one store (the accumulator is channels-last, so a block
 * is contiguous). Width as the package's other kernels ({@link VectorWidth}); vectors stay inside the method.
 */
final class VectorScatterKernels implements ScatterKernels {
    private static final VectorSpecies<Float> F = VectorWidth.F;
    private static final int L = F.length();

    private VectorScatterKernels() {}

    /** Called reflectively by the backend; null where vectors are narrower than 256 bits. */
    static ScatterKernels createIfUseful() {
        return VectorWidth.useful() ? new VectorScatterKernels() : null;
    }

    @Override
    public int lanes() { return L; }

    @Override
    public String name() { return "vector-" + VectorWidth.BITS; }

    @Override
    public void scatter(float[] acc, int base, int[] offset, float[] w, int from, int to, float v) {
        FloatVector vv = FloatVector.broadcast(F, v);
        for (int p = from; p < to; p++) {
            int a = base + offset[p];
            FloatVector.fromArray(F, w, p * L).mul(vv).add(FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
        }
    }
}
