package dev.sparrow.io;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.models.ModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 12, defects 3 and 9: NaN behind a mask, and files that are not regular files. */
class NonFiniteCheckpointTest {

    @Test
    void applyingAMaskZeroesANaNAtAPrunedPosition() {
        float[] values = {Float.NaN, 2f, Float.POSITIVE_INFINITY};
        Mask.of(new float[] {0, 1, 0}).apply(values);
        assertThat(values).containsExactly(0f, 2f, 0f);
    }

    @Test
    void aNaNWeightIsRefusedWithItsNameAndIndexAndReportedByInspect(@TempDir Path dir) throws IOException {
        Layer model = ModelZoo.create("mlp", new int[] {1, 8, 8}, 4, 1);
        Parameter w = Modules.namedParameters(model).get("1.weight");
        w.value().data()[17] = Float.NaN;
        Path file = dir.resolve("nan.safetensors");
        Checkpoint.save(file, model, null, Map.of());
        CheckpointData data = Checkpoint.read(file);
        assertThat(data.describe()).contains("'1.weight'").contains("index 17");
        Layer fresh = ModelZoo.create("mlp", new int[] {1, 8, 8}, 4, 2);
        assertThatThrownBy(() -> data.restoreInto(fresh)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'1.weight'").hasMessageContaining("NaN at index 17");
    }

    @Test
    void aFolderOrNamedPipeIsRefusedNotRead(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Checkpoint.read(dir)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("not a regular file");
        Path fifo = dir.resolve("pipe");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        if (mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0 && Files.exists(fifo)) {
            // before the fix this read blocked forever, waiting for a writer
            assertThatThrownBy(() -> Checkpoint.read(fifo)).isInstanceOf(SafetensorsFormatException.class)
                    .hasMessageContaining("not a regular file");
        }
    }
}
