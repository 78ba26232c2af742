package dev.sparrow.io;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.util.Mutations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded mutations of a small checkpoint's bytes: each reads (and then describes and restores or refuses with
 * IllegalArgumentException) or fails with SafetensorsFormatException; allocation stays within a multiple of
 * the file's size.
 */
class SafetensorsFuzzTest {
    static final int CASES = 3000;

    @Test
    void mutatedFilesReadOrFailWithSafetensorsFormatException(@TempDir Path dir) throws Exception {
        long seed = Mutations.seed();
        System.out.println("SafetensorsFuzzTest seed " + seed + " (repeat with -Dsparrow.fuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        int[] sample = {1, 4, 4};
        Layer model = ModelZoo.create("mlp-6", sample, 3, 1);
        Path original = dir.resolve("original.safetensors");
        Checkpoint.save(original, model, null, Checkpoint.metadata("{\"model\":\"mlp-6\"}", 2, 20));
        byte[] source = Files.readAllBytes(original);
        Path file = dir.resolve("fuzz.safetensors");
        int read = 0, refused = 0;
        for (int c = 0; c < CASES; c++) {
            byte[] bytes = Mutations.mutate(source, random);
            Files.write(file, bytes);
            long before = Mutations.allocatedBytes();
            try {
                CheckpointData data = Checkpoint.read(file);
                data.describe();
                try {
                    data.restoreInto(ModelZoo.create("mlp-6", sample, 3, 1));
                    data.epoch();
                } catch (IllegalArgumentException refusedToFit) {
                    assertThat(refusedToFit.getMessage()).contains(file.toString());
                }
                read++;
            } catch (SafetensorsFormatException expected) {
                refused++;
                assertThat(expected.getMessage()).startsWith(file.toString()).hasSizeLessThan(2000);
            } catch (Throwable t) {
                fail("case " + c + " of seed " + seed + " threw " + t, t);
            }
            assertThat(Mutations.allocatedBytes() - before).as("case %d of seed %d", c, seed)
                    .isLessThan((4L << 20) + 64L * bytes.length);
        }
        System.out.printf("SafetensorsFuzzTest: %d cases (%d read, %d refused with SafetensorsFormatException)%n",
                CASES, read, refused);
        assertThat(refused).isGreaterThan(0);
    }
}
