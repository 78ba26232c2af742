package dev.sparrow.train;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.layers.BatchNorm2d;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.MaxPool2d;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.layers.SparseEngineLayer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SparseEngines finds every masked Linear and Conv2d, gives each convolution the input size it sees in the model
 * (one inference pass that changes no statistics), and times both engines of a convolution at that size.
 */
class SparseEnginesTest {
    private static final long SEED = 41;

    @Test
    void convolutionsLearnTheirInputSizeFromOneInferencePassAndAreTimedAtIt() {
        SplittableRandom init = new SplittableRandom(SEED);
        Conv2d first = new Conv2d(1, 8, 3, 1, 1, false, init);
        BatchNorm2d norm = new BatchNorm2d(8);
        Conv2d second = new Conv2d(8, 8, 3, 2, 1, true, init);
        Linear head = new Linear(8 * 3 * 3, 4, true, init);
        Conv2d unmasked = new Conv2d(8, 8, 1, 1, 0, false, init);
        Sequential model = new Sequential(List.of(first, norm, new ReLU(), new MaxPool2d(2), second, unmasked, new Flatten(), head));
        SplittableRandom masks = new SplittableRandom(SEED + 1);
        for (SparseEngineLayer l : List.of(first, second, head)) {
            float[] keep = new float[l.weight().size()];
            for (int i = 0; i < keep.length; i++) keep[i] = masks.nextDouble() < 0.1 ? 1f : 0f;
            l.weight().setMask(Mask.of(keep));
        }
        Map<String, SparseEngineLayer> layers = SparseEngines.maskedLayers(model);
        assertThat(layers).as("seed %d", SEED).containsOnlyKeys("0", "4", "7");
        float[] runningMean = norm.buffers().values().iterator().next().data().clone();
        try (ComputePool pool = ComputePool.ofThreads(1)) {
            ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, SEED).training(true);
            SparseEngines.showInputSizes(model, layers, new int[] {1, 12, 12}, pool, ctx);
            assertThat(first.lastInputSample()).containsExactly(1, 12, 12);
            assertThat(second.lastInputSample()).containsExactly(8, 6, 6);
            assertThat(norm.buffers().values().iterator().next().data()).as("BatchNorm statistics").isEqualTo(runningMean);
            double[] ms = SparseEngines.time(second, 4, pool, ctx, 5);
            assertThat(ms).hasSize(2);
            assertThat(ms[0]).isPositive();
            assertThat(ms[1]).isPositive();
        }
    }
}
