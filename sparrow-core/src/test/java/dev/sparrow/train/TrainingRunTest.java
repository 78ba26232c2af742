package dev.sparrow.train;

import dev.sparrow.data.Dataset;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** End to end: a short run on a small generated data set learns, writes its folder, and resumes exactly. */
public class TrainingRunTest {
    private static final long SEED = 7;

    /** Four classes of 8x8 images: a bright quadrant per class, plus noise. Shared by other packages' tests. */
    public static Dataset generated(String name, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int side = 8;
        byte[] pixels = new byte[n * side * side];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(4);
            labels[i] = c;
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    boolean inQuadrant = (y < side / 2) == (c < 2) && (x < side / 2) == (c % 2 == 0);
                    int v = (inQuadrant ? 150 : 30) + rng.nextInt(80);
                    pixels[i * side * side + y * side + x] = (byte) v;
                }
            }
        }
        return Dataset.of(name, pixels, labels, 1, side, side, 4);
    }

    static TrainingRun.Data data() {
        return new TrainingRun.Data(generated("train", 512, SEED), generated("test", 128, SEED + 1), 0.4f, 0.25f);
    }

    static TrainConfig config(int epochs) {
        return new TrainConfig("mlp", TrainConfig.DATASET_FASHION_MNIST, null, epochs, 32, "sgd", 0.05, 0.9, true,
                5e-4, "cosine", 0, 0.05, false, SEED, 1);
    }

    @Test
    void shortRunLearnsAndWritesItsFolder(@TempDir Path dir) throws IOException {
        TrainingRun.Outcome out = TrainingRun.run(config(3), data(), dir, null, TrainListener.NONE);

        List<EpochResult> epochs = out.epochs();
        assertThat(epochs).hasSize(3);
        assertThat(epochs.get(2).trainLoss()).isLessThan(epochs.get(0).trainLoss());
        assertThat(epochs.get(0).trainLoss()).isLessThan(Math.log(4)); // better than chance already
        assertThat(epochs.get(2).valAccuracy()).isGreaterThan(0.9);

        List<String> lines = Files.readAllLines(dir.resolve(RunDirectory.METRICS));
        assertThat(lines).hasSize(3);
        Map<String, Object> first = Json.parseObject(lines.get(0), Json.Limits.of(10_000));
        assertThat(first).containsKeys("epoch", "train_loss", "val_loss", "val_accuracy", "seconds");
        assertThat(((Number) first.get("epoch")).intValue()).isEqualTo(1);

        Map<String, Object> summary = Json.parseObject(Files.readString(dir.resolve(RunDirectory.SUMMARY)), Json.Limits.of(100_000));
        assertThat(((Number) summary.get("test_accuracy")).doubleValue()).isEqualTo(epochs.get(2).valAccuracy());
        @SuppressWarnings("unchecked")
        Map<String, Object> cfg = (Map<String, Object>) summary.get("config");
        assertThat(TrainConfig.fromJson(cfg)).isEqualTo(config(3));

        CheckpointData ckpt = Checkpoint.read(out.checkpoint());
        assertThat(ckpt.epoch()).hasValue(3);
        // the checkpoint describes its model: nothing else is needed to rebuild and feed it
        dev.sparrow.io.ModelSpec spec = ckpt.modelSpec().orElseThrow();
        assertThat(spec.architecture()).isEqualTo("mlp");
        assertThat(spec.sampleShape()).isEqualTo(data().train().sampleShape());
        assertThat(spec.classes()).isEqualTo(data().train().classes());
        assertThat(spec.mean()).isEqualTo(data().mean());
    }

    @Test
    void oneThreadRunsAreBitForBitRepeatableAndResumeExactly(@TempDir Path dir) throws IOException {
        TrainingRun.Outcome straight = TrainingRun.run(config(2), data(), dir.resolve("a"), null, TrainListener.NONE);
        TrainingRun.Outcome again = TrainingRun.run(config(2), data(), dir.resolve("b"), null, TrainListener.NONE);
        TrainListener crashAfterFirstEpoch = new TrainListener() {
            @Override
            public void onEpochEnd(EpochResult r) {
                throw new IllegalStateException("simulated crash");
            }
        };
        assertThatThrownBy(() -> TrainingRun.run(config(2), data(), dir.resolve("c"), null, crashAfterFirstEpoch))
                .hasMessage("simulated crash");
        TrainingRun.Outcome resumed = TrainingRun.run(config(2), data(), dir.resolve("c"),
                dir.resolve("c").resolve(RunDirectory.CHECKPOINT), TrainListener.NONE);

        assertThat(again.last().trainLoss()).isEqualTo(straight.last().trainLoss());
        assertThat(resumed.last().trainLoss()).isEqualTo(straight.last().trainLoss());
        assertThat(resumed.testAccuracy()).isEqualTo(straight.testAccuracy());
        var a = Checkpoint.read(straight.checkpoint()).tensors();
        var c = Checkpoint.read(resumed.checkpoint()).tensors();
        assertThat(c.keySet()).isEqualTo(a.keySet());
        for (String name : a.keySet()) {
            assertThat(c.get(name).bytes()).as(name).isEqualTo(a.get(name).bytes());
        }
        assertThat(Files.readAllLines(dir.resolve("c").resolve(RunDirectory.METRICS))).hasSize(2);
    }

    @Test
    void badConfigIsRejectedBeforeTraining() {
        assertThatThrownBy(() -> new TrainConfig("mlp", " ", null, 1, 32, "sgd", 0.1, 0.9, false, 0, "cosine", 0, 0, false, 1, 1))
                .hasMessageStartingWith("dataset is");
        assertThatThrownBy(() -> new TrainConfig("mlp", TrainConfig.DATASET_FASHION_MNIST, null, 0, 32, "sgd", 0.1, 0.9, false, 0, "cosine", 0, 0, false, 1, 1))
                .hasMessageStartingWith("epochs is");
        assertThatThrownBy(() -> new TrainConfig("mlp", TrainConfig.DATASET_FASHION_MNIST, null, 1, 32, "rmsprop", 0.1, 0.9, false, 0, "cosine", 0, 0, false, 1, 1))
                .hasMessageStartingWith("optimizer is");
    }
}
