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
 * A Conv2d layer on the sparse training engine equals the same layer on the masked dense engine: output, input
 * gradient (full backward and none from backwardParameters), weight gradient at the active positions (packed),
 * the dense weight gradient when a method asks for it, bias gradient; odd shapes (stride 2, padding, 1x1,
 * channels not a multiple of 8), an empty output channel, all-zero inputs, one thread and several; and the
 * finite-difference gradient check in double passes through it.
 */
class SparseConv2dEngineTest {

    @ParameterizedTest(name = "seed={0} b={1} cin={2} cout={3} {4}x{5} k={6} s={7} p={8} threads={9} zeroInput={10}")
    @CsvSource({
            "201, 1, 1, 3, 5, 5, 3, 1, 0, 1, false",
            "202, 3, 3, 5, 7, 6, 3, 2, 1, 1, false",   // stride 2, padding, odd sizes
            "203, 4, 5, 7, 6, 6, 1, 1, 0, 1, false",   // 1x1
            "204, 2, 4, 3, 8, 7, 1, 2, 0, 2, false",   // 1x1 stride 2
            "205, 5, 9, 11, 9, 9, 3, 1, 1, 3, false",  // channels not a multiple of 8, three threads
            "206, 7, 2, 3, 20, 19, 3, 1, 1, 2, false", // 380 pixels: groups of 3 samples, the last one partial
            "207, 3, 3, 4, 6, 6, 3, 1, 1, 1, true",    // all-zero input
            "208, 9, 16, 12, 14, 14, 3, 1, 1, 2, false",
            "209, 37, 2, 3, 6, 6, 3, 1, 1, 2, false"})  // groups of 2 samples on the sparse engine, the last one partial
    void sparseEngineEqualsMaskedEngine(long seed, int batch, int cin, int cout, int h, int w, int k, int stride, int pad,
                                        int threads, boolean zeroInput) {
        SplittableRandom rng = new SplittableRandom(seed);
        Conv2d dense = new Conv2d(cin, cout, k, k, stride, pad, true, seed);
        Conv2d sparse = new Conv2d(cin, cout, k, k, stride, pad, true, seed);
        Conv2d partial = new Conv2d(cin, cout, k, k, stride, pad, true, seed);
        int fanIn = cin * k * k;
        float[] keep = new float[cout * fanIn];
        for (int i = 0; i < keep.length; i++) keep[i] = rng.nextDouble() < 0.3 ? 1f : 0f;
        for (int j = 0; j < fanIn; j++) keep[(cout / 2) * fanIn + j] = 0f; // an empty output channel
        for (int c = 0; c < cout; c++) {
            float b = (float) rng.nextGaussian();
            dense.bias().value().data()[c] = b;
            sparse.bias().value().data()[c] = b;
            partial.bias().value().data()[c] = b;
        }
        for (Conv2d c : new Conv2d[] {dense, sparse, partial}) c.weight().setMask(Mask.of(keep));
        sparse.useSparseEngine(true);
        partial.useSparseEngine(true);
        assertThat(sparse.usesSparseEngine()).isTrue();
        try (ComputePool pool = ComputePool.ofThreads(threads)) {
            ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, seed).training(true);
            Tensor x = zeroInput ? Tensor.zeros(batch, cin, h, w) : randomTensor(rng, batch, cin, h, w);
            int[] o = dense.outputShape(new int[] {cin, h, w});
            Tensor g = randomTensor(rng, batch, o[0], o[1], o[2]);
            for (int rep = 0; rep < 2; rep++) {
                for (Conv2d c : new Conv2d[] {dense, sparse, partial}) {
                    c.weight().zeroGrad();
                    c.bias().zeroGrad();
                }
                ctx.denseWeightGradients(rep == 1);
                String at = "seed " + seed + ", step " + rep + ": ";
                float[] yd = dense.forward(x, ctx).data().clone();
                float[] ys = sparse.forward(x, ctx).data().clone();
                close(at + "output", ys, yd);
                partial.forward(x, ctx);
                float[] dxd = dense.backward(g, ctx).data().clone();
                float[] dxs = sparse.backward(g, ctx).data().clone();
                close(at + "input gradient", dxs, dxd);
                partial.backwardParameters(g, ctx);
                close(at + "bias gradient", sparse.bias().grad().data(), dense.bias().grad().data());
                int[] pos = sparse.weight().packedPositions();
                float[] expected = new float[pos.length];
                for (int j = 0; j < pos.length; j++) expected[j] = dense.weight().grad().data()[pos[j]];
                close(at + "packed weight gradient", sparse.weight().packedGrads(), expected);
                assertThat(partial.weight().packedGrads()).as(at + "backwardParameters' packed weight gradient")
                        .isEqualTo(sparse.weight().packedGrads());
                assertThat(partial.bias().grad().data()).as(at + "backwardParameters' bias gradient")
                        .isEqualTo(sparse.bias().grad().data());
                if (rep == 1) close(at + "dense weight gradient when asked", sparse.weight().grad().data(), dense.weight().grad().data());
                if (zeroInput) assertThat(sparse.weight().packedGrads()).as(at + "no input, no weight gradient").containsOnly(0f);
            }
        }
    }

    @ParameterizedTest(name = "seed={0} k={1} s={2} p={3}")
    @CsvSource({"301, 3, 1, 1", "302, 3, 2, 1", "303, 1, 1, 0", "304, 2, 2, 0"})
    void gradientCheckThroughTheSparseEngine(long seed, int k, int stride, int pad) {
        SplittableRandom rng = new SplittableRandom(seed);
        int batch = 2, cin = 3, cout = 5, h = 6, w = 5;
        Conv2d conv = Conv2dTest.randomConv(cin, cout, k, k, stride, pad, true, rng);
        float[] keep = new float[conv.weight().size()];
        for (int i = 0; i < keep.length; i++) keep[i] = i % 3 == 0 ? 0f : 1f;
        conv.weight().setMask(Mask.of(keep));
        conv.useSparseEngine(true);
        GradCheck.check("sparse-engine Conv2d seed=" + seed, conv, randomTensor(rng, batch, cin, h, w), true, seed,
                Conv2dTest.reference(batch, cin, h, w, cout, k, k, stride, pad, true));
    }

    private static void close(String what, float[] actual, float[] expected) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("%s [%d]", what, i).isCloseTo(expected[i], within(1e-4f * (1 + Math.abs(expected[i]))));
        }
    }
}
