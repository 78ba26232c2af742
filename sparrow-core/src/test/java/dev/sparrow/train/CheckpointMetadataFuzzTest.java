package dev.sparrow.train;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.io.TestCheckpoints;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.util.Json;
import dev.sparrow.util.Mutations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded mutations of a checkpoint's metadata (the run config JSON, epoch, step, buffers list; as text and as
 * typed values swapped between fields): reading the config, the epoch and step and loading the model either
 * work or fail with one line of IllegalArgumentException; never a ClassCastException, never a huge allocation.
 */
class CheckpointMetadataFuzzTest {
    static final int CASES = 2000;
    private static final int[] SAMPLE = {1, 8, 8};
    private static final List<Object> VALUES = List.of("x", 5L, 1.5, true, List.of(1), Map.of("method", 3L), "mlp-1000000-1000",
            -1L, 1e300, "static", "");

    @Test
    void mutatedMetadataLoadsOrFailsWithOneLine(@TempDir Path dir) throws Exception {
        long seed = Mutations.seed();
        System.out.println("CheckpointMetadataFuzzTest seed " + seed + " (repeat with -Dsparrow.fuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        Layer model = ModelZoo.create("mlp", SAMPLE, 4, 1);
        Map<String, Object> base = TrainingRunTest.config(1).withSparsity(dev.sparrow.sparsity.SparsityConfig.DENSE).toJson();
        String baseJson = Json.write(base);
        List<String> keys = List.copyOf(base.keySet());
        Path file = dir.resolve("c.safetensors");
        // the file is written once; the cases vary its metadata in memory (a file write each took 30 s)
        Checkpoint.save(file, model, null, Checkpoint.metadata(baseJson, 1, 16));
        CheckpointData saved = Checkpoint.read(file);
        int loaded = 0, refused = 0;
        for (int c = 0; c < CASES; c++) {
            Map<String, String> meta = Checkpoint.metadata(baseJson, 1, 16);
            switch (random.nextInt(4)) {
                case 0 -> meta.put(Checkpoint.CONFIG_KEY, new String(Mutations.mutate(baseJson.getBytes(StandardCharsets.UTF_8), random),
                        StandardCharsets.UTF_8));
                case 1 -> {
                    Map<String, Object> m = new LinkedHashMap<>(base);
                    m.put(keys.get(random.nextInt(keys.size())), VALUES.get(random.nextInt(VALUES.size())));
                    if (random.nextBoolean()) m.put("sparsity", Map.of(random.nextBoolean() ? "method" : "distribution",
                            VALUES.get(random.nextInt(VALUES.size()))));
                    meta.put(Checkpoint.CONFIG_KEY, Json.write(m));
                }
                case 2 -> meta.put(random.nextBoolean() ? Checkpoint.EPOCH_KEY : Checkpoint.GLOBAL_STEP_KEY,
                        String.valueOf(VALUES.get(random.nextInt(VALUES.size()))));
                default -> meta.remove(random.nextBoolean() ? Checkpoint.CONFIG_KEY : Checkpoint.EPOCH_KEY);
            }
            CheckpointData data = TestCheckpoints.withMetadata(saved, meta);
            long before = Mutations.allocatedBytes();
            try {
                CheckpointModel.load(data, SAMPLE, 4);
                data.epoch();
                data.globalStep();
                loaded++;
            } catch (IllegalArgumentException expected) {
                refused++;
                assertThat(expected.getMessage()).doesNotContain("\n").hasSizeLessThan(1000);
            } catch (Throwable t) {
                fail("case " + c + " of seed " + seed + " threw " + t + " for " + meta, t);
            }
            assertThat(Mutations.allocatedBytes() - before).as("case %d of seed %d", c, seed).isLessThan(64L << 20);
        }
        System.out.printf("CheckpointMetadataFuzzTest: %d cases (%d loaded, %d refused with one line)%n", CASES, loaded, refused);
        assertThat(refused).isGreaterThan(0);
        assertThat(loaded).isGreaterThan(0);
    }
}
