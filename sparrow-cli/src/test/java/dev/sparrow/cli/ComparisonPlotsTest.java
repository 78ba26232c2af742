package dev.sparrow.cli;

import dev.sparrow.train.EpochResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The plots 'sparrow demo' and 'sparrow compare' draw into their output folder. */
class ComparisonPlotsTest {
    @TempDir
    Path dir;

    private static EpochResult epoch(int e, double valAccuracy) {
        return new EpochResult(e, 10L * e, 1.0 / e, valAccuracy, 1.0 / e, valAccuracy, 1, 100, 0.1);
    }

    @Test
    void accuracyAndInferencePlotsArePngsOfTheChartSizeAndLeaveNoTemporaryFiles() throws IOException {
        Path accuracy = ComparisonPlots.writeAccuracy(dir, "Validation accuracy per epoch: mlp, srigl at 90.0% sparsity vs dense",
                List.of(new ComparisonPlots.Run("srigl", 0.9, List.of(epoch(1, 0.7), epoch(2, 0.8)), 0.81),
                        new ComparisonPlots.Run("dense", 0, List.of(epoch(1, 0.75), epoch(2, 0.85)), 0.86)));
        Path inference = ComparisonPlots.writeInference(dir, "Inference of mlp, srigl at 90.0% sparsity",
                List.of(new ModelBench.Row(1, 20, 25, 0, 0, Map.of(), 100, "csr"),
                        new ModelBench.Row(256, 4000, 1000, 0, 0, Map.of(), 100, "csr")));

        for (Path p : List.of(accuracy, inference)) {
            BufferedImage image = ImageIO.read(p.toFile());
            assertThat(image).as(p.toString()).isNotNull();
            assertThat(image.getWidth()).isEqualTo(RunPlots.WIDTH);
            assertThat(image.getHeight()).isEqualTo(RunPlots.HEIGHT);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly(ComparisonPlots.ACCURACY, ComparisonPlots.INFERENCE);
        }
    }

    @Test
    void everySeriesNamesItsMethodAndSparsity() {
        assertThat(new ComparisonPlots.Run("rigl", 0.8996, List.of(), 0.8531).label()).isEqualTo("rigl, 90.0% sparsity: test 85.31%");
        assertThat(new ComparisonPlots.Run("dense", 0.0, List.of(), 0.86).label()).isEqualTo("dense: test 86.00%");
    }
}
