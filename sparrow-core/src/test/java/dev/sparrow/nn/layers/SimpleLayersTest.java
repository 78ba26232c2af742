package dev.sparrow.nn.layers;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.sparrow.nn.layers.GradCheck.randomTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ReLU, MaxPool2d, GlobalAvgPool2d and Flatten. */
class SimpleLayersTest {

    @ParameterizedTest(name = "ReLU shape {0}x{1} seed={2}")
    @CsvSource({"1, 1, 301", "3, 17, 302"})
    void relu(int batch, int features, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        GradCheck.check("ReLU seed=" + seed, new ReLU(), randomTensor(rng, batch, features), true, seed, (x, p) -> RefOps.relu(x));
    }

    @Test
    void reluOnImagesWithTwoThreadsIsExact() {
        long seed = 303;
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = randomTensor(rng, 3, 2, 50, 50);
        ReLU r = new ReLU();
        float[] serial = r.forward(x, GradCheck.context(true, seed)).data().clone();
        try (var pool = dev.sparrow.kernel.ComputePool.ofThreads(2)) {
            ExecutionContext ctx = new ExecutionContext(dev.sparrow.kernel.Backend.get().kernels(), pool, seed);
            assertThat(r.forward(x, ctx).data()).isEqualTo(serial);
            Tensor g = randomTensor(rng, 3, 2, 50, 50);
            float[] dx = r.backward(g, ctx).data();
            for (int i = 0; i < dx.length; i++) assertThat(dx[i]).isEqualTo(x.get(i) > 0 ? g.get(i) : 0f);
        }
    }

    @ParameterizedTest(name = "MaxPool2d b={0} c={1} {2}x{3} k={4} s={5} seed={6}")
    @CsvSource({"1, 1, 4, 4, 2, 2, 311", "3, 2, 5, 7, 2, 2, 312", "2, 3, 7, 6, 3, 2, 313", "1, 2, 4, 5, 2, 1, 314"})
    void maxPool(int batch, int c, int h, int w, int k, int s, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        GradCheck.check("MaxPool2d seed=" + seed, new MaxPool2d(k, s), randomTensor(rng, batch, c, h, w), true, seed,
                (x, p) -> RefOps.maxPool(x, batch, c, h, w, k, s));
    }

    @Test
    void maxPoolRoutesTiesToTheFirstMaximum() {
        MaxPool2d pool = new MaxPool2d(2);
        ExecutionContext ctx = GradCheck.context(true, 1);
        Tensor x = Tensor.wrap(new float[] {1, 3, 3, 0}, 1, 1, 2, 2);
        assertThat(pool.forward(x, ctx).data()).containsExactly(3f);
        assertThat(pool.backward(Tensor.wrap(new float[] {5f}, 1, 1, 1, 1), ctx).data()).containsExactly(0f, 5f, 0f, 0f);
        assertThatThrownBy(() -> pool.forward(Tensor.zeros(1, 1, 1, 4), ctx)).hasMessageContaining("smaller than the window");
        Tensor withNaN = Tensor.wrap(new float[] {1, Float.NaN, 3, 0, 1, 2, 3, 4, 5}, 1, 1, 3, 3);
        assertThat(pool.forward(withNaN, ctx).data()[0]).as("NaN propagates (2x2 path)").isNaN();
        assertThat(new MaxPool2d(3, 1).forward(withNaN, ctx).data()[0]).as("NaN propagates (general path)").isNaN();
    }

    @ParameterizedTest(name = "GlobalAvgPool2d b={0} c={1} {2}x{3} seed={4}")
    @CsvSource({"1, 1, 1, 1, 321", "3, 5, 3, 4, 322"})
    void globalAvgPool(int batch, int c, int h, int w, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        GlobalAvgPool2d gap = new GlobalAvgPool2d();
        GradCheck.check("GlobalAvgPool2d seed=" + seed, gap, randomTensor(rng, batch, c, h, w), true, seed,
                (x, p) -> RefOps.globalAvgPool(x, batch * c, h * w));
        assertThat(gap.outputShape(new int[] {c, h, w})).containsExactly(c);
    }

    @Test
    void flattenIsAViewAndItsGradientHasTheInputShape() {
        long seed = 331;
        SplittableRandom rng = new SplittableRandom(seed);
        Flatten f = new Flatten();
        ExecutionContext ctx = GradCheck.context(true, seed);
        Tensor x = randomTensor(rng, 3, 2, 2, 3);
        Tensor y = f.forward(x, ctx);
        assertThat(y.shape()).containsExactly(3, 12);
        assertThat(y.data()).isSameAs(x.data());
        assertThat(f.forward(x, ctx)).as("view cached").isSameAs(y);
        Tensor g = randomTensor(rng, 3, 12);
        Tensor gx = f.backward(g, ctx);
        assertThat(gx.shape()).containsExactly(3, 2, 2, 3);
        assertThat(gx.data()).isEqualTo(g.data());
        assertThat(f.outputShape(new int[] {2, 2, 3})).containsExactly(12);
        Tensor x2 = randomTensor(rng, 1, 2, 2, 3);
        assertThat(f.forward(x2, ctx).shape()).containsExactly(1, 12);
        assertThatThrownBy(() -> f.backward(Tensor.zeros(3, 12), ctx)).hasMessageContaining("does not match");
    }
}
