package dev.sparrow.sparse;

import dev.sparrow.kernel.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sparse training backward kernels (scalar reference and the Vector API one) against the masked dense
 * reference in double: dW = (dY^T X) at active positions only, dX = dY W over the masked W; odd shapes,
 * empty rows and columns, batches around the vector width.
 */
class SparseTrainingKernelsTest {

    static List<SparseTrainingKernels> kernels() {
        List<SparseTrainingKernels> k = new ArrayList<>();
        k.add(SparseTrainingKernels.scalar());
        SparseTrainingKernels v = VectorSparseTrainingKernels.createIfUseful();
        if (v != null) k.add(v);
        k.add(SparseTrainingKernels.of(Backend.get()));
        return k;
    }

    @ParameterizedTest(name = "out={0} in={1} batch={2} density={3}")
    @CsvSource({"1,1,1,1.0", "7,13,5,0.3", "16,32,8,0.5", "33,17,31,0.2", "12,40,128,0.1", "9,70,133,0.05",
            "5,300,17,0.0", "64,3,64,0.9"})
    void backwardAndWeightGradientMatchTheMaskedDenseReference(int out, int in, int batch, double density) {
        SplittableRandom rng = new SplittableRandom(out * 131L + in * 7L + batch);
        boolean[] keep = new boolean[out * in];
        for (int i = 0; i < keep.length; i++) keep[i] = rng.nextDouble() < density;
        // an empty row and an empty column
        for (int c = 0; c < in; c++) keep[(out / 2) * in + c] = false;
        for (int r = 0; r < out; r++) keep[r * in + in / 2] = false;
        int[] rowPtr = new int[out + 1];
        for (int r = 0; r < out; r++) {
            rowPtr[r + 1] = rowPtr[r];
            for (int c = 0; c < in; c++) if (keep[r * in + c]) rowPtr[r + 1]++;
        }
        int nnz = rowPtr[out];
        char[] cols = new char[nnz];
        float[] w = new float[nnz];
        float[] dense = new float[out * in];
        int k = 0;
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                if (!keep[r * in + c]) continue;
                cols[k] = (char) c;
                w[k] = (float) rng.nextGaussian();
                dense[r * in + c] = w[k];
                k++;
            }
        }
        float[] xt = random(rng, in * batch);
        float[] dyt = random(rng, out * batch);
        // reference in double
        double[] dwRef = new double[nnz];
        double[] dxRef = new double[in * batch];
        k = 0;
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                if (!keep[r * in + c]) continue;
                double s = 0;
                for (int b = 0; b < batch; b++) {
                    s += (double) dyt[r * batch + b] * xt[c * batch + b];
                    dxRef[c * batch + b] += (double) dense[r * in + c] * dyt[r * batch + b];
                }
                dwRef[k++] = s + 0.5; // dw starts at 0.5: the kernels accumulate
            }
        }
        for (SparseTrainingKernels kern : kernels()) {
            float[] dw = new float[nnz];
            java.util.Arrays.fill(dw, 0.5f);
            float[] dxt = new float[in * batch];
            // in two row ranges, as threads would split them
            int mid = out / 3;
            kern.backward(rowPtr, cols, w, dyt, xt, batch, dw, dxt, 0, mid);
            kern.backward(rowPtr, cols, w, dyt, xt, batch, dw, dxt, mid, out);
            assertClose(kern.name() + " dW", dw, dwRef);
            assertClose(kern.name() + " dX", dxt, dxRef);
            float[] dw2 = new float[nnz];
            java.util.Arrays.fill(dw2, 0.5f);
            kern.weightGradient(rowPtr, cols, dyt, xt, batch, dw2, 0, out);
            assertClose(kern.name() + " weightGradient", dw2, dwRef);
        }
    }

    /**
     * A kernel's bits do not depend on how warm the JIT is: the first call (interpreted, when this test runs in
     * a fresh JVM) and calls after thousands of warm-up calls (compiled by C2) give the same dW and dX bit for
     * bit. reduceLanes(ADD) failed this (the interpreter sums lanes in order, C2 in a tree), which made a run
     * resumed from a checkpoint differ from the uninterrupted one.
     */
    @ParameterizedTest(name = "batch={0}")
    @CsvSource({"16", "37", "128"})
    void sameBitsBeforeAndAfterTheJitCompiledTheKernel(int batch) {
        long seed = 4242 + batch;
        SplittableRandom rng = new SplittableRandom(seed);
        int out = 3, in = 5;
        int[] rowPtr = {0, 2, 2, 5};
        char[] cols = {1, 4, 0, 2, 3};
        float[] w = random(rng, 5);
        float[] dyt = random(rng, out * batch);
        float[] xt = random(rng, in * batch);
        for (SparseTrainingKernels kern : kernels()) {
            float[] dw0 = new float[5], dx0 = new float[in * batch], g0 = new float[5];
            kern.backward(rowPtr, cols, w, dyt, xt, batch, dw0, dx0, 0, out);
            kern.weightGradient(rowPtr, cols, dyt, xt, batch, g0, 0, out);
            float[] dw = new float[5], dx = new float[in * batch], g = new float[5];
            for (int i = 0; i < 20_000; i++) {
                java.util.Arrays.fill(dw, 0f);
                java.util.Arrays.fill(dx, 0f);
                java.util.Arrays.fill(g, 0f);
                kern.backward(rowPtr, cols, w, dyt, xt, batch, dw, dx, 0, out);
                kern.weightGradient(rowPtr, cols, dyt, xt, batch, g, 0, out);
            }
            assertThat(dw).as("%s dW, seed %d", kern.name(), seed).isEqualTo(dw0);
            assertThat(dx).as("%s dX, seed %d", kern.name(), seed).isEqualTo(dx0);
            assertThat(g).as("%s weightGradient, seed %d", kern.name(), seed).isEqualTo(g0);
        }
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    private static void assertClose(String what, float[] actual, double[] expected) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("%s [%d]", what, i).isCloseTo(expected[i],
                    org.assertj.core.api.Assertions.within(1e-4 * (1 + Math.abs(expected[i]))));
        }
    }
}
