package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Mask;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.sparrow.nn.layers.GradCheck.randomTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Conv2dTest {

    static Conv2d randomConv(int cin, int cout, int kh, int kw, int stride, int pad, boolean bias, SplittableRandom rng) {
        Conv2d c = new Conv2d(cin, cout, kh, kw, stride, pad, bias, rng);
        if (bias) for (int i = 0; i < cout; i++) c.bias().value().set(i, (float) rng.nextGaussian());
        return c;
    }

    static GradCheck.Reference reference(int batch, int cin, int h, int w, int cout, int kh, int kw, int stride, int pad, boolean bias) {
        return (x, p) -> RefOps.conv2d(x, batch, cin, h, w, p.get("weight"), bias ? p.get("bias") : null, cout, kh, kw, stride, pad);
    }

    @ParameterizedTest(name = "b={0} cin={1} cout={2} {3}x{4} k={5}x{6} s={7} p={8} bias={9} seed={10}")
    @CsvSource({
            "1, 1, 1, 5, 5, 3, 3, 1, 0, true, 101",
            "3, 3, 4, 7, 6, 3, 2, 2, 1, true, 102",   // non-square kernel, stride 2, odd sizes
            "2, 2, 3, 6, 7, 5, 5, 1, 2, false, 103",  // padding 2
            "3, 3, 5, 5, 5, 1, 1, 1, 0, true, 104",   // pointwise
            "2, 4, 3, 8, 7, 1, 1, 2, 0, false, 105",  // 1x1 stride 2 (projection shortcut)
            "1, 2, 2, 4, 9, 2, 4, 3, 2, true, 106",   // stride 3, wide kernel, padding larger than stride-1
            "3, 5, 3, 5, 4, 3, 3, 2, 1, true, 107",
            "5, 1, 2, 20, 19, 3, 3, 1, 1, true, 108"}) // 380 pixels: groups of 3 samples, the last one partial
    void matchesReferenceAndFiniteDifferences(int batch, int cin, int cout, int h, int w, int kh, int kw,
                                              int stride, int pad, boolean bias, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Conv2d conv = randomConv(cin, cout, kh, kw, stride, pad, bias, rng);
        Tensor x = randomTensor(rng, batch, cin, h, w);
        GradCheck.check("Conv2d seed=" + seed, conv, x, true, seed, reference(batch, cin, h, w, cout, kh, kw, stride, pad, bias));
        assertThat(conv.outputShape(new int[] {cin, h, w}))
                .containsExactly(cout, RefOps.outSize(h, kh, stride, pad), RefOps.outSize(w, kw, stride, pad));
    }

    @Test
    void maskedWeightGradientIsDense() {
        long seed = 111;
        SplittableRandom rng = new SplittableRandom(seed);
        Conv2d conv = randomConv(2, 3, 3, 3, 1, 1, true, rng);
        float[] keep = new float[conv.weight().size()];
        for (int i = 0; i < keep.length; i++) keep[i] = rng.nextBoolean() ? 1f : 0f;
        conv.weight().setMask(Mask.of(keep));
        GradCheck.check("masked Conv2d seed=" + seed, conv, randomTensor(rng, 2, 2, 5, 5), true, seed,
                reference(2, 2, 5, 5, 3, 3, 3, 1, 1, true));
        int masked = 0, gradAtMasked = 0;
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] == 0f) {
                masked++;
                assertThat(conv.weight().value().get(i)).isZero();
                if (conv.weight().grad().get(i) != 0f) gradAtMasked++;
            }
        }
        assertThat(gradAtMasked).as("gradient at masked weights").isEqualTo(masked).isPositive();
    }

    @Test
    void twoThreadsAgreeWithOneAndOneThreadIsBitReproducible() {
        long seed = 121;
        SplittableRandom rng = new SplittableRandom(seed);
        // 400 pixels per sample: groups of 3 samples, so 7 samples make 3 groups over 2 threads
        Conv2d conv = randomConv(3, 4, 3, 3, 1, 1, true, rng);
        Tensor x = randomTensor(rng, 7, 3, 20, 20);
        Tensor g = randomTensor(rng, 7, 4, 20, 20);
        float[][] serial1 = run(conv, x, g, ComputePool.serial());
        float[][] serial2 = run(conv, x, g, ComputePool.serial());
        for (int i = 0; i < serial1.length; i++) assertThat(serial2[i]).as("serial run %d repeats", i).isEqualTo(serial1[i]);
        try (ComputePool two = ComputePool.ofThreads(2)) {
            float[][] parallel = run(conv, x, g, two);
            assertThat(parallel[0]).as("forward is per sample, so identical").isEqualTo(serial1[0]);
            assertThat(parallel[1]).as("input gradient is per sample, so identical").isEqualTo(serial1[1]);
            for (int i = 2; i < serial1.length; i++) {
                GradCheck.assertClose("parameter gradient " + i + " with 2 threads", parallel[i], GradCheck.toDouble(serial1[i]), 1e-5);
            }
        }
    }

    private static float[][] run(Conv2d conv, Tensor x, Tensor g, ComputePool pool) {
        ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, 1L).training(true);
        conv.weight().zeroGrad();
        conv.bias().zeroGrad();
        float[] y = conv.forward(x, ctx).data().clone();
        float[] dx = conv.backward(g, ctx).data().clone();
        return new float[][] {y, dx, conv.weight().grad().data().clone(), conv.bias().grad().data().clone()};
    }

    @Test
    void staysCorrectWhenBatchOrImageSizeChanges() {
        long seed = 131;
        SplittableRandom rng = new SplittableRandom(seed);
        Conv2d conv = randomConv(2, 3, 3, 3, 2, 1, true, rng);
        ExecutionContext ctx = GradCheck.context(true, seed);
        int[][] shapes = {{3, 2, 7, 7}, {3, 2, 7, 7}, {1, 2, 7, 7}, {2, 2, 9, 5}, {3, 2, 7, 7}};
        Tensor previous = null;
        for (int[] s : shapes) {
            Tensor x = randomTensor(rng, s);
            Tensor y = conv.forward(x, ctx);
            if (previous != null && previous.hasShape(y.shape())) assertThat(y).as("buffer reused").isSameAs(previous);
            previous = y;
            double[] ref = RefOps.conv2d(GradCheck.toDouble(x.data()), s[0], 2, s[2], s[3],
                    GradCheck.toDouble(conv.weight().value().data()), GradCheck.toDouble(conv.bias().value().data()), 3, 3, 3, 2, 1);
            GradCheck.assertClose("Conv2d forward for " + java.util.Arrays.toString(s) + " seed=" + seed, y.data(), ref, GradCheck.FORWARD_TOL);
        }
    }

    @Test
    void rejectsWrongInputs() {
        Conv2d conv = new Conv2d(2, 3, 3, 1, 0, true, new SplittableRandom(1));
        ExecutionContext ctx = GradCheck.context(true, 1);
        assertThatThrownBy(() -> conv.forward(Tensor.zeros(1, 3, 5, 5), ctx)).hasMessageContaining("expected 2 input channels");
        assertThatThrownBy(() -> conv.forward(Tensor.zeros(1, 2, 2, 5), ctx)).hasMessageContaining("smaller than the kernel");
        assertThatThrownBy(() -> conv.forward(Tensor.zeros(2, 5), ctx)).hasMessageContaining("[batch, 2, height, width]");
        assertThatThrownBy(() -> new Conv2d(2, 3, 3, 0, 0, true, new SplittableRandom(1))).hasMessageContaining("stride");
        assertThat(conv.forwardFlops(new int[] {2, 5, 5})).isEqualTo(9L * 3 * (2 * 2 * 9 + 1));
        assertThat(conv.weight().value().shape()).containsExactly(3, 2, 3, 3);
    }
}
