package dev.sparrow.infer;

import dev.sparrow.kernel.Backend;

import java.lang.invoke.MethodHandles;

/**
 * The inner loop of {@link SparseInputConvStep}'s channels-last scatter as a kernel family: one nonzero input times
 * a run of weight blocks, each block {@link #lanes()} consecutive output channels, added into a channels-last
 * accumulator. The scalar reference ({@link ScalarScatterKernels}) and a Vector API version (VectorScatterKernels,
 * package-private, loaded by the {@link Backend}) use the same layout, so a step built for one runs the other.
 */
interface ScatterKernels {
    static ScatterKernels of(Backend backend) {
        return backend.kernels(ScatterKernels.class, ScalarScatterKernels.INSTANCE, MethodHandles.lookup(), "VectorScatterKernels");
    }

    /** Output channels per weight block: the vector length (8 for 256-bit floats), 8 for the scalar reference. */
    int lanes();

    String name();

    /**
     * acc[base + offset[p] + l] += v · w[p · lanes() + l] for p in [from, to) and l in [0, lanes()) (a product
     * rounded, then added: no fused multiply-add, so both implementations give the same bits).
     */
    void scatter(float[] acc, int base, int[] offset, float[] w, int from, int to, float v);
}
