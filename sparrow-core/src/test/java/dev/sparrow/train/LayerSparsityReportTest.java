package dev.sparrow.train;

import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** A sparse run writes per-layer sparsity to every metrics row and to the summary; a dense run does not (seed 7). */
class LayerSparsityReportTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Object o) { return (Map<String, Object>) o; }

    private static double num(Object o) { return ((Number) o).doubleValue(); }

    @Test
    void staticSparseRunReportsPerLayerSparsity(@TempDir Path dir) throws IOException {
        TrainConfig config = TrainingRunTest.config(2).withSparsity(SparsityConfig.of("static", 0.8, "uniform"));
        TrainingRun.run(config, TrainingRunTest.data(), dir, null, TrainListener.NONE);

        List<String> lines = Files.readAllLines(dir.resolve(RunDirectory.METRICS));
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            Map<String, Object> layers = obj(Json.parseObject(line, Json.Limits.of(100_000)).get("layer_sparsity"));
            assertThat(layers).isNotEmpty();
            for (Map.Entry<String, Object> e : layers.entrySet()) {
                assertThat(num(e.getValue())).as(e.getKey()).isCloseTo(0.8, within(0.02));
            }
        }

        Map<String, Object> summary = Json.parseObject(Files.readString(dir.resolve(RunDirectory.SUMMARY)), Json.Limits.of(100_000));
        Map<String, Object> sparsity = obj(summary.get("sparsity"));
        long active = (long) num(sparsity.get("active"));
        long size = (long) num(sparsity.get("size"));
        assertThat(num(sparsity.get("sparsity"))).isCloseTo(1.0 - (double) active / size, within(1e-12))
                .isCloseTo(0.8, within(0.02));
        Map<String, Object> layers = obj(sparsity.get("layers"));
        Map<String, Object> lastRow = obj(Json.parseObject(lines.get(1), Json.Limits.of(100_000)).get("layer_sparsity"));
        assertThat(layers.keySet()).containsExactlyElementsOf(lastRow.keySet());
        long activeSum = 0;
        long sizeSum = 0;
        for (Map.Entry<String, Object> e : layers.entrySet()) {
            Map<String, Object> l = obj(e.getValue());
            activeSum += (long) num(l.get("active"));
            sizeSum += (long) num(l.get("size"));
            assertThat(num(l.get("sparsity"))).as(e.getKey()).isEqualTo(num(lastRow.get(e.getKey())));
        }
        assertThat(activeSum).isEqualTo(active);
        assertThat(sizeSum).isEqualTo(size);
    }

    @Test
    void denseRunRowsHaveNoLayerSparsity(@TempDir Path dir) throws IOException {
        TrainingRun.run(TrainingRunTest.config(1), TrainingRunTest.data(), dir, null, TrainListener.NONE);
        Map<String, Object> row = Json.parseObject(Files.readAllLines(dir.resolve(RunDirectory.METRICS)).getFirst(), Json.Limits.of(100_000));
        assertThat(row).doesNotContainKey("layer_sparsity");
        Map<String, Object> summary = Json.parseObject(Files.readString(dir.resolve(RunDirectory.SUMMARY)), Json.Limits.of(100_000));
        assertThat(summary).doesNotContainKey("sparsity");
    }
}
