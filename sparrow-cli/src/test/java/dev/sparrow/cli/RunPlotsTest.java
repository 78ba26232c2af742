package dev.sparrow.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Plots drawn from a hand-written run folder: valid PNGs of the expected size, clear errors on bad input. */
class RunPlotsTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static final String SPARSE_ROWS = """
            {"epoch":1,"global_step":10,"train_loss":1.2,"train_accuracy":0.55,"test_loss":1.0,"test_accuracy":0.6,"layer_sparsity":{"fc1.weight":0.9,"fc2.weight":0.8}}
            {"epoch":2,"global_step":20,"train_loss":0.8,"train_accuracy":0.7,"test_loss":0.7,"test_accuracy":0.72,"layer_sparsity":{"fc1.weight":0.9,"fc2.weight":0.8}}
            {"epoch":3,"global_step":30,"train_loss":0.5,"train_accuracy":0.82,"test_loss":0.6,"test_accuracy":0.8,"layer_sparsity":{"fc1.weight":0.9,"fc2.weight":0.8}}
            """;

    private static final String SUMMARY = """
            {"test_accuracy": 0.8, "sparsity": {"sparsity": 0.88, "active": 120, "size": 1000,
              "layers": {"fc1.weight": {"sparsity": 0.9, "active": 80, "size": 800},
                         "fc2.weight": {"sparsity": 0.8, "active": 40, "size": 200}}}}
            """;

    /** Checks the PNG signature and reads width and height from the IHDR chunk that must follow it. */
    private static void assertPng(Path file, int width, int height) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes.length).as(file.toString()).isGreaterThan(33);
        assertThat(java.util.Arrays.copyOf(bytes, 8)).as(file + " signature").isEqualTo(PNG_MAGIC);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        assertThat(new String(bytes, 12, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("IHDR");
        assertThat(b.getInt(16)).as(file + " width").isEqualTo(width);
        assertThat(b.getInt(20)).as(file + " height").isEqualTo(height);
    }

    @Test
    void sparseRunGetsAccuracyLossAndSparsityPlots(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), SPARSE_ROWS);
        Files.writeString(dir.resolve("summary.json"), SUMMARY);

        var written = RunPlots.write(dir);

        assertThat(written).containsExactly(dir.resolve("accuracy.png"), dir.resolve("loss.png"), dir.resolve("sparsity.png"));
        for (Path p : written) assertPng(p, RunPlots.WIDTH, RunPlots.HEIGHT);
    }

    @Test
    void denseRunHasNoSparsityPlot(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), """
                {"epoch":1,"train_loss":1.2,"train_accuracy":0.55,"test_loss":1.0,"test_accuracy":0.6}
                {"epoch":2,"train_loss":0.9,"train_accuracy":0.65,"test_loss":0.8,"test_accuracy":0.7}
                """);

        assertThat(RunPlots.write(dir)).containsExactly(dir.resolve("accuracy.png"), dir.resolve("loss.png"));
        assertThat(dir.resolve("sparsity.png")).doesNotExist();
        assertPng(dir.resolve("accuracy.png"), RunPlots.WIDTH, RunPlots.HEIGHT);
    }

    @Test
    void sparsityFallsBackToTheLastMetricsRowWithoutSummary(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), SPARSE_ROWS);
        assertThat(RunPlots.write(dir)).contains(dir.resolve("sparsity.png"));
        assertPng(dir.resolve("sparsity.png"), RunPlots.WIDTH, RunPlots.HEIGHT);
    }

    @Test
    void missingMetricsNamesTheFile(@TempDir Path dir) {
        assertThatThrownBy(() -> RunPlots.write(dir)).isInstanceOf(UserInputException.class)
                .hasMessageContaining(dir.resolve("metrics.jsonl").toString()).hasMessageContaining("not found");
    }

    @Test
    void malformedMetricsNamesFileAndLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), """
                {"epoch":1,"train_loss":1.2,"train_accuracy":0.55,"test_loss":1.0,"test_accuracy":0.6}
                {"epoch":2,"train_loss":0.9,
                """);
        assertThatThrownBy(() -> RunPlots.write(dir)).isInstanceOf(UserInputException.class)
                .hasMessageContaining(dir.resolve("metrics.jsonl") + ": line 2: malformed JSON");
    }

    /** Issue 12, defect 5: a run cut short by a full disk leaves half a row; report draws the whole ones. */
    @Test
    void aTornLastLineIsSkippedNotFatal(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), SPARSE_ROWS + "{\"epoch\":4,\"global_st");
        assertThat(RunPlots.write(dir)).isNotEmpty();
    }

    @Test
    void missingFieldAndEmptyMetricsAreNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"epoch\":1,\"train_loss\":1.2,\"train_accuracy\":0.5,\"test_loss\":1.0}\n");
        assertThatThrownBy(() -> RunPlots.write(dir)).isInstanceOf(UserInputException.class)
                .hasMessageContaining(dir.resolve("metrics.jsonl") + ": line 1: 'test_accuracy' is missing");
        Files.writeString(dir.resolve("metrics.jsonl"), "\n");
        assertThatThrownBy(() -> RunPlots.write(dir)).isInstanceOf(UserInputException.class)
                .hasMessageContaining(dir.resolve("metrics.jsonl") + ": no epochs recorded");
    }

    @Test
    void malformedSummaryNamesTheFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), SPARSE_ROWS);
        Files.writeString(dir.resolve("summary.json"), "{\"sparsity\": ");
        assertThatThrownBy(() -> RunPlots.write(dir)).isInstanceOf(UserInputException.class)
                .hasMessageContaining(dir.resolve("summary.json") + ": document: malformed JSON");
    }

    @Test
    void reportCommandRedrawsThePlotsAndFailsWithTheFileNamed(@TempDir Path dir) throws IOException {
        SparrowCliTest.Run missing = SparrowCliTest.run("report", dir.toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains(dir.resolve("metrics.jsonl").toString()).doesNotContain("at dev.sparrow");

        Files.writeString(dir.resolve("metrics.jsonl"), SPARSE_ROWS);
        assertThat(SparrowCliTest.run("report", dir.toString()).exit()).isZero();
        assertPng(dir.resolve("sparsity.png"), RunPlots.WIDTH, RunPlots.HEIGHT);
    }

    @Test
    void afterARunAFailedPlotIsOnlyAWarning(@TempDir Path dir) {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        RunPlots.writeAfterRun(dir, new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).startsWith("warning: no plots written to " + dir).contains("metrics.jsonl");
    }

    @Test
    void plotTitlesNameTheMethodAndSparsity(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), SPARSE_ROWS);
        dev.sparrow.train.TrainConfig rigl = dev.sparrow.train.TrainConfig.builder()
                .sparsity(dev.sparrow.sparsity.SparsityConfig.of("rigl", 0.9, "erk")).build();
        Files.writeString(dir.resolve("summary.json"), dev.sparrow.util.Json.write(java.util.Map.of("config", rigl.toJson())));
        assertThat(RunPlots.runLabel(dir)).isEqualTo("mlp, rigl at 90.0% sparsity");
        assertThat(RunPlots.label(dev.sparrow.train.TrainConfig.defaults(), null)).isEqualTo("mlp, dense");
        assertThat(RunPlots.label(rigl, 0.8512)).isEqualTo("mlp, rigl at 85.1% sparsity");
        assertThat(RunPlots.write(dir)).hasSize(3);
    }
}
