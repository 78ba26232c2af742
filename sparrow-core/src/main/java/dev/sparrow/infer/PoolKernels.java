package dev.sparrow.infer;

import dev.sparrow.kernel.Backend;

import java.lang.invoke.MethodHandles;

/**
 * 2x2 max-pooling with stride 2 (PyTorch's MaxPool2d(2), the pool of every CNN in the zoo) as a kernel family:
 * the scalar reference ({@link ScalarPoolKernels}) and a Vector API version (VectorPoolKernels, package-private,
 * loaded by the {@link Backend}). The scalar loop reads every other value and cannot be vectorised by C2; in the
 * dual-sparse gsc-cnn it was a seventh of a batch-1 call.
 */
interface PoolKernels {
    static PoolKernels of(Backend backend) {
        return backend.kernels(PoolKernels.class, ScalarPoolKernels.INSTANCE, MethodHandles.lookup(), "VectorPoolKernels");
    }

    String name();

    /**
     * One output row: out[o + i] = max of x[r0 + 2i], x[r0 + 2i + 1], x[r1 + 2i], x[r1 + 2i + 1] for i in [0, ow)
     * (Math.max semantics: NaN wins, +0 above -0).
     */
    void max2x2Row(float[] x, int r0, int r1, float[] out, int o, int ow);
}
