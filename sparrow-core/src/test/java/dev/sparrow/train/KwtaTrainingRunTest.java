package dev.sparrow.train;

import dev.sparrow.io.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** A k-WTA model through the trainer: β decays once per epoch and duty cycles survive a resume. */
class KwtaTrainingRunTest {
    private static final long SEED = 17;

    private static TrainConfig config(int epochs) {
        return new TrainConfig("mlp-kwta0.2", TrainConfig.DATASET_FASHION_MNIST, null, epochs, 32, "sgd", 0.05, 0.9, true,
                5e-4, "cosine", 0, 0, false, SEED, 1);
    }

    @Test
    void boostDecaysPerEpochAndResumeIsExact(@TempDir Path dir) throws IOException {
        TrainingRun.Outcome straight = TrainingRun.run(config(2), TrainingRunTest.data(), dir.resolve("a"), null, TrainListener.NONE);
        assertThat(straight.testAccuracy()).as("seed %d", SEED).isGreaterThan(0.9);
        var a = Checkpoint.read(straight.checkpoint()).tensors();
        assertThat(a.get("2.boost_strength").toF32()[0]).as("1.5 × 0.9²").isCloseTo(1.215f, within(1e-6f));
        float[] duty = a.get("2.duty_cycle").toF32();
        double sum = 0;
        for (float d : duty) sum += d;
        assertThat(sum / duty.length).as("mean duty = density").isCloseTo(0.2, within(1e-4));

        TrainListener crash = new TrainListener() {
            @Override
            public void onEpochEnd(EpochResult r) {
                throw new IllegalStateException("simulated crash");
            }
        };
        Path c = dir.resolve("c");
        assertThatThrownBy(() -> TrainingRun.run(config(2), TrainingRunTest.data(), c, null, crash)).hasMessage("simulated crash");
        TrainingRun.Outcome resumed = TrainingRun.run(config(2), TrainingRunTest.data(), c, c.resolve(RunDirectory.CHECKPOINT),
                TrainListener.NONE);
        var r = Checkpoint.read(resumed.checkpoint()).tensors();
        assertThat(r.keySet()).isEqualTo(a.keySet());
        for (String name : a.keySet()) assertThat(r.get(name).bytes()).as(name).isEqualTo(a.get(name).bytes());
    }
}
