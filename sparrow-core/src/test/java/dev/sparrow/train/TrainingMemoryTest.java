package dev.sparrow.train;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.models.ModelZoo;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Batch size and model checked together against the heap (issue 12, item 8). */
class TrainingMemoryTest {
    private static final int[] IMAGE = {1, 28, 28};

    @Test
    void mlpCountsEachLayersOutputAndGradient() {
        Layer mlp = ModelZoo.create("mlp-300-100", IMAGE, 10, 1);
        long perSample = TrainingMemory.floatsPerSample(mlp, IMAGE);
        // outputs: flatten 784, 300, relu 300, 100, relu 100, 10 => 1594, each with its gradient
        assertThat(perSample).isEqualTo(2 * (784 + 300 + 300 + 100 + 100 + 10));
    }

    @Test
    void aCnnAtTheWholeTrainingSetAsOneBatchIsRefusedWithTheEstimate() {
        Layer cnn = ModelZoo.create("cnn", IMAGE, 10, 1);
        long heap = 4L << 30;
        TrainingMemory.check(cnn, IMAGE, 128, heap); // an ordinary batch fits
        assertThatThrownBy(() -> TrainingMemory.check(cnn, IMAGE, 60_000, heap))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("batch size 60000 needs about ")
                .hasMessageContaining("the heap holds at most 4096 MB (-Xmx): use a smaller batch size");
        // an MLP at the same batch is small enough
        TrainingMemory.check(ModelZoo.create("mlp", IMAGE, 10, 1), IMAGE, 60_000, heap);
    }
}
