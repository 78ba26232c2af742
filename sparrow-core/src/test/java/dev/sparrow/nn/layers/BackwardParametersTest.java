package dev.sparrow.nn.layers;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.sparrow.nn.layers.GradCheck.randomTensor;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code backwardParameters} (the trainer's backward: nobody reads the model's input gradient) adds exactly the
 * parameter gradients {@code backward} adds, on both engines of Linear, for a Sequential whose first layers have no
 * parameters (Flatten) and whose first Linear then skips its input gradient.
 */
class BackwardParametersTest {

    @ParameterizedTest(name = "sparse engine={0}, batch={1}, threads={2}")
    @CsvSource({"false,5,1", "true,5,1", "false,70,2", "true,70,2", "true,1,1"})
    void sameParameterGradientsAsBackward(boolean sparseEngine, int batch, int threads) {
        long seed = 97L + batch;
        try (ComputePool pool = ComputePool.ofThreads(threads)) {
            ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, seed).training(true);
            Sequential full = model(sparseEngine, seed);
            Sequential partial = model(sparseEngine, seed);
            SplittableRandom rng = new SplittableRandom(seed);
            Tensor x = randomTensor(rng, batch, 2, 3, 3);
            Tensor g = randomTensor(rng, batch, 4);
            full.forward(x, ctx);
            Tensor dx = full.backward(g, ctx);
            assertThat(dx.shape()).containsExactly(batch, 2, 3, 3);
            partial.forward(x, ctx);
            partial.backwardParameters(g, ctx);
            Map<String, Parameter> a = Modules.namedParameters(full), b = Modules.namedParameters(partial);
            for (String name : a.keySet()) {
                Parameter p = a.get(name), q = b.get(name);
                float[] ga = p.isPacked() ? p.packedGrads() : p.grad().data();
                float[] gb = q.isPacked() ? q.packedGrads() : q.grad().data();
                assertThat(gb).as("gradient of %s, seed %d", name, seed).isEqualTo(ga);
            }
        }
    }

    private static Sequential model(boolean sparseEngine, long seed) {
        SplittableRandom init = new SplittableRandom(seed);
        Linear first = new Linear(18, 12, true, init);
        Linear second = new Linear(12, 4, true, init);
        SplittableRandom masks = new SplittableRandom(seed + 1);
        for (Linear l : List.of(first, second)) {
            float[] keep = new float[l.weight().size()];
            for (int i = 0; i < keep.length; i++) keep[i] = masks.nextDouble() < 0.4 ? 1f : 0f;
            l.weight().setMask(Mask.of(keep));
            l.useSparseEngine(sparseEngine);
        }
        return new Sequential(new Flatten(), first, new ReLU(), second);
    }
}
