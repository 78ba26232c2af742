package dev.sparrow.train;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 12, defects 1 and 2: a checkpoint's config is user input, checked before it builds or casts anything. */
class CheckpointModelTest {
    private static final int[] SAMPLE = {1, 8, 8};

    private static Path save(Path dir, Map<String, Object> config) throws IOException {
        Layer model = ModelZoo.create("mlp", SAMPLE, 4, 1);
        Path file = dir.resolve("c.safetensors");
        Checkpoint.save(file, model, null, Checkpoint.metadata(Json.write(config), 1, 10));
        return file;
    }

    @Test
    void aTinyCheckpointNamingAHugeModelIsRefusedBeforeAllocating(@TempDir Path dir) throws IOException {
        Map<String, Object> config = TrainingRunTest.config(1).toJson();
        config.put("model", "mlp-1000000-1000");
        CheckpointData data = Checkpoint.read(save(dir, config));
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertThatThrownBy(() -> CheckpointModel.load(data, SAMPLE, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mlp-1000000-1000").hasMessageContaining("parameters");
        assertThat(Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory() - before).isLessThan(256L << 20);
    }

    @Test
    void theRightModelLoads(@TempDir Path dir) throws IOException {
        CheckpointData data = Checkpoint.read(save(dir, TrainingRunTest.config(1).toJson()));
        assertThat(CheckpointModel.load(data, SAMPLE, 4).describe()).isEqualTo(ModelZoo.create("mlp", SAMPLE, 4, 1).describe());
    }

    @Test
    void aModelTheHeapCannotHoldIsRefusedWithTheEstimate() {
        assertThatThrownBy(() -> ModelZoo.create("mlp-1000000-100000", SAMPLE, 4, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MB").hasMessageContaining("heap");
    }

    @Test
    void wrongTypesInTheConfigNameTheFieldInsteadOfClassCastException(@TempDir Path dir) throws IOException {
        for (String[] bad : new String[][] {{"data_dir", "5"}, {"epochs", "1.5"}, {"seed", "\"x\""}, {"sparsity", "{\"method\":3}"},
                {"sparsity", "{\"method\":\"static\",\"sparsity\":0.5,\"distribution\":[1]}"}, {"threads", "1e300"}}) {
            Map<String, Object> config = TrainingRunTest.config(1).toJson();
            config.put(bad[0], Json.parse(bad[1], 100));
            CheckpointData data = Checkpoint.read(save(dir, config));
            assertThatThrownBy(() -> CheckpointModel.load(data, SAMPLE, 4)).as("%s = %s", bad[0], bad[1])
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad[0].replace("sparsity", ""))
                    .message().doesNotContain("\n");
        }
    }

    @Test
    void aNonIntegerEpochNamesTheField(@TempDir Path dir) throws IOException {
        Layer model = ModelZoo.create("mlp", SAMPLE, 4, 1);
        Path file = dir.resolve("c.safetensors");
        Checkpoint.save(file, model, null, Map.of(Checkpoint.EPOCH_KEY, "x".repeat(10_000)));
        CheckpointData data = Checkpoint.read(file);
        assertThatThrownBy(data::epoch).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Checkpoint.EPOCH_KEY).hasMessageContaining("integer").message().hasSizeLessThan(400);
    }
}
