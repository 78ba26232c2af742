package dev.sparrow.measure;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.kernel.PackedDenseMatrix;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * The dense products a sparse kernel is measured against, on one layer's weights W [out][in], over copies
 * of W (see {@link WeightCopies}): at batch 1 GEMV on W as stored and on W packed once (as a session's dense
 * layers run, and ONNX Runtime its initializers); above, Y^T = W X^T (NN: the layout of the sparse spmm),
 * the same on packed W, and Y = X W^T (NT: PyTorch's).
 */
public final class DenseBaseline {
    public static final String GEMV = "dense-gemv";
    public static final String GEMV_PACKED = "dense-gemv-packed";
    public static final String GEMM_NN = "dense-gemm-nn";
    public static final String GEMM_PACKED = "dense-gemm-packed";
    public static final String GEMM_NT = "dense-gemm-nt";

    private final Kernels dense;
    private final int out, in;
    private final float[][] copies;
    /** Packed on first use: the JMH baselines never need them. */
    private PackedDenseMatrix[] packed;

    /** {@code copies} copies of w [out][in]: w itself, then clones. */
    public DenseBaseline(Kernels dense, float[] w, int out, int in, int copies) {
        this.dense = dense;
        this.out = out;
        this.in = in;
        this.copies = new float[copies][];
        for (int i = 0; i < copies; i++) this.copies[i] = i == 0 ? w : w.clone();
    }

    /** The dense products timed at {@code batch}. */
    public static List<String> kernels(int batch) {
        return batch == 1 ? List.of(GEMV, GEMV_PACKED) : List.of(GEMM_NN, GEMM_PACKED, GEMM_NT);
    }

    public int out() { return out; }

    public int in() { return in; }

    public int copies() { return copies.length; }

    /** The first copy of W [out][in]. */
    public float[] weights() { return copies[0]; }

    /**
     * Product {@code name} on x's batch, each run on the next copy of W, into y: [out] (GEMV), [out][batch]
     * (NN, packed) or [batch][out] (NT).
     */
    public Runnable kernel(String name, KernelInputs x, float[] y, ComputePool pool) {
        int b = x.batch();
        float[] xv = x.x(), xt = x.xt();
        IntConsumer call = switch (name) {
            case GEMV -> i -> dense.gemv(false, out, in, copies[i], 0, in, xv, 0, 0f, y, 0, pool);
            case GEMM_NN -> i -> dense.gemm(false, false, out, b, in, copies[i], 0, in, xt, 0, b, 0f, y, 0, b, pool);
            case GEMM_NT -> i -> dense.gemm(false, true, b, out, in, xv, 0, in, copies[i], 0, in, 0f, y, 0, out, pool);
            case GEMV_PACKED -> {
                PackedDenseMatrix[] p = packed();
                yield i -> dense.gemv(p[i], xv, 0, 0f, y, 0, pool);
            }
            case GEMM_PACKED -> {
                PackedDenseMatrix[] p = packed();
                yield i -> dense.gemm(p[i], b, xt, 0, b, 0f, y, 0, b, pool);
            }
            default -> throw new IllegalArgumentException("no dense product " + name);
        };
        return WeightCopies.rotate(copies.length, call);
    }

    /** One run of product {@code name} on the first copy; a new output array in the product's layout. */
    public float[] once(String name, KernelInputs x, ComputePool pool) {
        float[] y = new float[out * x.batch()];
        kernel(name, x, y, pool).run();
        return y;
    }

    private PackedDenseMatrix[] packed() {
        if (packed == null) {
            packed = new PackedDenseMatrix[copies.length];
            for (int i = 0; i < copies.length; i++) packed[i] = dense.pack(copies[i], 0, in, out, in);
        }
        return packed;
    }
}
