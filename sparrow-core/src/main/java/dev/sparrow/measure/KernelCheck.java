package dev.sparrow.measure;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.Kernels;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.PackedWeights;
import dev.sparrow.sparse.SparseInputMatrix;
import dev.sparrow.sparse.SparseKernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Correctness before timing: each kernel's output against a dense product of the same (masked) weights,
 * the dense products against the scalar reference. A check that fails records one line saying what
 * disagreed and by how much; a benchmark then leaves that kernel out (the CLI) or refuses to run (JMH).
 */
public final class KernelCheck {
    /** Max |got - want| / max |want| accepted. */
    public static final double MAX_RELATIVE_ERROR = 1e-4;

    private final Kernels dense;
    private final SparseKernels sparse;
    private final List<String> errors = new ArrayList<>();

    public KernelCheck(Kernels dense, SparseKernels sparse) {
        this.dense = dense;
        this.sparse = sparse;
    }

    /** The failures so far, one line each. */
    public List<String> errors() { return List.copyOf(errors); }

    /** Records a failure found elsewhere (a format that cannot be built, a peer that cannot take an input). */
    public void fail(String error) { errors.add(error); }

    /** For set-up code that must not measure a wrong kernel. */
    public void throwIfFailed() {
        if (!errors.isEmpty()) throw new IllegalStateException(String.join("; ", errors));
    }

    /**
     * The dense products at x's batch: GEMV and GEMM NN (its first and last samples) against the scalar
     * reference, the other products against those.
     */
    public boolean denseProducts(DenseBaseline d, KernelInputs x, ComputePool pool) {
        int out = d.out(), in = d.in(), b = x.batch();
        Kernels scalar = Backend.scalar().kernels();
        if (b == 1) {
            float[] want = new float[out];
            scalar.gemv(false, out, in, d.weights(), 0, in, x.x(), 0, 0f, want, 0, ComputePool.serial());
            boolean ok = true;
            for (String k : DenseBaseline.kernels(1)) ok &= agree(k, out, in, b, d.once(k, x, pool), want);
            return ok;
        }
        float[] nn = d.once(DenseBaseline.GEMM_NN, x, pool);
        boolean ok = true;
        for (int s : new int[] {0, b - 1}) {
            float[] want = new float[out], got = new float[out];
            scalar.gemv(false, out, in, d.weights(), 0, in, x.x(), s * in, 0f, want, 0, ComputePool.serial());
            for (int r = 0; r < out; r++) got[r] = nn[r * b + s];
            ok &= agree(DenseBaseline.GEMM_NN, out, in, b, got, want);
        }
        ok &= agree(DenseBaseline.GEMM_NT, out, in, b,
                KernelInputs.transpose(d.once(DenseBaseline.GEMM_NT, x, pool), b, out), nn);
        ok &= agree(DenseBaseline.GEMM_PACKED, out, in, b, d.once(DenseBaseline.GEMM_PACKED, x, pool), nn);
        return ok;
    }

    /** {@code m} (built from {@code w}) against the dense product of w's masked weights at x's batch. */
    public boolean format(String what, PackedWeights m, MaskedWeights w, KernelInputs x, ComputePool pool) {
        int out = m.rows(), in = m.cols(), b = x.batch();
        float[] masked = w.toMaskedDense();
        float[] want = new float[out * b], got = new float[out * b];
        Arrays.fill(got, Float.NaN); // the kernel must overwrite its output
        if (b == 1) {
            dense.gemv(false, out, in, masked, 0, in, x.x(), 0, 0f, want, 0, pool);
            m.gemv(sparse, x.x(), 0, got, 0, null, false, pool);
        } else {
            dense.gemm(false, false, out, b, in, masked, 0, in, x.xt(), 0, b, 0f, want, 0, b, pool);
            m.spmm(sparse, x.xt(), 0, b, b, got, 0, b, null, false, pool);
        }
        return agree(what, out, in, b, got, want);
    }

    /** {@code m}'s sparse-input GEMV on x's active inputs against the dense GEMV of the masked weights. */
    public boolean sparseInput(String what, SparseInputMatrix m, MaskedWeights w, KernelInputs x) {
        int out = m.rows(), in = m.cols();
        float[] want = new float[out], got = new float[out];
        Arrays.fill(got, Float.NaN);
        dense.gemv(false, out, in, w.toMaskedDense(), 0, in, x.sparseXDense(), 0, 0f, want, 0, ComputePool.serial());
        m.gemvSparseInput(sparse, x.activeIdx(), x.activeVals(), x.activeCount(), got, 0, null, false);
        return agree(what, out, in, 1, got, want);
    }

    /** Max |got - want| relative to the largest |want|; records an error when above the limit. */
    public boolean agree(String what, int out, int in, int batch, float[] got, float[] want) {
        double err = relativeError(got, want);
        if (err <= MAX_RELATIVE_ERROR) return true;
        errors.add(String.format(Locale.ROOT, "%s at %dx%d, batch %d disagrees with dense: max error %.3g of the largest "
                + "output (limit %.0e); not reported", what, out, in, batch, err, MAX_RELATIVE_ERROR));
        return false;
    }

    /** Max |got - want| / max |want| (max |got - want| when want is all zero; infinite for a NaN). */
    public static double relativeError(float[] got, float[] want) {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs((double) got[i] - want[i]);
            if (!(d <= maxDiff)) maxDiff = d; // NaN wins
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        if (Double.isNaN(maxDiff)) return Double.POSITIVE_INFINITY;
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }
}
