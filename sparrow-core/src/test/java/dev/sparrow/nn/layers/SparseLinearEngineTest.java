package dev.sparrow.nn.layers;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Mask;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.sparrow.nn.layers.GradCheck.randomTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A Linear layer on the sparse training engine equals the same layer on the masked dense engine:
 * output, input gradient, weight gradient at the active positions (packed), bias gradient; with one
 * thread and three; and the finite-difference gradient check in double passes through it.
 */
class SparseLinearEngineTest {

    @ParameterizedTest(name = "batch={0} in={1} out={2} threads={3}")
    @CsvSource({"1,5,3,1", "7,13,9,1", "31,40,33,3", "128,100,70,3", "17,70,200,2"})
    void sparseEngineEqualsMaskedEngine(int batch, int in, int out, int threads) {
        SplittableRandom rng = new SplittableRandom(batch * 31L + in);
        Linear dense = new Linear(in, out, true, 7L);
        Linear sparse = new Linear(in, out, true, 7L);
        float[] keep = new float[in * out];
        for (int i = 0; i < keep.length; i++) keep[i] = rng.nextDouble() < 0.3 ? 1f : 0f;
        for (int c = 0; c < in; c++) keep[(out / 2) * in + c] = 0f; // an empty row
        for (int r = 0; r < out; r++) keep[r * in] = 0f;               // an empty column
        for (int i = 0; i < out; i++) {
            dense.bias().value().data()[i] = (float) rng.nextGaussian();
            sparse.bias().value().data()[i] = dense.bias().value().data()[i];
        }
        dense.weight().setMask(Mask.of(keep));
        sparse.weight().setMask(Mask.of(keep));
        sparse.useSparseEngine(true);
        assertThat(sparse.usesSparseEngine()).isTrue();
        try (ComputePool pool = ComputePool.ofThreads(threads)) {
            ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, 1L).training(true);
            Tensor x = randomTensor(rng, batch, in);
            Tensor g = randomTensor(rng, batch, out);
            for (int rep = 0; rep < 2; rep++) {
                dense.weight().zeroGrad();
                dense.bias().zeroGrad();
                sparse.weight().zeroGrad();
                sparse.bias().zeroGrad();
                ctx.denseWeightGradients(rep == 1);
                float[] yd = dense.forward(x, ctx).data().clone();
                float[] ys = sparse.forward(x, ctx).data().clone();
                close("output", ys, yd);
                float[] dxd = dense.backward(g, ctx).data().clone();
                float[] dxs = sparse.backward(g, ctx).data().clone();
                close("input gradient", dxs, dxd);
                close("bias gradient", sparse.bias().grad().data(), dense.bias().grad().data());
                int[] pos = sparse.weight().packedPositions();
                float[] expected = new float[pos.length];
                for (int j = 0; j < pos.length; j++) expected[j] = dense.weight().grad().data()[pos[j]];
                close("packed weight gradient", sparse.weight().packedGrads(), expected);
                if (rep == 1) close("dense weight gradient when asked", sparse.weight().grad().data(), dense.weight().grad().data());
            }
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @CsvSource({"3", "4"})
    void gradientCheckThroughTheSparseEngine(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int batch = 5, in = 9, out = 6;
        Linear l = new Linear(in, out, true, rng);
        float[] keep = new float[in * out];
        for (int i = 0; i < keep.length; i++) keep[i] = i % 3 == 0 ? 0f : 1f;
        l.weight().setMask(Mask.of(keep));
        l.useSparseEngine(true);
        GradCheck.check("sparse-engine Linear seed=" + seed, l, randomTensor(rng, batch, in), true, seed,
                LinearTest.reference(batch, in, out, true));
    }

    private static void close(String what, float[] actual, float[] expected) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("%s [%d]", what, i).isCloseTo(expected[i], within(1e-4f * (1 + Math.abs(expected[i]))));
        }
    }
}
